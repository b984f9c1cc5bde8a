using System.Net;
using Humanizer;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Shop;
using Shop.Catalog;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddControllers();
builder.Services.AddAntiforgery();
builder.Services.AddSingleton<ProductCatalog>();
builder.Services.Configure<ShopOptions>(builder.Configuration.GetSection("Shop"));

var app = builder.Build();
app.MapStaticAssets();
app.UseAntiforgery();
app.MapControllers();

app.MapGet("/", (HttpContext context, IOptions<ShopOptions> options, ProductCatalog catalog) =>
{
    var items = string.Concat(catalog.All.Select(p =>
        $"<li>{WebUtility.HtmlEncode(p.Name)}: {p.Price} {options.Value.Currency}</li>"));
    return Results.Content($"""
        <!doctype html>
        <html><head><title>{WebUtility.HtmlEncode(options.Value.Name)}</title>
        <link rel="stylesheet" href="{context.Request.PathBase}/css/site.css"></head>
        <body><h1>{WebUtility.HtmlEncode(options.Value.Name)}</h1><ul>{items}</ul>
        <p><a href="{context.Request.PathBase}/order">Order</a></p></body></html>
        """, "text/html; charset=utf-8");
});

app.MapGet("/settings", (IOptions<ShopOptions> options, IHostEnvironment environment) => new
{
    options.Value.Name,
    options.Value.Currency,
    options.Value.MaxQuantity,
    environment.EnvironmentName,
    environment.ApplicationName,
});

// Who Apache says you are, and whether the Authorization header reached the app.
app.MapGet("/whoami", (HttpContext context) => new
{
    User = context.User.Identity?.Name,
    Authenticated = context.User.Identity?.IsAuthenticated ?? false,
    AuthorizationPassed = context.Request.Headers.Authorization.Count > 0,
});

app.MapGet("/order", (HttpContext context, IAntiforgery antiforgery, ProductCatalog catalog) =>
{
    var tokens = antiforgery.GetAndStoreTokens(context);
    var options = string.Concat(catalog.All.Select(p => $"<option value=\"{p.Id}\">{WebUtility.HtmlEncode(p.Name)}</option>"));
    return Results.Content($"""
        <!doctype html>
        <html><body><form method="post" action="{context.Request.PathBase}/order">
        <input type="hidden" name="{tokens.FormFieldName}" value="{tokens.RequestToken}">
        <select name="productId">{options}</select>
        <input name="quantity" type="number" value="1">
        <button>Order</button>
        </form></body></html>
        """, "text/html; charset=utf-8");
});

// Form binding validates the antiforgery token (UseAntiforgery): without it, 400.
app.MapPost("/order", ([FromForm] int productId, [FromForm] int quantity, ProductCatalog catalog, IOptions<ShopOptions> options) =>
{
    if (catalog.Find(productId) is not { } product)
        return Results.NotFound();
    if (quantity < 1 || quantity > options.Value.MaxQuantity)
        return Results.BadRequest($"between 1 and {options.Value.MaxQuantity}, please");
    return Results.Text($"Ordered {quantity.ToWords()} {product.Name.ToQuantity(quantity, ShowQuantityAs.None)}: {product.Price * quantity} {options.Value.Currency}");
});

app.Run();
