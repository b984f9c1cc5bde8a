using AccessHooks.Providers.Htpasswd;
using AccessHooks.TestSupport;

namespace AccessHooks.Providers.Tests;

/// <summary>Every format the real htpasswd writes on Debian, plus the crypt(3) prefixes it can be handed.</summary>
public sealed class HtpasswdFormatTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(HashFormat.Bcrypt, "-B", "-C", "4")]
    [InlineData(HashFormat.Bcrypt, "-B")]
    [InlineData(HashFormat.Bcrypt, "-B", "-C", "10")]
    [InlineData(HashFormat.AprMd5, "-m")]
    [InlineData(HashFormat.Sha1, "-s")]
    [InlineData(HashFormat.DesCrypt, "-d")]
    [InlineData(HashFormat.Sha256Crypt, "-2")]
    [InlineData(HashFormat.Sha512Crypt, "-5")]
    [InlineData(HashFormat.Sha256Crypt, "-2", "-r", "10000")]
    [InlineData(HashFormat.Sha512Crypt, "-5", "-r", "1000")]
    public void Htpasswd_written_hash_verifies_right_and_refuses_wrong(HashFormat expected, params string[] flags)
    {
        var file = _directory["users"];
        HtpasswdFiles.Add(file, "alice", "correct horse", flags);
        HtpasswdFiles.Add(file, "bob", "b0b-pässwörd", flags);
        var hash = File.ReadAllLines(file)[0].Split(':')[1];
        Assert.Equal(expected, StoredHash.Classify(hash));

        var checker = HtpasswdFiles.Checker(file);
        Assert.Equal(AuthResult.Granted, checker.Check("alice", "correct horse"));
        // Differs in the first 8 characters: traditional DES crypt only uses those.
        Assert.Equal(AuthResult.Denied, checker.Check("alice", "Correct horse"));
        Assert.Equal(AuthResult.Denied, checker.Check("alice", "b0b-pässwörd"));
        Assert.Equal(AuthResult.Granted, checker.Check("bob", "b0b-pässwörd"));
        Assert.Equal(AuthResult.Denied, checker.Check("bob", ""));
        Assert.Equal(AuthResult.NotFound, checker.Check("carol", "correct horse"));
        Assert.Equal(AuthResult.NotFound, checker.Check("Alice", "correct horse"));
    }

    [Theory]
    [InlineData("$2a$")]
    [InlineData("$2b$")]
    public void Bcrypt_2a_and_2b_prefixes_verify(string prefix)
    {
        // For passwords without 8-bit bytes the $2a$, $2b$ and $2y$ variants compute the same hash.
        var line = HtpasswdFiles.Line("alice", "s3cret", "-B", "-C", "5").Replace("$2y$", prefix);
        var checker = HtpasswdFiles.Checker(_directory.WriteFile("users", line + "\n"));
        Assert.Equal(AuthResult.Granted, checker.Check("alice", "s3cret"));
        Assert.Equal(AuthResult.Denied, checker.Check("alice", "s3creT"));
    }

    [Fact]
    public void Md5_crypt_from_openssl_verifies()
    {
        var hash = ExternalTool.Run("openssl", "passwd", "-1", "s3cret").EnsureSuccess("openssl passwd").StandardOutput.Trim();
        Assert.StartsWith("$1$", hash);
        var checker = HtpasswdFiles.Checker(_directory.WriteFile("users", $"alice:{hash}\n"));
        Assert.Equal(AuthResult.Granted, checker.Check("alice", "s3cret"));
        Assert.Equal(AuthResult.Denied, checker.Check("alice", "secret"));
    }

    [Fact]
    public void Yescrypt_verifies()
    {
        // htpasswd does not write $y$; this is libxcrypt's yescrypt of "pw" (as in Debian's /etc/shadow).
        const string hash = "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$U4SOHmDd8SvW5vCUKSMR6N835VPwFAtgYNhQ9mFFeL5";
        var checker = HtpasswdFiles.Checker(_directory.WriteFile("users", $"alice:{hash}\n"));
        Assert.Equal(AuthResult.Granted, checker.Check("alice", "pw"));
        Assert.Equal(AuthResult.Denied, checker.Check("alice", "pW"));
    }

    [Fact]
    public void Apr1_managed_implementation_matches_htpasswd_for_many_passwords()
    {
        foreach (var password in new[] { "a", "0123456789abcdef", "0123456789abcdef0", new string('x', 100), "ünïcødé", "with space" })
        {
            var hash = HtpasswdFiles.Line("u", password, "-m").Split(':', 2)[1];
            var salt = Apr1Md5.SaltOf(hash)!;
            Assert.Equal(hash, Apr1Md5.Hash(System.Text.Encoding.UTF8.GetBytes(password), salt));
        }
    }

    [Theory]
    [InlineData("{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", true)]
    [InlineData("$apr1$abcdefgh$0123456789abcdefghijkl", true)]
    [InlineData("$1$abcdefgh$0123456789abcdefghijkl", true)]
    [InlineData("$2y$05$1kDoQ2Vx5EEZ6aST8jjBxeZqKqLLz/c5ke6HHVO4dPFQSa4vczYIS", true)]
    [InlineData("$2y$12$1kDoQ2Vx5EEZ6aST8jjBxeZqKqLLz/c5ke6HHVO4dPFQSa4vczYIS", true)]
    [InlineData("$2y$13$1kDoQ2Vx5EEZ6aST8jjBxeZqKqLLz/c5ke6HHVO4dPFQSa4vczYIS", false)]
    [InlineData("$2b$31$1kDoQ2Vx5EEZ6aST8jjBxeZqKqLLz/c5ke6HHVO4dPFQSa4vczYIS", false)]
    [InlineData("$6$saltsalt$abcdefghijklmnop", true)]
    [InlineData("$5$rounds=100000$saltsalt$abcdefghijklmnop", true)]
    [InlineData("$6$rounds=100001$saltsalt$abcdefghijklmnop", false)]
    [InlineData("$6$rounds=999999999$saltsalt$abcdefghijklmnop", false)]
    [InlineData("$y$j9T$saltsaltsalt$abcdefghijklmnop", false)]
    [InlineData("plaintext", true)]
    public void Only_cheap_hashes_are_verified_on_the_calling_thread(string hash, bool quick)
    {
        Assert.Equal(quick, StoredHash.Parse(hash).VerifiesQuickly);
    }

    [Fact]
    public void Plaintext_entry_is_refused()
    {
        var checker = HtpasswdFiles.Checker(_directory.WriteFile("users", "alice:plain-password\n"));
        Assert.Equal(AuthResult.Denied, checker.Check("alice", "plain-password"));
    }

    [Fact]
    public void Password_with_nul_is_denied_even_if_its_prefix_is_right()
    {
        var checker = HtpasswdFiles.Checker(_directory.WriteFile("users", HtpasswdFiles.Line("alice", "pw", "-d") + "\n"));
        Assert.Equal(AuthResult.Granted, checker.Check("alice", "pw"));
        Assert.Equal(AuthResult.Denied, checker.Check("alice", "pw\0anything"));
    }
}
