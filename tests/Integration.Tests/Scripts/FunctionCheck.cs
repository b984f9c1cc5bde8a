// Function form beside DI-form scripts in one application group.
public static class FunctionCheck
{
    public static bool? CheckPassword(HookRequest request, string user, string password) =>
        user == "fn-user" ? password == "fn-pw" : null;
}
