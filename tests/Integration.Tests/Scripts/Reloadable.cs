// Reload test, generation @@GEN@@: grants alice with password "@@PASSWORD@@" only.
public static class Auth
{
    public static bool? CheckPassword(HookRequest request, string user, string password) =>
        user == "alice" && password == "@@PASSWORD@@";
}
