using System.Security.Cryptography;
using System.Text;
using AccessHooks.Host.Tests.Infrastructure;

namespace AccessHooks.Host.Tests;

/// <summary>The DI form: ConfigureServices, provider services, sharing inside a group, isolation between groups.</summary>
public sealed class ServicesTests : IDisposable
{
    private readonly ScriptDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void AddHtpasswdServesCheckPassword()
    {
        var sha = Convert.ToBase64String(SHA1.HashData(Encoding.UTF8.GetBytes("s3cret")));
        var htpasswd = Path.Combine(_dir.Path, "site.htpasswd");
        File.WriteAllText(htpasswd, $"alice:{{SHA}}{sha}\n");
        var path = _dir.Write("site.cs", $$"""
            public static class Site
            {
                public static void ConfigureServices(IServiceCollection services) => services.AddHtpasswd("{{htpasswd}}");
            }
            """);
        var invoker = new HookInvoker(path) { TimeoutMs = 5000 };
        var granted = invoker.CheckPassword("alice", "s3cret");
        Assert.True(granted.Ok, granted.Log);
        Assert.Equal(1, granted.Outcome);
        // The file's own hash is what mod_authn_socache may cache (issue 7, item 6).
        Assert.Equal("{SHA}" + sha, granted.CacheHash);
        Assert.Equal(0, invoker.CheckPassword("alice", "wrong").Outcome);
        Assert.Equal(2, invoker.CheckPassword("mallory", "s3cret").Outcome);
    }

    [Fact]
    public void AddGroupFileServesGroupsMatch()
    {
        var groups = Path.Combine(_dir.Path, "site.groups");
        File.WriteAllText(groups, "staff: alice bob\nadmins: carol\n");
        var path = _dir.Write("groups.cs", $$"""
            public static class Site
            {
                public static void ConfigureServices(IServiceCollection services) => services.AddGroupFile("{{groups}}");
            }
            """);
        var invoker = new HookInvoker(path) { TimeoutMs = 5000 };
        var result = invoker.GroupsMatch("alice", "admins", "staff");
        Assert.True(result.Ok, result.Log);
        Assert.Equal(1, result.Outcome);
        Assert.Equal(-1, invoker.GroupsMatch("dave", "admins", "staff").Outcome);
    }

    [Fact]
    public void AServiceRegisteredByTheScriptItself()
    {
        var path = _dir.Write("own.cs", """
            public static class Site
            {
                public static void ConfigureServices(IServiceCollection services) =>
                    services.AddSingleton<IPasswordChecker, Checker>().AddSingleton<IHostAccessPolicy, Policy>();
            }
            public sealed class Checker : IPasswordChecker
            {
                public ValueTask<AuthResult> CheckPasswordAsync(HookRequest r, string u, string p, CancellationToken ct) =>
                    new(u == "svc" ? AuthResult.GrantedAs("service-user") : AuthResult.Denied);
            }
            public sealed class Policy : IHostAccessPolicy
            {
                public ValueTask<bool?> AllowAccessAsync(HookRequest r, string host, CancellationToken ct) => new((bool?)null);
            }
            """);
        var invoker = new HookInvoker(path);
        var result = invoker.CheckPassword("svc", "x");
        Assert.True(result.Ok, result.Log);
        Assert.Equal("service-user", result.Text);
        Assert.Equal(0, invoker.CheckPassword("other", "x").Outcome);
        Assert.Equal(2, invoker.AllowAccess("h").Outcome);
    }

    [Fact]
    public void FunctionAndServiceForOnePhaseIsALoadError()
    {
        var path = _dir.Write("both.cs", """
            public static class Site
            {
                public static void ConfigureServices(IServiceCollection services) => services.AddSingleton<IPasswordChecker, Checker>();
                public static bool CheckPassword(HookRequest r, string u, string p) => true;
            }
            public sealed class Checker : IPasswordChecker
            {
                public ValueTask<AuthResult> CheckPasswordAsync(HookRequest r, string u, string p, CancellationToken ct) => new(AuthResult.Granted);
            }
            """);
        var result = new HookInvoker(path).CheckPassword("alice", "x");
        Assert.False(result.Ok);
        Assert.Equal(209, result.Error);
        Assert.Contains(result.Lines, line => line.Message.Contains("IPasswordChecker") && line.Message.Contains("CheckPassword"));
    }

    [Fact]
    public void ConfigureServicesThatThrowsIsALoadError()
    {
        var path = _dir.Write("throws.cs", "public static class Site { public static void ConfigureServices(IServiceCollection s) => throw new ArgumentException(\"bad path\"); }");
        var result = new HookInvoker(path).CheckPassword("alice", "x");
        Assert.Equal(209, result.Error);
        Assert.Contains(result.Lines, line => line.Message.Contains("bad path"));
    }

    private const string CountingScript = """
        public static class UserScript
        {
            public static void ConfigureServices(IServiceCollection services)
            {
                services.AddSingleton<System.Runtime.CompilerServices.StrongBox<int>>();
                services.AddSingleton<IPasswordChecker, Checker>();
            }
        }
        public sealed class Checker(System.Runtime.CompilerServices.StrongBox<int> counter) : IPasswordChecker
        {
            public ValueTask<AuthResult> CheckPasswordAsync(HookRequest r, string u, string p, CancellationToken ct) =>
                new(AuthResult.GrantedAs("count-" + Interlocked.Increment(ref counter.Value)));
        }
        """;

