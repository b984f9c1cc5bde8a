using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.Groups;

/// <summary>Issue 4: static files, a CGI (mod_cgid) and a proxied back end, all behind the same hooks.</summary>
public sealed class ProtectedContentFixture : ApacheFixture
{
    private PythonBackend? _backend;

    protected override string Build(ApacheServer s)
    {
        _backend ??= PythonBackend.StartAsync().GetAwaiter().GetResult();
        var script = s.InstallScript("Groups.cs");
        s.AddPage("static");
        s.AddEnvCgi("env.sh");
        s.AddEnvCgi("passauth.sh");
        var auth = $"""
                AuthType Basic
                AuthName "content"
                AuthBasicProvider dotnet
                DotNetAuthUserScript "{script}" application-group=content
                DotNetAuthGroupScript "{script}" application-group=content
                Require dotnet-group staff
            """;
        const string remoteUserExpr = "%{REMOTE_USER}";
        return $"""
            <Location "/static/">
            {auth}
            </Location>
            <Location "/cgi-bin/env.sh">
            {auth}
            </Location>
            <Location "/cgi-bin/passauth.sh">
            {auth}
                CGIPassAuth On
            </Location>
            ProxyPass "/proxied/" "{_backend.Url}/"
            <Location "/proxied/">
            {auth}
                # docs/gateway.md's recipe: the back end gets the user, never the password.
                RequestHeader unset Authorization
                RequestHeader set X-Remote-User expr={remoteUserExpr}
            </Location>
            """;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_backend is not null)
            await _backend.DisposeAsync();
    }
}

public sealed class ProtectedContentTests(ProtectedContentFixture fixture) : IClassFixture<ProtectedContentFixture>
{
    public static IEnumerable<object[]> Targets()
    {
        foreach (var mpm in ApacheServer.Mpms)
            foreach (var path in new[] { "/static/", "/cgi-bin/env.sh", "/proxied/anything" })
                yield return [mpm, path];
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Every_kind_of_content_is_protected_by_the_hooks(string mpm, string path)
    {
        var s = await fixture.ServerAsync(mpm);
        using var http = new Http(s.BaseUrl);
        Assert.Equal(401, (await http.GetAsync(path)).Status);
        Assert.Equal(401, (await http.GetAsync(path, "one", "wrong")).Status);
        Assert.Equal(401, (await http.GetAsync(path, "zero", "zero-pw")).Status); // authenticated, not in staff
        var ok = await http.GetAsync(path, "one", "one-pw");
        Assert.True(ok.Status == 200, $"{path}: {ok}\n{s.ErrorLog}");
        if (path.StartsWith("/proxied/"))
        {
            Assert.StartsWith("backend says hello", ok.Body);
            Assert.Contains("X-Remote-User: one\n", ok.Body);
            Assert.DoesNotContain("Authorization", ok.Body, StringComparison.OrdinalIgnoreCase);
        }
        else if (path.StartsWith("/static/"))
            Assert.Equal("page static\n", ok.Body);
        else
            Assert.Contains("REMOTE_USER=one\n", ok.Body);
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Cgi_gets_REMOTE_USER_and_Authorization_only_with_CGIPassAuth(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var http = new Http(s.BaseUrl);
        var env = await http.GetAsync("/cgi-bin/env.sh", "several", "several-pw");
        Assert.Equal(200, env.Status);
        Assert.Contains("REMOTE_USER=several\n", env.Body);
        Assert.Contains("AUTH_TYPE=Basic\n", env.Body);
        Assert.DoesNotContain("HTTP_AUTHORIZATION", env.Body);
        Assert.DoesNotContain(Http.BasicValue("several", "several-pw"), env.Body);
        Assert.DoesNotContain("DOTNET_", env.Body.Replace("DOTNET_CLI", "")); // nothing of the runtime leaks into CGI environments

        var pass = await http.GetAsync("/cgi-bin/passauth.sh", "several", "several-pw");
        Assert.Equal(200, pass.Status);
        Assert.Contains("HTTP_AUTHORIZATION=Basic " + Http.BasicValue("several", "several-pw"), pass.Body);
        Assert.Contains("REMOTE_USER=several\n", pass.Body);
    }
}
