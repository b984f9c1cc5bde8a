// AuthResult form, async with a CancellationToken.
public static class Auth
{
    public static async Task<AuthResult> CheckPassword(HookRequest request, string user, string password, System.Threading.CancellationToken cancellationToken)
    {
        await Task.Yield();
        return (user, password) switch
        {
            ("alice", "secret") => AuthResult.Granted,
            ("dave", "davepw") => AuthResult.GrantedAs("dave-renamed"),
            ("alice", _) or ("dave", _) => AuthResult.Denied,
            _ => AuthResult.NotFound,
        };
    }
}
