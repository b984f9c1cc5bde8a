// One script for both DotNetAuthUserScript and DotNetAuthGroupScript (one application group).
// Every user's password is "<user>-pw".
public static class People
{
    private static readonly Dictionary<string, string[]> Members = new()
    {
        ["zero"] = [],
        ["one"] = ["staff"],
        ["several"] = ["staff", "admins", "GET-users", "envgroup"],
        ["banned"] = ["staff", "banned"],
    };

    public static bool? CheckPassword(HookRequest request, string user, string password) =>
        Members.ContainsKey(user) ? password == user + "-pw" : null;

    public static IEnumerable<string> GroupsForUser(HookRequest request, string user) =>
        Members.TryGetValue(user, out var groups) ? groups : [];
}
