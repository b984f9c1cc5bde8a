namespace AccessHooks.Providers;

/// <summary>
/// The union of the groups every registered group provider lists for a user (ordinal, first
/// occurrence order), so a user can be in a file group and a directory group at once.
/// </summary>
public sealed class CompositeGroupProvider : IGroupProvider
{
    private readonly IGroupProvider[] _providers;

    /// <summary>Asks <paramref name="providers"/> in order.</summary>
    public CompositeGroupProvider(IEnumerable<IGroupProvider> providers)
    {
        ArgumentNullException.ThrowIfNull(providers);
        _providers = providers.ToArray();
    }

    /// <summary>The providers, in the order they are asked.</summary>
    public IReadOnlyList<IGroupProvider> Providers => _providers;

    /// <inheritdoc />
    public async ValueTask<IReadOnlyCollection<string>> GroupsForUserAsync(HookRequest request, string user, CancellationToken cancellationToken = default)
    {
        if (_providers.Length == 1)
            return await _providers[0].GroupsForUserAsync(request, user, cancellationToken).ConfigureAwait(false);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var union = new List<string>();
        foreach (var provider in _providers)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var group in await provider.GroupsForUserAsync(request, user, cancellationToken).ConfigureAwait(false))
            {
                if (seen.Add(group))
                    union.Add(group);
            }
        }
        return union;
    }
}
