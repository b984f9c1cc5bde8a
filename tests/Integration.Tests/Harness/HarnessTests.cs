using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.Harness;

/// <summary>The harness itself, against Apache-only configs (mod_authn_file): it must work
/// before mod_dotnet does, so a failure elsewhere is about the module, not the harness.</summary>
public sealed class ApacheOnlyFixture : ApacheFixture
{
    protected override bool NeedsModule => false;
    protected override ApacheOptions Options => new() { LoadDotNet = false };

    public string HtpasswdPath = "";

    protected override string Build(ApacheServer s)
    {
        HtpasswdPath = Path.Combine(s.Dir, "users.htpasswd");
        ProcessRunner.Check("htpasswd", "-cbB", "-C", "5", HtpasswdPath, "alice", "secret");
        s.AddPage("file");
        s.AddEnvCgi();
        return Conf.BasicLocation("/file", null, "file", extra: $"AuthUserFile \"{HtpasswdPath}\"") +
               Conf.BasicLocation("/cgi-bin/", null, "file", extra: $"AuthUserFile \"{HtpasswdPath}\"");
    }
}

public sealed class HarnessTests(ApacheOnlyFixture fixture) : IClassFixture<ApacheOnlyFixture>
{
    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task AuthnFile_Basic_401_then_200_and_user_in_access_log(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var http = new Http(s.BaseUrl);
        var none = await http.GetAsync("/file/");
        Assert.Equal(401, none.Status);
        Assert.Contains("Basic realm=\"test realm\"", none.Header("WWW-Authenticate"));
        Assert.Equal(401, (await http.GetAsync("/file/", "alice", "wrong")).Status);
        var ok = await http.GetAsync("/file/", "alice", "secret");
        Assert.Equal(200, ok.Status);
        Assert.Equal("page file\n", ok.Body);
        Assert.NotNull(await s.WaitForAccessLogLineAsync(TimeSpan.FromSeconds(5), " alice \"GET /file/ HTTP/1.1\" 200"));
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Cgi_sees_REMOTE_USER_but_not_Authorization(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var http = new Http(s.BaseUrl);
        var r = await http.GetAsync("/cgi-bin/env.sh", "alice", "secret");
        Assert.Equal(200, r.Status);
        Assert.Contains("REMOTE_USER=alice\n", r.Body);
        Assert.DoesNotContain("HTTP_AUTHORIZATION", r.Body);
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Children_are_listed_and_have_rss(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        var children = s.ChildPids();
        Assert.True(children.Count >= 2, $"children: {string.Join(",", children)}");
        Assert.True(s.ChildrenRssKb() > 0);
        Assert.DoesNotContain(s.ParentPid, children);
    }

    [Fact]
    public async Task Configtest_reports_bad_directive_with_line()
    {
        await using var s = new ApacheServer("event", new ApacheOptions { LoadDotNet = false });
        s.Configure("<Location /x>\n    AuthType Basic\n    NoSuchDirective 1\n</Location>");
        var lines = File.ReadAllLines(s.ConfPath);
        var line = Array.FindIndex(lines, l => l.Contains("NoSuchDirective")) + 1;
        var r = s.ConfigTest();
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains($"line {line}", r.Output);
        s.Configure("<Location /x>\n    Require all granted\n</Location>");
        var ok = s.ConfigTest();
        Assert.True(ok.ExitCode == 0, ok.ToString());
    }

    [Fact]
    public async Task Signals_go_only_to_the_servers_own_processes()
    {
        // Pids wrap within a test run: a stale one can name another process or a thread of the
        // test host, and kill(2) of a thread id signals the test host itself.
        await using var s = new ApacheServer("prefork", new ApacheOptions { LoadDotNet = false });
        s.AddPage("p");
        s.Configure("");
        await s.StartAsync();
        var hostThread = Directory.GetDirectories($"/proc/{Environment.ProcessId}/task").Select(d => int.Parse(Path.GetFileName(d)))
            .First(t => t != Environment.ProcessId);
        Assert.False(s.Signal("CONT", hostThread));
        Assert.False(s.Signal("CONT", Environment.ProcessId));
        using var other = System.Diagnostics.Process.Start("sleep", "30");
        try
        {
            Assert.False(s.Signal("KILL", other.Id));
            Assert.False(other.WaitForExit(200));
        }
        finally
        {
            other.Kill();
        }
        Assert.True(s.Signal("CONT", s.ChildPids()[0]));
        Assert.True(s.Signal("CONT", s.ParentPid));
    }

    [Fact]
    public async Task Stop_and_graceful_are_bounded()
    {
        await using var s = new ApacheServer("prefork", new ApacheOptions { LoadDotNet = false });
        s.AddPage("p");
        s.Configure("");
        await s.StartAsync();
        var before = s.ChildPids();
        s.Graceful();
        Assert.True(await TestRun.WaitUntilAsync(() => s.ChildPids().Count > 0 && !s.ChildPids().Intersect(before).Any(), TimeSpan.FromSeconds(10)),
            "graceful restart replaces children");
        using var http = new Http(s.BaseUrl);
        Assert.Equal(200, (await http.GetAsync("/p/")).Status);
        var pid = s.ParentPid;
        var took = await s.StopAsync();
        Assert.True(took < TimeSpan.FromSeconds(10), $"stop took {took}");
        Assert.False(Directory.Exists($"/proc/{pid}") && File.ReadAllText($"/proc/{pid}/status").Contains("State:\tS"));
    }

    [Fact]
    public async Task RawHttp_sends_malformed_authorization()
    {
        var s = await fixture.ServerAsync("event");
        var (status, _) = await RawHttp.SendAsync(s.Port, "/file/", RawHttp.AuthorizationLine("!!!notbase64"u8.ToArray()));
        Assert.Equal(401, status);
        var ok = Convert.ToBase64String("alice:secret"u8.ToArray());
        var (status2, resp) = await RawHttp.SendAsync(s.Port, "/file/", RawHttp.AuthorizationLine(System.Text.Encoding.ASCII.GetBytes(ok)));
        Assert.True(status2 == 200, resp);
    }

    [Fact]
    public async Task Curl_digest_against_authn_file()
    {
        await using var s = new ApacheServer("event", new ApacheOptions { LoadDotNet = false });
        var digest = Path.Combine(s.Dir, "users.htdigest");
        HtTools.Htdigest(digest, "dig", "alice", "secret", create: true);
        s.AddPage("d");
        s.Configure($"""
            <Location /d>
                AuthType Digest
                AuthName "dig"
                AuthDigestProvider file
                AuthUserFile "{digest}"
                Require valid-user
            </Location>
            """);
        await s.StartAsync();
        Assert.Equal(401, Curl.Get(s.BaseUrl + "/d/").Status);
        Assert.Equal(401, Curl.Get(s.BaseUrl + "/d/", "alice", "bad").Status);
        var ok = Curl.Get(s.BaseUrl + "/d/", "alice", "secret");
        Assert.True(ok.Status == 200, ok.Raw.ToString());
    }
}
