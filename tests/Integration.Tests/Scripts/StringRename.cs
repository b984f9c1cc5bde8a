// string form: a non-empty string grants and renames the user.
public static class Auth
{
    public static string? CheckPassword(HookRequest request, string user, string password) =>
        user == "alice" && password == "secret" ? "alice-renamed" : null;
}
