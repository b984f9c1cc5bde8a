// Blocks for 5 s and cannot be cancelled: with DotNetHookTimeout 2 its late "true" must be discarded (500).
public static class Auth
{
    public static bool? CheckPassword(HookRequest request, string user, string password)
    {
        System.Threading.Thread.Sleep(TimeSpan.FromSeconds(5));
        return true;
    }
}
