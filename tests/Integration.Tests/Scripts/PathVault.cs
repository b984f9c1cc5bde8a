// An access script that decides by path: /vault/ is closed to everyone. Bypassing it with
// /%76ault/, //vault/ or /x/../vault/ must not work (HookRequest.Path is Apache's r->uri).
public static class Vault
{
    public static bool? AllowAccess(HookRequest request, string host) =>
        request.Path.StartsWith("/vault", StringComparison.Ordinal) ? false : null;
}
