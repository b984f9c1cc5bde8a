using Microsoft.Extensions.Logging;

namespace AccessHooks.Providers.Htpasswd;

/// <summary>One immutable parse of an htdigest file: (user, realm) to the hex MD5 of "user:realm:password".</summary>
internal sealed class HtdigestTable
{
    private readonly Dictionary<(string User, string Realm), string> _hashes;

    private HtdigestTable(Dictionary<(string, string), string> hashes) => _hashes = hashes;

    public int Count => _hashes.Count;

    public string? Find(string user, string realm) => _hashes.GetValueOrDefault((user, realm));

    public static ParsedFile<HtdigestTable> Parse(string content, ILogger logger)
    {
        var hashes = new Dictionary<(string, string), string>();
        var looksTruncated = false;
        foreach (var line in FileLines.Split(content))
        {
            var text = line.Text.Trim();
            if (text.Length == 0 || text[0] == '#')
                continue;
            // The realm may not contain ':' (htdigest refuses it), so user:realm:hash splits at the first two.
            var parts = text.Split(':');
            if (parts.Length != 3 || parts[0].Length == 0 || !IsMd5Hex(parts[2]))
            {
                looksTruncated = !line.Terminated;
                logger.LogWarning("htdigest: line {Number} is not 'user:realm:md5hex'; skipped", line.Number);
                continue;
            }
            if (!hashes.TryAdd((parts[0], parts[1]), parts[2].ToLowerInvariant()))
                logger.LogWarning("htdigest: line {Number}: user '{User}' in realm '{Realm}' is listed again; the first entry is used", line.Number, parts[0], parts[1]);
        }
        return new ParsedFile<HtdigestTable>(new HtdigestTable(hashes), looksTruncated);
    }

    private static bool IsMd5Hex(string value) => value.Length == 32 && value.All(char.IsAsciiHexDigit);
}