    [Fact]
    public void ScriptsOfOneGroupNeverShareServices()
    {
        var user = _dir.Write("user.cs", CountingScript);
        var groups = _dir.Write("groups.cs", """
            public static class GroupScript
            {
                public static void ConfigureServices(IServiceCollection services)
                {
                    services.AddSingleton<System.Runtime.CompilerServices.StrongBox<int>>();
                    services.AddSingleton<IGroupProvider, Groups>();
                }
            }
            public sealed class Groups(System.Runtime.CompilerServices.StrongBox<int> counter) : IGroupProvider
            {
                public ValueTask<IReadOnlyCollection<string>> GroupsForUserAsync(HookRequest r, string u, CancellationToken ct) =>
                    new(new[] { "count-" + Interlocked.Increment(ref counter.Value) });
            }
            """);
        var group = "shared-" + Guid.NewGuid().ToString("N");
        var userInvoker = new HookInvoker(user, group);
        var groupInvoker = new HookInvoker(groups, group);
        Assert.Equal("count-1", userInvoker.CheckPassword("alice", "x").Text);
        // The group script joins: its own container with its own counter; the user script's is untouched.
        var joined = groupInvoker.GroupsMatch("alice", "count-1", "count-2", "count-3");
        Assert.True(joined.Ok, joined.Log);
        Assert.Equal(0, joined.Outcome);
        Assert.Equal("count-2", userInvoker.CheckPassword("alice", "x").Text);
        Assert.Equal(1, groupInvoker.GroupsMatch("alice", "count-1", "count-2", "count-3").Outcome);
        // Neither script answers the other's phase: the user script has no group provider.
        Assert.Equal(202, userInvoker.GroupsMatch("alice", "count-1").Error);
        Assert.Equal(202, groupInvoker.CheckPassword("alice", "x").Error);
    }

    [Fact]
    public void OneFileNamedByTwoDirectivesIsLoadedOnceAndSharesItsSingletons()
    {
        var site = _dir.Write("site.cs", """
            public static class Site
            {
                public static void ConfigureServices(IServiceCollection services) =>
                    services.AddSingleton<System.Runtime.CompilerServices.StrongBox<int>>()
                            .AddSingleton<IPasswordChecker, Checker>().AddSingleton<IGroupProvider, Groups>();
            }
            public sealed class Checker(System.Runtime.CompilerServices.StrongBox<int> counter) : IPasswordChecker
            {
                public ValueTask<AuthResult> CheckPasswordAsync(HookRequest r, string u, string p, CancellationToken ct) =>
                    new(AuthResult.GrantedAs("count-" + Interlocked.Increment(ref counter.Value)));
            }
            public sealed class Groups(System.Runtime.CompilerServices.StrongBox<int> counter) : IGroupProvider
            {
                public ValueTask<IReadOnlyCollection<string>> GroupsForUserAsync(HookRequest r, string u, CancellationToken ct) =>
                    new(new[] { "count-" + Interlocked.Increment(ref counter.Value) });
            }
            """);
        var group = "one-file-" + Guid.NewGuid().ToString("N");
        var asUser = new HookInvoker(site, group);
        var asGroup = new HookInvoker(site, group);
        Assert.Equal("count-1", asUser.CheckPassword("alice", "x").Text);
        Assert.Equal(1, asGroup.GroupsMatch("alice", "count-1", "count-2").Outcome);
        Assert.Equal("count-3", asUser.CheckPassword("alice", "x").Text);
    }

    [Fact]
    public void GroupsAreIsolated()
    {
        var path = _dir.Write("statics.cs", """
            public static class Counter
            {
                private static int s_calls;
                public static string CheckPassword(HookRequest r, string u, string p) => "call-" + Interlocked.Increment(ref s_calls);
            }
            """);
        var first = new HookInvoker(path, "iso-a-" + Guid.NewGuid().ToString("N"));
        var second = new HookInvoker(path, "iso-b-" + Guid.NewGuid().ToString("N"));
        Assert.Equal("call-1", first.CheckPassword("u", "p").Text);
        Assert.Equal("call-2", first.CheckPassword("u", "p").Text);
        Assert.Equal("call-1", second.CheckPassword("u", "p").Text);
        Assert.Equal("call-3", first.CheckPassword("u", "p").Text);
    }

    [Fact]
    public void ServicesAreIsolatedBetweenGroups()
    {
        var path = _dir.Write("user.cs", CountingScript);
        var first = new HookInvoker(path, "svc-a-" + Guid.NewGuid().ToString("N"));
        var second = new HookInvoker(path, "svc-b-" + Guid.NewGuid().ToString("N"));
        Assert.Equal("count-1", first.CheckPassword("u", "p").Text);
        Assert.Equal("count-1", second.CheckPassword("u", "p").Text);
        Assert.Equal("count-2", first.CheckPassword("u", "p").Text);
    }
}
