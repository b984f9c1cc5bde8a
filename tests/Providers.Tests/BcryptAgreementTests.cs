using System.Text;
using AccessHooks.Providers.Htpasswd;

namespace AccessHooks.Providers.Tests;

/// <summary>
/// Issue 11: libxcrypt and BCrypt.Net-Next (the managed bcrypt used where libxcrypt is absent)
/// agree on hashes written by the real htpasswd -B, and on $2a$ and $2b$ hashes libxcrypt made
/// from the same salt: non-ASCII passwords, passwords longer than bcrypt's 72 bytes (both use
/// the first 72), wrong passwords refused by both.
/// </summary>
public sealed class BcryptAgreementTests
{
    public static TheoryData<string> Passwords => new()
    {
        "s3cret",
        "pässwörd-ü-€",
        "日本語のパスワード",
        new string('a', 72),
        new string('x', 80),                               // over 72 bytes: both use the first 72
        string.Concat(Enumerable.Repeat("ÿé€", 20)),       // 140 UTF-8 bytes, multi-byte at the cut
    };

    [Theory]
    [MemberData(nameof(Passwords))]
    public void Both_verify_htpasswd_B_hashes_the_same_way(string password)
    {
        Assert.True(LibXCrypt.IsAvailable); // Debian: the test runs both implementations
        var hash = HtpasswdFiles.Line("alice", password, "-B", "-C", "5").Split(':', 2)[1];
        Assert.StartsWith("$2y$05$", hash);
        var salt = hash.Substring(7, 22);
        var bytes = Encoding.UTF8.GetBytes(password);
        foreach (var prefix in new[] { "$2y$", "$2a$", "$2b$" })
        {
            var variant = prefix == "$2y$" ? hash : Encoding.ASCII.GetString(LibXCrypt.Hash(bytes, $"{prefix}05${salt}")!);
            Assert.StartsWith(prefix, variant);
            Assert.True(XCrypt(bytes, variant), $"libxcrypt refused its own {prefix} hash");
            Assert.True(ManagedBcrypt.Verify(bytes, variant), $"BCrypt.Net-Next refused {prefix} for a {bytes.Length}-byte password");

            var wrong = Encoding.UTF8.GetBytes(password[..^1] + (password[^1] == 'z' ? 'y' : 'z'));
            var beyond72 = bytes.Length > 72 && Encoding.UTF8.GetByteCount(password[..^1]) >= 72;
            // A changed last character beyond byte 72 is the same password to bcrypt, for both.
            Assert.Equal(beyond72, XCrypt(wrong, variant));
            Assert.Equal(beyond72, ManagedBcrypt.Verify(wrong, variant));
            Assert.False(XCrypt([], variant));
            Assert.False(ManagedBcrypt.Verify([], variant));
        }
    }

    [Fact]
    public void Bytes_that_are_not_utf8_are_verified_by_libxcrypt_and_refused_by_the_managed_path()
    {
        var latin1 = new byte[] { (byte)'p', 0xE4, (byte)'s', (byte)'s' }; // "päss" in Latin-1
        var hash = Encoding.ASCII.GetString(LibXCrypt.Hash(latin1, "$2y$05$abcdefghijklmnopqrstuu")!);
        Assert.True(XCrypt(latin1, hash));
        Assert.False(ManagedBcrypt.Verify(latin1, hash));
    }

    [Theory]
    [InlineData("$2y$05$short")]
    [InlineData("$2y$99$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz012")]
    [InlineData("$2q$05$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz012")]
    public void Malformed_hashes_are_refused_not_thrown(string hash) =>
        Assert.False(ManagedBcrypt.Verify("s3cret"u8, hash));

    private static bool XCrypt(byte[] password, string hash)
    {
        var output = LibXCrypt.Hash(password, hash);
        return output is not null && output.AsSpan().SequenceEqual(Encoding.ASCII.GetBytes(hash));
    }
}
