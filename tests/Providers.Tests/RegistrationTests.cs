using System.Security.Cryptography;
using System.Text;
using AccessHooks.Providers.GroupFile;
using AccessHooks.Providers.Htpasswd;
using AccessHooks.Providers.Ldap;
using AccessHooks.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Moq;

namespace AccessHooks.Providers.Tests;

/// <summary>What the host gets when it resolves the phase interfaces from a script's container.</summary>
public sealed class RegistrationTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private string UserFile(string name, string user, string password) =>
        _directory.WriteFile(name, $"{user}:{{SHA}}{Convert.ToBase64String(SHA1.HashData(Encoding.UTF8.GetBytes(password)))}\n");

    [Fact]
    public async Task Two_htpasswd_files_combine_in_registration_order_without_logging_registered()
    {
        // No AddLogging: the host's container need not have it.
        using var provider = new ServiceCollection()
            .AddHtpasswd(UserFile("a", "alice", "from-a"))
            .AddHtpasswd(o => { o.Path = UserFile("b", "bob", "from-b"); o.ReloadCheckInterval = TimeSpan.FromSeconds(5); })
            .BuildServiceProvider();
        var checker = provider.GetRequiredService<IPasswordChecker>();
        var composite = Assert.IsType<CompositePasswordChecker>(checker);
        Assert.Collection(composite.Checkers,
            c => Assert.EndsWith("/a", Assert.IsType<HtpasswdPasswordChecker>(c).Path),
            c => Assert.EndsWith("/b", Assert.IsType<HtpasswdPasswordChecker>(c).Path));
        Assert.Equal(AuthResult.Granted, await checker.CheckPasswordAsync(TestRequests.Empty, "alice", "from-a"));
        Assert.Equal(AuthResult.Granted, await checker.CheckPasswordAsync(TestRequests.Empty, "bob", "from-b"));
        Assert.Equal(AuthResult.NotFound, await checker.CheckPasswordAsync(TestRequests.Empty, "carol", "x"));
        Assert.Same(checker, provider.GetRequiredService<IPasswordChecker>());
    }

    [Fact]
    public async Task Group_file_htdigest_and_custom_providers_register_alongside()
    {
        var custom = new Mock<IPasswordChecker>();
        custom.Setup(c => c.CheckPasswordAsync(It.IsAny<HookRequest>(), "carol", "pw", It.IsAny<CancellationToken>()))
            .Returns(ValueTask.FromResult(AuthResult.Granted));
        custom.Setup(c => c.CheckPasswordAsync(It.IsAny<HookRequest>(), "alice", It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns(ValueTask.FromResult(AuthResult.NotFound));
        using var provider = new ServiceCollection()
            .AddPasswordChecker(custom.Object)
            .AddHtpasswd(UserFile("users", "alice", "pw"))
            .AddGroupFile(_directory.WriteFile("groups", "admins: alice\n"))
            .AddHtdigest(_directory.WriteFile("digest", "alice:r:0123456789abcdef0123456789abcdef\n"))
            .BuildServiceProvider();
        var checker = provider.GetRequiredService<IPasswordChecker>();
        Assert.Equal(AuthResult.Granted, await checker.CheckPasswordAsync(TestRequests.Empty, "carol", "pw"));
        Assert.Equal(AuthResult.Granted, await checker.CheckPasswordAsync(TestRequests.Empty, "alice", "pw"));
        Assert.Equal(["admins"], await provider.GetRequiredService<IGroupProvider>().GroupsForUserAsync(TestRequests.Empty, "alice"));
        Assert.Equal("0123456789abcdef0123456789abcdef", await provider.GetRequiredService<IRealmHashProvider>().GetRealmHashAsync(TestRequests.Empty, "alice", "r"));
        Assert.IsType<GroupFileProvider>(Assert.Single(Assert.IsType<CompositeGroupProvider>(provider.GetRequiredService<IGroupProvider>()).Providers));
    }

    [Fact]
    public void Ldap_registration_shares_one_directory_between_password_and_group_phases()
    {
        using var provider = new ServiceCollection()
            .AddHtpasswd(UserFile("users", "alice", "pw"))
            .AddLdap(o => { o.Url = "ldap://127.0.0.1:1/ou=people,dc=example,dc=org?uid?sub?(objectClass=inetOrgPerson)"; })
            .BuildServiceProvider();
        var checkers = Assert.IsType<CompositePasswordChecker>(provider.GetRequiredService<IPasswordChecker>()).Checkers;
        var ldapChecker = Assert.IsType<LdapPasswordChecker>(checkers[1]);
        var ldapGroups = Assert.IsType<LdapGroupProvider>(Assert.Single(Assert.IsType<CompositeGroupProvider>(provider.GetRequiredService<IGroupProvider>()).Providers));
        Assert.Same(ldapChecker.Directory, ldapGroups.Directory);
        Assert.Equal("ou=people,dc=example,dc=org", ldapChecker.Directory.Url.BaseDn);
    }

    [Fact]
    public void Ldap_groups_can_be_left_out()
    {
        using var provider = new ServiceCollection()
            .AddLdap(o => { o.Url = "ldap://127.0.0.1:1/dc=example,dc=org"; o.ProvideGroups = false; })
            .BuildServiceProvider();
        Assert.NotNull(provider.GetRequiredService<IPasswordChecker>());
        Assert.Null(provider.GetService<IGroupProvider>());
    }

    [Fact]
    public void Invalid_options_fail_when_resolved()
    {
        using var provider = new ServiceCollection().AddLdap(o => o.Url = "http://wrong").BuildServiceProvider();
        Assert.ThrowsAny<Exception>(() => provider.GetRequiredService<IPasswordChecker>());
    }
}
