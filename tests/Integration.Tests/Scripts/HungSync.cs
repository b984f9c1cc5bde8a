// A hook that calls a back end that never answers, synchronously: it never returns.
public static class Hung
{
    public static bool? CheckPassword(HookRequest request, string user, string password)
    {
        if (user.StartsWith("hung", StringComparison.Ordinal))
            System.Threading.Thread.Sleep(System.Threading.Timeout.Infinite);
        return user == "ok" && password == "ok-password";
    }
}
