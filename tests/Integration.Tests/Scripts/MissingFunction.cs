// Compiles, but has no CheckPassword.
public static class Auth
{
    public static bool? CheckPasswd(HookRequest request, string user, string password) => true;
}
