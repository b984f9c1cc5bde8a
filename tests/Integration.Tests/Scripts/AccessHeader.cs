// Allows only loopback clients that send a non-empty X-Test header; everyone else: 403.
public static class Access
{
    public static bool? AllowAccess(HookRequest request, string host) =>
        request["REMOTE_ADDR"] == "127.0.0.1"
        && request.RemoteAddress.Equals(System.Net.IPAddress.Loopback)
        && !string.IsNullOrEmpty(request.Header("X-Test"))
        && request["HTTP_X_TEST"] == request.Header("x-test");
}
