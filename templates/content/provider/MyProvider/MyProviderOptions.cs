namespace MyProvider;

/// <summary>Settings of <see cref="MyProviderPasswordChecker"/>.</summary>
public sealed class MyProviderOptions
{
    /// <summary>Users this provider knows, with their passwords (replace with your own source).</summary>
    public Dictionary<string, string> Users { get; } = new(StringComparer.Ordinal);

    /// <summary>Users refused even with the right password.</summary>
    public HashSet<string> Locked { get; } = new(StringComparer.Ordinal);
}
