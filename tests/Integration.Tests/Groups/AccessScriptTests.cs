using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.Groups;

/// <summary>Issue 4: DotNetAccessScript in the access-checker phase: true / false / null / throws.</summary>
public sealed class AccessScriptFixture : ApacheFixture
{
    protected override string Build(ApacheServer s)
    {
        string Loc(string name, string script, string rules)
        {
            s.AddPage("access/" + name);
            return $"""
                <Location "/access/{name}/">
                    DotNetAccessScript "{s.InstallScript(script)}" application-group=access-{name}
                    {rules}
                </Location>

                """;
        }
        var users = s.InstallScript("Groups.cs");
        s.AddEnvCgi("access.sh");
        return
            Loc("header", "AccessHeader.cs", "Require all granted") +
            Loc("false", "AccessAsyncFalse.cs", "Require all granted") +
            Loc("null-granted", "AccessNull.cs", "Require all granted") +
            Loc("null-denied", "AccessNull.cs", "Require all denied") +
            Loc("throws", "AccessThrows.cs", "Require all granted") +
            Loc("with-auth", "AccessHeader.cs", $"""
                AuthType Basic
                    AuthName "access"
                    AuthBasicProvider dotnet
                    DotNetAuthUserScript "{users}" application-group=access-users
                    Require valid-user
                """) +
            $"""
            <Location "/cgi-bin/access.sh">
                DotNetAccessScript "{s.InstallScript("AccessHeader.cs")}" application-group=access-header
                Require all granted
            </Location>
            """;
    }
}

public sealed class AccessScriptTests(AccessScriptFixture fixture) : IClassFixture<AccessScriptFixture>
{
    private static Dictionary<string, string> XTest(string value) => new() { ["X-Test"] = value };

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task True_allows_false_is_403_with_DOTNET0207(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var http = new Http(s.BaseUrl);
        var allowed = await http.GetAsync("/access/header/", headers: XTest("yes"));
        Assert.True(allowed.Status == 200, allowed + "\n" + s.ErrorLog);
        Assert.Equal("page access/header\n", allowed.Body);

        var mark = s.ErrorLogLength;
        Assert.Equal(403, (await http.GetAsync("/access/header/")).Status);
        Assert.Equal(403, (await http.GetAsync("/access/header/", headers: XTest(""))).Status);
        Assert.True(await s.WaitForErrorLogAsync("DOTNET0207", TimeSpan.FromSeconds(5), mark), s.ErrorLogSince(mark));

        Assert.Equal(403, (await http.GetAsync("/access/false/", headers: XTest("yes"))).Status);
        Assert.Equal(200, (await http.GetAsync("/cgi-bin/access.sh", headers: XTest("yes"))).Status);
        Assert.Equal(403, (await http.GetAsync("/cgi-bin/access.sh")).Status);
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Null_declines_and_other_modules_decide(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var http = new Http(s.BaseUrl);
        var granted = await http.GetAsync("/access/null-granted/");
        Assert.True(granted.Status == 200, granted + "\n" + s.ErrorLog);
        Assert.Equal(403, (await http.GetAsync("/access/null-denied/")).Status);
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Exception_is_500_with_DOTNET0203_never_an_allow(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var http = new Http(s.BaseUrl);
        var mark = s.ErrorLogLength;
        var r = await http.GetAsync("/access/throws/", headers: XTest("yes"));
        Assert.Equal(500, r.Status);
        Assert.DoesNotContain("ACCESS-EXC-4411", r.Body);
        Assert.DoesNotContain("page access", r.Body);
        Assert.True(await s.WaitForErrorLogAsync("DOTNET0203", TimeSpan.FromSeconds(5), mark), s.ErrorLogSince(mark));
        Assert.Contains("ACCESS-EXC-4411", s.ErrorLogSince(mark));
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Access_script_runs_before_authentication(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var http = new Http(s.BaseUrl);
        Assert.Equal(403, (await http.GetAsync("/access/with-auth/", "one", "one-pw")).Status);
        Assert.Equal(401, (await http.GetAsync("/access/with-auth/", headers: XTest("yes"))).Status);
        Assert.Equal(200, (await http.GetAsync("/access/with-auth/", "one", "one-pw", XTest("yes"))).Status);
    }
}
