using AccessHooks.Host.Tests.Infrastructure;

namespace AccessHooks.Host.Tests;

public sealed class OtherPhaseTests : IDisposable
{
    private readonly ScriptDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private HookInvoker Script(string body) =>
        new(_dir.Write("hooks.cs", "public static class Hooks\n{\n" + body + "\n}\n")) { TimeoutMs = 5000 };

    [Theory]
    [InlineData("public static string? GetRealmHash(HookRequest r, string u, string realm) => \"0123456789ABCDEF0123456789abcdef\";")]
    [InlineData("public static async Task<string?> GetRealmHash(HookRequest r, string u, string realm) { await Task.Yield(); return \"0123456789abcdef0123456789ABCDEF\"; }")]
    [InlineData("public static ValueTask<string?> GetRealmHash(HookRequest r, string u, string realm, CancellationToken ct) => new(realm == \"Site\" ? \"0123456789abcdef0123456789abcdef\" : null);")]
    public void RealmHashIsNormalisedToLowercase(string body)
    {
        var result = Script(body).GetRealmHash("alice", "Site");
        Assert.True(result.Ok, result.Log);
        Assert.Equal(1, result.Outcome);
        Assert.Equal("0123456789abcdef0123456789abcdef", result.Text);
    }

    [Fact]
    public void RealmHashNullIsNotFound()
    {
        var result = Script("public static string? GetRealmHash(HookRequest r, string u, string realm) => null;").GetRealmHash("alice", "Site");
        Assert.True(result.Ok, result.Log);
        Assert.Equal(2, result.Outcome);
        Assert.Null(result.Text);
    }

    [Theory]
    [InlineData("\"0123456789abcdef\"")]
    [InlineData("\"0123456789abcdef0123456789abcdeg\"")]
    [InlineData("\"\"")]
    public void RealmHashThatIsNot32HexIsInvalid(string value)
    {
        var result = Script($"public static string? GetRealmHash(HookRequest r, string u, string realm) => {value};").GetRealmHash("alice", "Site");
        Assert.False(result.Ok);
        Assert.Equal(210, result.Error);
        Assert.Null(result.Text);
    }

    [Theory]
    [InlineData("public static IEnumerable<string> GroupsForUser(HookRequest r, string u) => new[] { \"staff\", \"admins\" };")]
    [InlineData("public static List<string> GroupsForUser(HookRequest r, string u) => new() { \"staff\", \"admins\" };")]
    [InlineData("public static IEnumerable<string> GroupsForUser(HookRequest r, string u) { yield return \"staff\"; yield return \"admins\"; }")]
    [InlineData("public static async Task<string[]> GroupsForUser(HookRequest r, string u) { await Task.Yield(); return new[] { \"staff\", \"admins\" }; }")]
    [InlineData("public static ValueTask<IReadOnlyCollection<string>> GroupsForUser(HookRequest r, string u, CancellationToken ct) => new(new[] { \"staff\", \"admins\" });")]
    public void GroupsMatchAnswersTheFirstRequiredGroupListed(string body)
    {
        var invoker = Script(body);
        Assert.Equal(1, invoker.GroupsMatch("alice", "nobody", "admins", "staff").Outcome);
        Assert.Equal(0, invoker.GroupsMatch("alice", "staff").Outcome);
        Assert.Equal(-1, invoker.GroupsMatch("alice", "Staff", "ADMINS").Outcome);   // ordinal, like mod_authz_groupfile
        Assert.Equal(-1, invoker.GroupsMatch("alice", "others").Outcome);
        var ok = invoker.GroupsMatch("alice", "admins");
        Assert.True(ok.Ok, ok.Log);
    }

    [Fact]
    public void GroupsForUserEmptyMatchesNothing()
    {
        var result = Script("public static string[] GroupsForUser(HookRequest r, string u) => new string[0];").GroupsMatch("alice", "staff");
        Assert.True(result.Ok, result.Log);
        Assert.Equal(-1, result.Outcome);
    }

    [Fact]
    public void GroupsForUserNullIsAnInvalidResult()
    {
        var result = Script("public static IEnumerable<string>? GroupsForUser(HookRequest r, string u) => null;").GroupsMatch("alice", "staff");
        Assert.False(result.Ok);
        Assert.Equal(210, result.Error);
    }

    [Fact]
    public void ALazySequenceThatThrowsIsAnException()
    {
        var result = Script("public static IEnumerable<string> GroupsForUser(HookRequest r, string u) { yield return \"a\"; throw new InvalidOperationException(\"directory gone\"); }")
            .GroupsMatch("alice", "staff");
        Assert.False(result.Ok);
        Assert.Equal(203, result.Error);
        Assert.Contains(result.Lines, line => line.Message.Contains("directory gone"));
    }

    [Fact]
    public void GroupsMatchRefusesEmptyUser()
    {
        var result = Script("public static string[] GroupsForUser(HookRequest r, string u) => new[] { \"a\" };").GroupsMatch("", "a");
        // Refused like any name no group can hold (the module refuses it before calling, 401).
        Assert.True(result.Ok, result.Log);
        Assert.Equal(-1, result.Outcome);
        Assert.Contains(result.Lines, line => line.Code == 205);
    }

    [Theory]
    [InlineData("public static bool? AllowAccess(HookRequest r, string host) => host == \"good.example\" ? true : host == \"bad.example\" ? false : null;")]
    [InlineData("public static async Task<bool?> AllowAccess(HookRequest r, string host) { await Task.Yield(); return host == \"good.example\" ? true : host == \"bad.example\" ? false : null; }")]
    [InlineData("public static ValueTask<bool?> AllowAccess(HookRequest r, string host, CancellationToken ct) => new(host == \"good.example\" ? true : host == \"bad.example\" ? false : null);")]
    public void AllowAccessOutcomes(string body)
    {
        var invoker = Script(body);
        Assert.Equal(1, invoker.AllowAccess("good.example").Outcome);
        Assert.Equal(0, invoker.AllowAccess("bad.example").Outcome);
        var decline = invoker.AllowAccess("other.example");
        Assert.True(decline.Ok, decline.Log);
        Assert.Equal(2, decline.Outcome);
    }

    [Fact]
    public void AllowAccessBoolForm()
    {
        var invoker = Script("public static bool AllowAccess(HookRequest r, string host) => r.RemoteAddress.ToString() == \"192.0.2.7\";");
        Assert.Equal(1, invoker.AllowAccess("").Outcome);
    }

    [Fact]
    public void PreloadLoadsAndReportsErrors()
    {
        var good = Script("public static bool AllowAccess(HookRequest r, string host) => true;");
        var result = good.Preload();
        Assert.True(result.Ok, result.Log);
        var bad = new HookInvoker(_dir.Write("broken.cs", "public static class X { public static bool AllowAccess( }"));
        Assert.Equal(201, bad.Preload().Error);
    }
}
