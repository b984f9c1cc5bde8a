using System.Security.Cryptography;
using System.Text;
using AccessHooks.Providers.Htpasswd;
using AccessHooks.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace AccessHooks.Providers.Tests;

public sealed class HtdigestTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private void HtDigest(string file, string realm, string user, string password)
    {
        // htdigest prompts twice; it reads the answers from stdin when that is not a terminal.
        var arguments = File.Exists(file) ? new[] { file, realm, user } : ["-c", file, realm, user];
        ExternalTool.Run("htdigest", arguments, $"{password}\n{password}\n").EnsureSuccess("htdigest");
    }

    private static string Md5Hex(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public async Task Realm_hash_from_real_htdigest_is_returned_for_the_right_user_and_realm()
    {
        var file = _directory["digest"];
        HtDigest(file, "Private Area", "alice", "wonderland");
        HtDigest(file, "Other", "alice", "elsewhere");
        HtDigest(file, "Private Area", "bob", "builder");
        var provider = new HtdigestRealmHashProvider(new HtdigestOptions { Path = file }, NullLogger<HtdigestRealmHashProvider>.Instance);

        Assert.Equal(Md5Hex("alice:Private Area:wonderland"), await provider.GetRealmHashAsync(TestRequests.Empty, "alice", "Private Area"));
        Assert.Equal(Md5Hex("alice:Other:elsewhere"), await provider.GetRealmHashAsync(TestRequests.Empty, "alice", "Other"));
        Assert.Equal(Md5Hex("bob:Private Area:builder"), await provider.GetRealmHashAsync(TestRequests.Empty, "bob", "Private Area"));
        Assert.Null(await provider.GetRealmHashAsync(TestRequests.Empty, "bob", "Other"));
        Assert.Null(await provider.GetRealmHashAsync(TestRequests.Empty, "carol", "Private Area"));
    }

    [Fact]
    public async Task Htdigest_file_is_reread_on_change_and_malformed_lines_are_skipped()
    {
        var file = _directory.WriteFile("digest", $"alice:r:{Md5Hex("alice:r:one")}\nbroken line\nbob:r:not-hex\n");
        var logger = new ListLogger<HtdigestRealmHashProvider>();
        var provider = new HtdigestRealmHashProvider(new HtdigestOptions { Path = file, ReloadCheckInterval = TimeSpan.FromMilliseconds(20), ReloadSettleTime = TimeSpan.FromMilliseconds(50) }, logger);
        Assert.Equal(Md5Hex("alice:r:one"), await provider.GetRealmHashAsync(TestRequests.Empty, "alice", "r"));
        Assert.Null(await provider.GetRealmHashAsync(TestRequests.Empty, "bob", "r"));
        Assert.Contains(logger.Lines, l => l.Contains("line 2"));
        Assert.Contains(logger.Lines, l => l.Contains("line 3"));

        File.WriteAllText(file, $"alice:r:{Md5Hex("alice:r:two").ToUpperInvariant()}\n");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await provider.GetRealmHashAsync(TestRequests.Empty, "alice", "r") != Md5Hex("alice:r:two") && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        Assert.Equal(Md5Hex("alice:r:two"), await provider.GetRealmHashAsync(TestRequests.Empty, "alice", "r"));
    }
}
