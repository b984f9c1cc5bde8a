using System.Security.Cryptography;
using System.Text;

// Digest: MD5("user:realm:password") in lowercase hex for alice/secret, null for anyone else.
public static class Digest
{
    public static string? GetRealmHash(HookRequest request, string user, string realm) =>
        user == "alice"
            ? Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes($"{user}:{realm}:secret")))
            : null;
}
