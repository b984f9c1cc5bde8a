using System.Text;
using Microsoft.Extensions.Logging;

namespace AccessHooks.Providers.Htpasswd;

/// <summary>
/// Checks Basic-auth passwords against an htpasswd file: Granted on a right password, Denied on
/// a wrong one (or a refused hash format), NotFound for a user the file does not list.
/// </summary>
public sealed class HtpasswdPasswordChecker : IPasswordChecker
{
    private readonly WatchedFile<HtpasswdTable> _file;

    /// <summary>A checker over the htpasswd file <paramref name="options"/> names.</summary>
    public HtpasswdPasswordChecker(HtpasswdOptions options, ILogger<HtpasswdPasswordChecker> logger)
    {
        _file = new WatchedFile<HtpasswdTable>(options, "htpasswd", HtpasswdTable.Parse, logger);
    }

    /// <summary>The file in use.</summary>
    public string Path => _file.Path;

    /// <summary>Users in the current snapshot (loads the file if it was not yet).</summary>
    public int UserCount => _file.Current.Count;

    /// <summary>How many snapshots were loaded so far (1 after the first load, +1 per reload).</summary>
    public int Generation => _file.Generation;

    /// <inheritdoc />
    /// <remarks>
    /// Answers synchronously from the file's snapshot, so the host can run it on Apache's worker
    /// itself. A hash that takes long to verify (bcrypt above cost 12, SHA-crypt above 100,000
    /// rounds, yescrypt) is verified on the thread pool instead: the caller's deadline then still
    /// answers for a request the hash would hold for minutes.
    /// </remarks>
    public ValueTask<AuthResult> CheckPasswordAsync(HookRequest request, string user, string password, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(password);
        var table = _file.Current;
        // An unknown user costs what the decoy costs, so it takes the same path as a known one.
        if ((table.Find(user) ?? table.Decoy) is { VerifiesQuickly: false })
            return new ValueTask<AuthResult>(Task.Run(() => Check(table, user, password), cancellationToken));
        return ValueTask.FromResult(Check(table, user, password));
    }

    internal AuthResult Check(string user, string password) => Check(_file.Current, user, password);

    private static AuthResult Check(HtpasswdTable table, string user, string password)
    {
        var hash = table.Find(user);
        // Apache hands passwords over as C strings; a NUL would let "pw\0anything" match "pw".
        if (password.Contains('\0'))
            return hash is null ? AuthResult.NotFound : AuthResult.Denied;
        var bytes = Encoding.UTF8.GetBytes(password);
        if (hash is null)
        {
            table.Decoy?.Verify(bytes);
            return AuthResult.NotFound;
        }
        if (hash.Format == HashFormat.Refused)
        {
            table.Decoy?.Verify(bytes);
            return AuthResult.Denied;
        }
        // The file's own hash goes to mod_authn_socache: a cached entry is no cheaper to crack than the file.
        return hash.Verify(bytes) ? AuthResult.GrantedWithStoredHash(hash.Text) : AuthResult.Denied;
    }
}
