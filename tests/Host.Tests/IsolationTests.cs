using System.Security.Cryptography;
using System.Text;
using AccessHooks.Host.Tests.Infrastructure;

namespace AccessHooks.Host.Tests;

/// <summary>
/// Issue 7, item 1: a directive is answered by its own script, never by another, whatever shares
/// its application group. Sharing a group shares memory, not decisions.
/// </summary>
public sealed class IsolationTests : IDisposable
{
    private readonly ScriptDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Site(string name, string user, string password)
    {
        var sha = Convert.ToBase64String(SHA1.HashData(Encoding.UTF8.GetBytes(password)));
        var htpasswd = Path.Combine(_dir.Path, name + ".htpasswd");
        File.WriteAllText(htpasswd, $"{user}:{{SHA}}{sha}\n");
        var groups = Path.Combine(_dir.Path, name + ".groups");
        File.WriteAllText(groups, $"members: {user}\n");
        return _dir.Write(name + ".cs", $$"""
            public static class Site
            {
                public static void ConfigureServices(IServiceCollection services) =>
                    services.AddHtpasswd("{{htpasswd}}").AddGroupFile("{{groups}}");
            }
            """);
    }

    [Theory]
    [InlineData("")]            // %{GLOBAL}
    [InlineData("named-shared")]
    [InlineData("www.example.test:80")] // what %{SERVER} resolves to
    public void TwoSitesInOneGroupNeverAcceptEachOthersUsersOrGroups(string groupName)
    {
        var group = groupName.Length == 0 ? "" : groupName + "-" + Guid.NewGuid().ToString("N");
        var a = new HookInvoker(Site("a" + Guid.NewGuid().ToString("N")[..6], "alice", "alice-pw"), group);
        var b = new HookInvoker(Site("b" + Guid.NewGuid().ToString("N")[..6], "bob", "bob-pw"), group);
        // Both loaded in this process before the cross checks.
        Assert.Equal(1, a.CheckPassword("alice", "alice-pw").Outcome);
        Assert.Equal(1, b.CheckPassword("bob", "bob-pw").Outcome);
        Assert.Equal(2, a.CheckPassword("bob", "bob-pw").Outcome);
        Assert.Equal(2, b.CheckPassword("alice", "alice-pw").Outcome);
        Assert.Equal(0, a.GroupsMatch("alice", "members").Outcome);
        Assert.Equal(-1, a.GroupsMatch("bob", "members").Outcome);
        Assert.Equal(-1, b.GroupsMatch("alice", "members").Outcome);
    }

    [Fact]
    public void AServiceRegisteredByOneScriptDoesNotTakeOverTheGroup()
    {
        var group = "takeover-" + Guid.NewGuid().ToString("N");
        var honest = new HookInvoker(Site("honest", "alice", "alice-pw"), group);
        var greedy = new HookInvoker(_dir.Write("greedy.cs", """
            public static class Greedy
            {
                public static void ConfigureServices(IServiceCollection services) => services.AddSingleton<IPasswordChecker, Yes>();
            }
            public sealed class Yes : IPasswordChecker
            {
                public ValueTask<AuthResult> CheckPasswordAsync(HookRequest r, string u, string p, CancellationToken ct) => new(AuthResult.Granted);
            }
            """), group);
        Assert.Equal(1, greedy.CheckPassword("anyone", "anything").Outcome);
        Assert.Equal(2, honest.CheckPassword("anyone", "anything").Outcome);
        Assert.Equal(0, honest.CheckPassword("alice", "wrong").Outcome);
    }

    [Fact]
    public void AFunctionScriptKeepsWorkingBesideADiScriptInItsGroup()
    {
        var group = "mixed-" + Guid.NewGuid().ToString("N");
        var function = new HookInvoker(_dir.Write("function.cs", """
            public static class Fn
            {
                public static bool? CheckPassword(HookRequest r, string u, string p) => u == "fn-user" ? p == "fn-pw" : null;
            }
            """), group);
        Assert.Equal(1, function.CheckPassword("fn-user", "fn-pw").Outcome);
        var di = new HookInvoker(Site("di", "alice", "alice-pw"), group);
        Assert.Equal(1, di.CheckPassword("alice", "alice-pw").Outcome);
        var again = function.CheckPassword("fn-user", "fn-pw");
        Assert.True(again.Ok, again.Log);
        Assert.Equal(1, again.Outcome);
        Assert.Equal(2, function.CheckPassword("alice", "alice-pw").Outcome);
    }

    [Fact]
    public void EditingOneScriptReloadsThatScriptOnly()
    {
        var group = "reload-one-" + Guid.NewGuid().ToString("N");
        var first = _dir.Write("first.cs", "public static class A { static int n; public static string CheckPassword(HookRequest r, string u, string p) => \"a\" + Interlocked.Increment(ref n); }");
        var second = _dir.Write("second.cs", "public static class B { static int n; public static string CheckPassword(HookRequest r, string u, string p) => \"b\" + Interlocked.Increment(ref n); }");
        var a = new HookInvoker(first, group);
        var b = new HookInvoker(second, group);
        Assert.Equal("a1", a.CheckPassword("u", "p").Text);
        Assert.Equal("b1", b.CheckPassword("u", "p").Text);
        _dir.Rewrite(first, "public static class A { static int n; public static string CheckPassword(HookRequest r, string u, string p) => \"A\" + Interlocked.Increment(ref n); }");
        var reloaded = a.CheckPassword("u", "p");
        Assert.Equal("A1", reloaded.Text);
        Assert.Contains(reloaded.Lines, line => line.Code == 215 && line.Message.Contains(first));
        // The sibling kept its generation and its statics.
        var sibling = b.CheckPassword("u", "p");
        Assert.Equal("b2", sibling.Text);
        Assert.DoesNotContain(sibling.Lines, line => line.Code == 215 || line.Code == 217);
    }
}
