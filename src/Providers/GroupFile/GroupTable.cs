using Microsoft.Extensions.Logging;

namespace AccessHooks.Providers.GroupFile;

/// <summary>
/// One immutable parse of a group file (<c>group: user1 user2</c>), indexed by user so a lookup
/// is one dictionary probe. A group on several lines is the union of them, as in mod_authz_groupfile.
/// </summary>
internal sealed class GroupTable
{
    private static readonly IReadOnlyCollection<string> None = Array.Empty<string>();
    private readonly Dictionary<string, string[]> _groupsByUser;

    private GroupTable(Dictionary<string, string[]> groupsByUser) => _groupsByUser = groupsByUser;

    public int UserCount => _groupsByUser.Count;

    public IReadOnlyCollection<string> GroupsOf(string user) => _groupsByUser.TryGetValue(user, out var groups) ? groups : None;

    public static ParsedFile<GroupTable> Parse(string content, ILogger logger)
    {
        var building = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var looksTruncated = false;
        foreach (var line in FileLines.Split(content))
        {
            var text = line.Text.Trim();
            if (text.Length == 0 || text[0] == '#')
                continue;
            var colon = text.IndexOf(':');
            // Group names are compared with Require arguments, so surrounding blanks are not part of them.
            var group = colon < 0 ? string.Empty : text[..colon].Trim();
            if (group.Length == 0)
            {
                looksTruncated = !line.Terminated;
                logger.LogWarning("group file: line {Number} is not 'group: user1 user2 ...'; skipped", line.Number);
                continue;
            }
            foreach (var user in Words(text[(colon + 1)..]))
            {
                if (!building.TryGetValue(user, out var groups))
                    building[user] = groups = [];
                if (!groups.Contains(group, StringComparer.Ordinal))
                    groups.Add(group);
            }
        }
        var index = building.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
        return new ParsedFile<GroupTable>(new GroupTable(index), looksTruncated);
    }

    /// <summary>Blank-separated words; a word may be quoted ("John Smith") as ap_getword_conf allows.</summary>
    internal static IEnumerable<string> Words(string members)
    {
        var i = 0;
        while (i < members.Length)
        {
            while (i < members.Length && char.IsWhiteSpace(members[i]))
                i++;
            if (i >= members.Length)
                yield break;
            var quote = members[i];
            if (quote is '"' or '\'')
            {
                var close = members.IndexOf(quote, i + 1);
                var end = close < 0 ? members.Length : close;
                if (end > i + 1)
                    yield return members[(i + 1)..end];
                i = end + 1;
                continue;
            }
            var start = i;
            while (i < members.Length && !char.IsWhiteSpace(members[i]))
                i++;
            yield return members[start..i];
        }
    }
}
