using Microsoft.Extensions.Logging;

namespace AccessHooks.Providers.Htpasswd;

/// <summary>Gives Digest-auth hashes from an htdigest file (as mod_authn_file does for AuthDigestProvider file).</summary>
public sealed class HtdigestRealmHashProvider : IRealmHashProvider
{
    private readonly WatchedFile<HtdigestTable> _file;

    /// <summary>A provider over the htdigest file <paramref name="options"/> names.</summary>
    public HtdigestRealmHashProvider(HtdigestOptions options, ILogger<HtdigestRealmHashProvider> logger)
    {
        _file = new WatchedFile<HtdigestTable>(options, "htdigest", HtdigestTable.Parse, logger);
    }

    /// <summary>The htdigest file.</summary>
    public string Path => _file.Path;

    /// <inheritdoc />
    public ValueTask<string?> GetRealmHashAsync(HookRequest request, string user, string realm, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(realm);
        return ValueTask.FromResult(_file.Current.Find(user, realm));
    }
}
