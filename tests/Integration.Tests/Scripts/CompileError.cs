// This script does not compile: the error is on line 6, column 40.
public static class Auth
{
    public static bool? CheckPassword(HookRequest request, string user, string password)
    {
        return user == "alice" && password ==  ;
    }
}
