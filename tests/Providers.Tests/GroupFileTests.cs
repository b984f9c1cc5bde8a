using AccessHooks.Providers.GroupFile;
using AccessHooks.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace AccessHooks.Providers.Tests;

public sealed class GroupFileTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static GroupFileProvider Provider(string path, TimeSpan? interval = null) =>
        new(new GroupFileOptions { Path = path, ReloadCheckInterval = interval ?? TimeSpan.FromSeconds(1), ReloadSettleTime = TimeSpan.FromMilliseconds(50) },
            NullLogger<GroupFileProvider>.Instance);

    private static string[] Groups(GroupFileProvider provider, string user) =>
        provider.GroupsForUserAsync(TestRequests.Empty, user).AsTask().GetAwaiter().GetResult().ToArray();

    [Fact]
    public void Apache_group_file_format_with_groups_on_several_lines()
    {
        var file = _directory.WriteFile("groups",
            "# site groups\r\nadmins: alice bob\r\n\r\nstaff: carol   alice\nadmins: dave\n  readers :alice \"Jo Smith\"\nempty:\nlast: erin");
        var provider = Provider(file);
        Assert.Equal(["admins", "staff", "readers"], Groups(provider, "alice"));
        Assert.Equal(["admins"], Groups(provider, "dave"));
        Assert.Equal(["readers"], Groups(provider, "Jo Smith"));
        Assert.Equal(["last"], Groups(provider, "erin"));
        Assert.Empty(Groups(provider, "nobody"));
        Assert.Empty(Groups(provider, "Alice"));
    }

    [Fact]
    public void Group_file_is_reread_when_it_changes()
    {
        var file = _directory.WriteFile("groups", "admins: alice\n");
        var provider = Provider(file, TimeSpan.FromMilliseconds(20));
        Assert.Equal(["admins"], Groups(provider, "alice"));
        File.WriteAllText(file, "admins: bob\nstaff: alice\n");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Groups(provider, "bob").Length == 0 && DateTime.UtcNow < deadline)
            Thread.Sleep(20);
        Assert.Equal(["admins"], Groups(provider, "bob"));
        Assert.Equal(["staff"], Groups(provider, "alice"));
    }

    [Fact]
    public void Missing_group_file_fails_closed()
    {
        var provider = Provider(_directory["nope"]);
        Assert.ThrowsAny<IOException>(() => Groups(provider, "alice"));
    }
}
