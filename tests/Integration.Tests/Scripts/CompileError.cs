// This script does not compile: the error is on line 6 (CS1525 at column 48).
public static class Auth
{
    public static bool? CheckPassword(HookRequest request, string user, string password)
    {
        return user == "alice" && password ==  ;
    }
}
