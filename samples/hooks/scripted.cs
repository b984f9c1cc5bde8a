// The function form: a public static CheckPassword in a public static class.
// true = granted, false = 401 and stop, null = not mine (next AuthBasicProvider),
// a string = granted under that name (it becomes REMOTE_USER).
public static class Scripted
{
    public static AuthResult CheckPassword(HookRequest request, string user, string password)
    {
        if (user == "guest")
            return password == "guest" ? AuthResult.GrantedAs("guest-" + request.RemoteAddress) : AuthResult.Denied;
        if (user == "carol")
            return password == "tea";
        return AuthResult.NotFound;
    }
}
