namespace Shop.Catalog;

public sealed record Product(int Id, string Name, decimal Price);

/// <summary>The shop's products: fixed, so that responses can be compared byte for byte.</summary>
public sealed class ProductCatalog
{
    private readonly Product[] _products =
    [
        new(1, "Apache feather", 12.50m),
        new(2, "Kestrel figurine", 30.00m),
        new(3, "Lua moon", 7.25m),
    ];

    public IReadOnlyList<Product> All => _products;

    public Product? Find(int id) => Array.Find(_products, p => p.Id == id);
}
