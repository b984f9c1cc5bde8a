// Blocks for 15 s and ignores cancellation: the worker must still give up at DotNetHookTimeout.
public static class Auth
{
    public static bool? CheckPassword(HookRequest request, string user, string password)
    {
        System.Threading.Thread.Sleep(TimeSpan.FromSeconds(15));
        return true;
    }
}
