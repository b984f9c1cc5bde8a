using Microsoft.AspNetCore.Mvc;
using Shop.Catalog;

namespace Shop.Controllers;

[ApiController]
[Route("api/products")]
public sealed class ProductsController(ProductCatalog catalog) : ControllerBase
{
    [HttpGet]
    public IEnumerable<Product> List() => catalog.All;

    [HttpGet("{id:int}")]
    public ActionResult<Product> Get(int id) => catalog.Find(id) is { } product ? product : NotFound();
}
