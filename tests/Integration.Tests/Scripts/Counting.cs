// Counts its calls in a file, and denies everyone once the "deny" flag file exists.
public static class Auth
{
    private const string Dir = "@@STATE@@";

    public static bool? CheckPassword(HookRequest request, string user, string password)
    {
        System.IO.File.AppendAllText(System.IO.Path.Combine(Dir, "calls.log"), $"{user}\n");
        if (System.IO.File.Exists(System.IO.Path.Combine(Dir, "deny")))
            return false;
        return password == user + "-pw";
    }
}
