// Grants only when the hook cannot see any Authorization / Proxy-Authorization value, and
// does see the ordinary headers (so a hook that sees nothing at all cannot pass).
public static class Auth
{
    public static bool? CheckPassword(HookRequest request, string user, string password)
    {
        var hidden = request["HTTP_AUTHORIZATION"] is null
            && request["HTTP_PROXY_AUTHORIZATION"] is null
            && request.Header("Authorization") is null
            && request.Header("Proxy-Authorization") is null
            && !request.Variables.Keys.Any(k => k.Contains("AUTHORIZATION", StringComparison.OrdinalIgnoreCase))
            && !request.Variables.Values.Any(v => v.Contains("Basic ", StringComparison.Ordinal));
        var sees = request.Header("X-Probe") == "probe-value" && request["HTTP_X_PROBE"] == "probe-value"
            && request["REQUEST_METHOD"] == "GET" && request["REMOTE_ADDR"] == "127.0.0.1";
        return hidden && sees && user == "alice" && password == "secret";
    }
}
