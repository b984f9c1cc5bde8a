// bool? form: alice is known here; carol is refused here (even though the htpasswd file has her);
// everyone else is "not found", so the next provider (mod_authn_file) decides.
public static class Auth
{
    public static bool? CheckPassword(HookRequest request, string user, string password) => user switch
    {
        "alice" => password == "secret",
        "carol" => false,
        _ => null,
    };
}
