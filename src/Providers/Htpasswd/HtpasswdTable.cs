using Microsoft.Extensions.Logging;

namespace AccessHooks.Providers.Htpasswd;

/// <summary>
/// One immutable parse of an htpasswd file: users to hashes (ordinal, first entry wins as in
/// mod_authn_file, which stops at the first matching line), plus a decoy hash for unknown users.
/// </summary>
internal sealed class HtpasswdTable
{
    private readonly Dictionary<string, StoredHash> _users;

    private HtpasswdTable(Dictionary<string, StoredHash> users, StoredHash? decoy)
    {
        _users = users;
        Decoy = decoy;
    }

    public int Count => _users.Count;

    /// <summary>
    /// A real hash of the most common cost class in the file. An unknown user is verified against
    /// it, so answering NotFound costs what answering Denied does and timing does not tell which users exist.
    /// </summary>
    public StoredHash? Decoy { get; }

    public StoredHash? Find(string user) => _users.GetValueOrDefault(user);

    public static ParsedFile<HtpasswdTable> Parse(string content, ILogger logger)
    {
        var users = new Dictionary<string, StoredHash>(StringComparer.Ordinal);
        var costClasses = new Dictionary<string, (int Count, StoredHash First)>(StringComparer.Ordinal);
        var looksTruncated = false;
        foreach (var line in FileLines.Split(content))
        {
            // Apache's config reader trims surrounding whitespace; '#' starts a comment line.
            var text = line.Text.Trim();
            if (text.Length == 0 || text[0] == '#')
                continue;
            var colon = text.IndexOf(':');
            if (colon <= 0 || colon == text.Length - 1)
            {
                looksTruncated = !line.Terminated;
                logger.LogWarning("htpasswd: line {Number} is not 'user:hash'; skipped", line.Number);
                continue;
            }
            var user = text[..colon];
            // Like mod_authn_file, the hash ends at the next ':' (anything after it is ignored).
            var rest = text[(colon + 1)..];
            var end = rest.IndexOf(':');
            var hashText = end < 0 ? rest : rest[..end];
            if (users.ContainsKey(user))
            {
                logger.LogWarning("htpasswd: line {Number}: user '{User}' is listed again; the first entry is used", line.Number, user);
                continue;
            }
            var hash = StoredHash.Parse(hashText);
            if (hash.Format == HashFormat.Refused)
            {
                if (!line.Terminated)
                {
                    // A cut-off last line: skip it and let the caller decide whether the whole file is trustworthy.
                    looksTruncated = true;
                    logger.LogWarning("htpasswd: line {Number} (the last, without newline) has an incomplete or unknown hash; skipped", line.Number);
                    continue;
                }
                logger.LogWarning("htpasswd: line {Number}: user '{User}' has a plaintext or unknown hash format; the user is always denied", line.Number, user);
            }
            users.Add(user, hash);
            if (hash.Format != HashFormat.Refused)
            {
                var current = costClasses.TryGetValue(hash.CostClass, out var known) ? known : (Count: 0, First: hash);
                costClasses[hash.CostClass] = (current.Count + 1, current.First);
            }
        }
        StoredHash? decoy = costClasses.Count == 0 ? null : costClasses.Values.MaxBy(c => c.Count).First;
        return new ParsedFile<HtpasswdTable>(new HtpasswdTable(users, decoy), looksTruncated);
    }
}
