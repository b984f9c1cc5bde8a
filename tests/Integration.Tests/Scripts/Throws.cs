// Throws from the hook; the message must never reach the client.
public static class Auth
{
    public static bool? CheckPassword(HookRequest request, string user, string password) =>
        throw new InvalidOperationException("EXC-MESSAGE-7f3a91 should stay in the log");
}
