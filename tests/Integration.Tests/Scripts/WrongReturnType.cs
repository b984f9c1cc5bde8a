// CheckPassword returning int: not one of the allowed forms.
public static class Auth
{
    public static int CheckPassword(HookRequest request, string user, string password) => 42;
}
