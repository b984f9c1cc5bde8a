namespace MyProvider;

/// <summary>Settings of <see cref="ProviderIdentPasswordChecker"/>.</summary>
public sealed class ProviderIdentOptions
{
    /// <summary>Users this provider knows, with their passwords (replace with your own source).</summary>
    public Dictionary<string, string> Users { get; } = new(StringComparer.Ordinal);

    /// <summary>Users refused even with the right password.</summary>
    public HashSet<string> Locked { get; } = new(StringComparer.Ordinal);
}
