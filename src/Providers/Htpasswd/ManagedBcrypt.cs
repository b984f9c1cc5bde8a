using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;

namespace AccessHooks.Providers.Htpasswd;

/// <summary>
/// bcrypt ($2a$, $2b$, $2y$) through BCrypt.Net-Next, in managed code: what verifies htpasswd -B
/// files where libxcrypt is not there (macOS and Windows, where developers run their providers'
/// unit tests). On Linux libxcrypt stays in use (<see cref="Bcrypt"/> says why).
/// BCrypt.Net-Next takes the password as a string and hashes its UTF-8 bytes, so a password
/// that is not valid UTF-8 cannot be passed through it unchanged: it is refused here (on Linux
/// libxcrypt verifies it byte for byte).
/// </summary>
internal static class ManagedBcrypt
{
    // Never inlined: compiling a caller with this inside loads BCrypt.Net-Next (its exception
    // type), which a child whose files have no bcrypt hash, or that has libxcrypt, never needs.
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static bool Verify(ReadOnlySpan<byte> password, string hash)
    {
        if (!Utf8.IsValid(password))
            return false;
        try
        {
            // Verify compares in constant time (BCrypt.Net's SafeEquals).
            return BCrypt.Net.BCrypt.Verify(Encoding.UTF8.GetString(password), hash);
        }
        catch (BCrypt.Net.SaltParseException)
        {
            return false;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}

/// <summary>
/// Which implementation verifies bcrypt. Measured in bench/ProviderBench (docs/performance.md,
/// "bcrypt: libxcrypt or BCrypt.Net-Next"): BCrypt.Net-Next ran at 0.77-0.78x libxcrypt's rate at cost 10
/// and 0.80-0.82x at cost 5, not reliably the 0.8x that would make it the one implementation, so
/// libxcrypt verifies bcrypt wherever it exists, and BCrypt.Net-Next only where it does not.
/// </summary>
internal static class Bcrypt
{
    public static bool Verify(ReadOnlySpan<byte> password, string hash, ReadOnlySpan<byte> expected)
    {
        if (!LibXCrypt.IsAvailable)
            return ManagedBcrypt.Verify(password, hash);
        var output = LibXCrypt.Hash(password, hash);
        return output is not null && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(output, expected);
    }
}
