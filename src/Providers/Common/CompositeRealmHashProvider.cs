namespace AccessHooks.Providers;

/// <summary>The first realm hash any registered provider knows, in registration order (Apache's AuthDigestProvider chain).</summary>
public sealed class CompositeRealmHashProvider : IRealmHashProvider
{
    private readonly IRealmHashProvider[] _providers;

    /// <summary>Asks <paramref name="providers"/> in order.</summary>
    public CompositeRealmHashProvider(IEnumerable<IRealmHashProvider> providers)
    {
        ArgumentNullException.ThrowIfNull(providers);
        _providers = providers.ToArray();
    }

    /// <summary>The providers, in the order they are asked.</summary>
    public IReadOnlyList<IRealmHashProvider> Providers => _providers;

    /// <inheritdoc />
    public async ValueTask<string?> GetRealmHashAsync(HookRequest request, string user, string realm, CancellationToken cancellationToken = default)
    {
        foreach (var provider in _providers)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var hash = await provider.GetRealmHashAsync(request, user, realm, cancellationToken).ConfigureAwait(false);
            if (hash is not null)
                return hash;
        }
        return null;
    }
}
