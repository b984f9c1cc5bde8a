// No opinion: other modules decide.
public static class Access
{
    public static bool? AllowAccess(HookRequest request, string host) => null;
}
