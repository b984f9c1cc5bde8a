// ValueTask form, denies.
public static class Access
{
    public static async ValueTask<bool?> AllowAccess(HookRequest request, string host)
    {
        await Task.Yield();
        return false;
    }
}
