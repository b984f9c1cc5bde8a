// bool form: only alice/secret.
public static class Auth
{
    public static bool CheckPassword(HookRequest request, string user, string password) =>
        user == "alice" && password == "secret";
}
