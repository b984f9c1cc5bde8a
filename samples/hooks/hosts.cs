// The access-checker phase: decide by client address before any authentication.
// true = allowed, false = 403, null = no opinion (Apache's own Require lines decide).
using System.Net;

public static class Hosts
{
    public static bool? AllowAccess(HookRequest request, string host)
    {
        if (request.Header("X-Demo-Block") is not null)
            return false;
        return IPAddress.IsLoopback(request.RemoteAddress);
    }
}
