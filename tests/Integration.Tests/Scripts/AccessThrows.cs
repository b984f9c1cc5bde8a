// Throws: must be a 500, never an allow.
public static class Access
{
    public static bool? AllowAccess(HookRequest request, string host) =>
        throw new InvalidOperationException("ACCESS-EXC-4411");
}
