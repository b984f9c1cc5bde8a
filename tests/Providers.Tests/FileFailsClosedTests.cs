using System.Diagnostics;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using AccessHooks.Providers.GroupFile;
using AccessHooks.Providers.Htpasswd;
using AccessHooks.TestSupport;

namespace AccessHooks.Providers.Tests;

/// <summary>
/// A provider file that disappears or becomes unreadable fails closed at the next reload check
/// (as mod_authn_file does), logs that once, and serves again once the file is back.
/// </summary>
public sealed class FileFailsClosedTests : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(100);
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static string Sha(string user, string password) =>
        $"{user}:{{SHA}}{Convert.ToBase64String(SHA1.HashData(Encoding.UTF8.GetBytes(password)))}";

    private static GroupFileProvider GroupProvider(string path, ListLogger<GroupFileProvider> logger) =>
        new(new GroupFileOptions { Path = path, ReloadCheckInterval = Interval, ReloadSettleTime = Settle }, logger);

    private static string[] Groups(GroupFileProvider provider, string user) =>
        provider.GroupsForUserAsync(TestRequests.Empty, user).AsTask().GetAwaiter().GetResult().ToArray();

    /// <summary>Past the reload interval, so the next lookup is the one that checks the file.</summary>
    private static void PastTheInterval() => Thread.Sleep(Interval * 3);

    /// <summary>Retries until <paramref name="lookup"/> stops throwing (the restored file has settled), then returns its answer.</summary>
    private static T Eventually<T>(Func<T> lookup)
    {
        var timer = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return lookup();
            }
            catch (Exception) when (timer.Elapsed < TimeSpan.FromSeconds(10))
            {
                Thread.Sleep(20);
            }
        }
    }

    [Fact]
    public void Deleted_htpasswd_file_fails_closed_at_the_next_check_logs_once_and_serves_again_when_restored()
    {
        var logger = new ListLogger<HtpasswdPasswordChecker>();
        var content = Sha("alice", "a") + "\n";
        var file = _directory.WriteFile("users", content);
        var checker = HtpasswdFiles.Checker(file, logger, Interval, Settle);
        Assert.Equal(AuthResult.Granted, checker.Check("alice", "a"));

        File.Delete(file);
        PastTheInterval();
        var e = Assert.Throws<FileNotFoundException>(() => checker.Check("alice", "a"));
        Assert.Contains(file, e.Message);
        Assert.DoesNotContain("{SHA}", e.Message);
        // Every lookup fails while the file is gone (an unknown user too: no NotFound falling
        // through to the next provider), but the transition is logged once, not per lookup.
        for (var i = 0; i < 5; i++, PastTheInterval())
        {
            Assert.Throws<FileNotFoundException>(() => checker.Check("alice", "a"));
            Assert.Throws<FileNotFoundException>(() => checker.Check("nobody", "x"));
        }
        Assert.Single(logger.Lines, l => l.StartsWith("Error") && l.Contains("failing closed") && l.Contains(file));
        Assert.DoesNotContain(logger.Lines, l => l.Contains("{SHA}"));

        _directory.WriteFile("users", content);
        Assert.Equal(AuthResult.Granted, Eventually(() => checker.Check("alice", "a")));
        Assert.Equal(AuthResult.Denied, checker.Check("alice", "b"));
        Assert.Contains(logger.Lines, l => l.Contains("readable again"));
    }

    [Fact]
    public void Deleted_group_file_fails_closed_and_serves_again_when_restored()
    {
        var logger = new ListLogger<GroupFileProvider>();
        var file = _directory.WriteFile("groups", "banned: mallory\nstaff: alice\n");
        var provider = GroupProvider(file, logger);
        Assert.Equal(["banned"], Groups(provider, "mallory"));

        // "Require not dotnet-group banned" must not let mallory in because the list went away.
        File.Delete(file);
        PastTheInterval();
        var e = Assert.Throws<FileNotFoundException>(() => Groups(provider, "mallory"));
        Assert.Contains(file, e.Message);
        Assert.DoesNotContain("mallory", e.Message);
        PastTheInterval();
        Assert.Throws<FileNotFoundException>(() => Groups(provider, "alice"));
        Assert.Single(logger.Lines, l => l.Contains("failing closed"));

        _directory.WriteFile("groups", "banned: mallory\nstaff: alice\n");
        Assert.Equal(["banned"], Eventually(() => Groups(provider, "mallory")));
        Assert.Equal(["staff"], Groups(provider, "alice"));
    }

    [Fact]
    public async Task Deleted_htdigest_file_fails_closed()
    {
        var file = _directory.WriteFile("digest", "alice:r:" + new string('a', 32) + "\n");
        var provider = new HtdigestRealmHashProvider(new HtdigestOptions { Path = file, ReloadCheckInterval = Interval, ReloadSettleTime = Settle },
            new ListLogger<HtdigestRealmHashProvider>());
        Assert.NotNull(await provider.GetRealmHashAsync(TestRequests.Empty, "alice", "r"));
        File.Delete(file);
        PastTheInterval();
        await Assert.ThrowsAsync<FileNotFoundException>(() => provider.GetRealmHashAsync(TestRequests.Empty, "alice", "r").AsTask());
    }

    [Fact]
    public void File_replaced_by_a_directory_fails_closed_and_serves_again_when_a_file_is_back()
    {
        // Works as root too, unlike chmod 000: a directory cannot be read as a file by anyone.
        var htpasswd = _directory.WriteFile("users", Sha("alice", "a") + "\n");
        var groups = _directory.WriteFile("groups", "banned: mallory\n");
        var checker = HtpasswdFiles.Checker(htpasswd, new ListLogger<HtpasswdPasswordChecker>(), Interval, Settle);
        var provider = GroupProvider(groups, new ListLogger<GroupFileProvider>());
        Assert.Equal(AuthResult.Granted, checker.Check("alice", "a"));
        Assert.Equal(["banned"], Groups(provider, "mallory"));

        foreach (var path in new[] { htpasswd, groups })
        {
            File.Delete(path);
            Directory.CreateDirectory(path);
        }
        PastTheInterval();
        var e = Assert.Throws<IOException>(() => checker.Check("alice", "a"));
        Assert.Contains("directory", e.Message);
        Assert.Throws<IOException>(() => Groups(provider, "mallory"));

        Directory.Delete(htpasswd);
        Directory.Delete(groups);
        _directory.WriteFile("users", Sha("alice", "a") + "\n");
        _directory.WriteFile("groups", "banned: mallory\n");
        Assert.Equal(AuthResult.Granted, Eventually(() => checker.Check("alice", "a")));
        Assert.Equal(["banned"], Eventually(() => Groups(provider, "mallory")));
    }

    [NotRootFact]
    [UnsupportedOSPlatform("windows")]
    public void Unreadable_file_fails_closed_and_serves_again_when_readable()
    {
        var htpasswd = _directory.WriteFile("users", Sha("alice", "a") + "\n");
        var groups = _directory.WriteFile("groups", "banned: mallory\n");
        var checker = HtpasswdFiles.Checker(htpasswd, new ListLogger<HtpasswdPasswordChecker>(), Interval, Settle);
        var provider = GroupProvider(groups, new ListLogger<GroupFileProvider>());
        Assert.Equal(AuthResult.Granted, checker.Check("alice", "a"));
        Assert.Equal(["banned"], Groups(provider, "mallory"));

        File.SetUnixFileMode(htpasswd, UnixFileMode.None);
        File.SetUnixFileMode(groups, UnixFileMode.None);
        PastTheInterval();
        var e = Assert.Throws<UnauthorizedAccessException>(() => checker.Check("alice", "a"));
        Assert.Contains(htpasswd, e.Message);
        Assert.Throws<UnauthorizedAccessException>(() => Groups(provider, "mallory"));

        File.SetUnixFileMode(htpasswd, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.SetUnixFileMode(groups, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal(AuthResult.Granted, Eventually(() => checker.Check("alice", "a")));
        Assert.Equal(["banned"], Eventually(() => Groups(provider, "mallory")));
    }

    [Fact]
    public void File_changing_while_watched_never_throws_and_a_truncated_version_keeps_the_old_snapshot()
    {
        // The fail-closed states are for a file that is gone or unreadable, not one being rewritten.
        var logger = new ListLogger<GroupFileProvider>();
        var file = _directory.WriteFile("groups", "banned: mallory\nstaff: alice\n");
        var provider = GroupProvider(file, logger);
        Assert.Equal(["banned"], Groups(provider, "mallory"));
        // What a reader sees when a writer replacing the file stopped half-way through the line that bans mallory.
        File.WriteAllText(file, "staff: alice\nbann");
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddSeconds(-5));
        for (var i = 0; i < 5; i++, PastTheInterval())
            Assert.Equal(["banned"], Groups(provider, "mallory"));
        Assert.DoesNotContain(logger.Lines, l => l.Contains("failing closed"));
    }
}

/// <summary>A fact skipped when the tests run as root, for whom file permissions do not stop reads.</summary>
public sealed class NotRootFactAttribute : FactAttribute
{
    public NotRootFactAttribute()
    {
        if (Environment.IsPrivilegedProcess)
            Skip = "running as root: chmod 000 does not stop root from reading (the directory case covers unreadable files)";
    }
}
