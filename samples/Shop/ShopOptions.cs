namespace Shop;

/// <summary>The "Shop" section of appsettings.json (and appsettings.{Environment}.json).</summary>
public sealed class ShopOptions
{
    public string Name { get; set; } = "";
    public string Currency { get; set; } = "";
    public int MaxQuantity { get; set; } = 10;
}
