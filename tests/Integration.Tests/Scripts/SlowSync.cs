// Blocks for 20 s and cannot be cancelled: with DotNetHookTimeout 2 the request is answered 500 at the deadline.
public static class Auth
{
    public static bool? CheckPassword(HookRequest request, string user, string password)
    {
        System.Threading.Thread.Sleep(TimeSpan.FromSeconds(20));
        return true;
    }
}
