using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.AuthUser;

/// <summary>Issue 2: bad input never crashes a child; broken scripts are 500s with logged codes and
/// nothing of the failure (or of the password) reaches the client or the log.</summary>
public sealed class FailureFixture : ApacheFixture
{
    protected override string Build(ApacheServer s)
    {
        var sb = new StringBuilder();
        s.AddPage("bad");
        sb.Append(Conf.BasicLocation("/bad/", Conf.Script(s.InstallScript("BoolPlain.cs"), "bad")));
        s.AddPage("slow/async");
        s.AddPage("slow/sync");
        sb.Append(Conf.BasicLocation("/slow/async/", Conf.Script(s.InstallScript("SlowAsync.cs"), "slow-async"), extra: "DotNetHookTimeout 2"));
        sb.Append(Conf.BasicLocation("/slow/sync/", Conf.Script(s.InstallScript("SlowSync.cs"), "slow-sync"), extra: "DotNetHookTimeout 2"));
        foreach (var (name, file) in new[] { ("compile", "CompileError.cs"), ("throws", "Throws.cs"), ("missing", "MissingFunction.cs"), ("wrongtype", "WrongReturnType.cs") })
        {
            s.AddPage("err/" + name);
            sb.Append(Conf.BasicLocation($"/err/{name}/", Conf.Script(s.InstallScript(file), "err-" + name)));
        }
        return sb.ToString();
    }
}

public sealed class FailureTests(FailureFixture fixture) : IClassFixture<FailureFixture>
{
    private static readonly Regex Crash = new(@"exit signal|Segmentation|core dumped|SIGABRT|Aborted", RegexOptions.IgnoreCase);

    public static IEnumerable<object[]> BadAuthorizations()
    {
        static string B64(byte[] b) => Convert.ToBase64String(b);
        var cases = new (string Name, byte[] Credential)[]
        {
            ("not-base64", "!!!not*base64***"u8.ToArray()),
            // apr_base64_decode stops at the first invalid character: this decodes to "ali", no colon
            ("base64-invalid-char-inside", "YWxp*Y2U6c2VjcmV0"u8.ToArray()),
            ("no-colon", Encoding.ASCII.GetBytes(B64("alicesecret"u8.ToArray()))),
            ("empty-user", Encoding.ASCII.GetBytes(B64(":secret"u8.ToArray()))),
            ("empty", Array.Empty<byte>()),
            ("16KB", Encoding.ASCII.GetBytes(B64(Encoding.ASCII.GetBytes("alice:" + new string('x', 16 * 1024))))),
            ("6KB-below-apache-limit", Encoding.ASCII.GetBytes(B64(Encoding.ASCII.GetBytes(new string('u', 3000) + ":" + new string('p', 1500))))),
            ("nul-in-user", Encoding.ASCII.GetBytes(B64("ali\0ce:secret"u8.ToArray()))),
            ("crlf-in-user", Encoding.ASCII.GetBytes(B64("ali\r\nX-Injected: 1\r\nce:secret"u8.ToArray()))),
            ("control-bytes", Encoding.ASCII.GetBytes(B64("\u0001\u001b[31malice\u007f:secret"u8.ToArray()))),
            ("non-utf8-user", Encoding.ASCII.GetBytes(B64([0xff, 0xfe, 0xc3, 0x28, (byte)'a', (byte)':', (byte)'s']))),
            ("non-utf8-password", Encoding.ASCII.GetBytes(B64([(byte)'a', (byte)'l', (byte)'i', (byte)'c', (byte)'e', (byte)':', 0xe2, 0x82]))),
            ("ldap-metachars", Encoding.ASCII.GetBytes(B64("*)(uid=*))(|(uid=*:secret"u8.ToArray()))),
            ("raw-high-bytes", [0xff, 0xfe, 0x80, 0x81]),
        };
        foreach (var mpm in ApacheServer.Mpms)
            foreach (var (name, cred) in cases)
                yield return [mpm, name, cred];
    }

    [Theory]
    [MemberData(nameof(BadAuthorizations))]
    public async Task Bad_authorization_is_400_or_401_and_no_child_dies(string mpm, string name, byte[] credential)
    {
        var s = await fixture.ServerAsync(mpm);
        using (var warm = new Http(s.BaseUrl))
            Assert.Equal(200, (await warm.GetAsync("/bad/", "alice", "secret")).Status); // runtime up in at least one child
        var before = s.ChildPids();
        var mark = s.ErrorLogLength;

        var results = new List<int>();
        for (var i = 0; i < 4; i++) // several times, so more than one child is likely to see it
        {
            var (status, response) = await RawHttp.SendAsync(s.Port, "/bad/", RawHttp.AuthorizationLine(credential));
            Assert.True(status is 400 or 401, $"{name}: expected 400/401, got {status}\n{response}\n--- log ---\n{s.ErrorLogSince(mark)}");
            results.Add(status);
        }

        using var http = new Http(s.BaseUrl);
        Assert.Equal(200, (await http.GetAsync("/bad/", "alice", "secret")).Status);
        var after = s.ChildPids();
        var gone = before.Except(after).ToList();
        Assert.True(gone.Count == 0, $"{name}: children disappeared {string.Join(",", gone)}\n{s.ErrorLogSince(mark)}");
        Assert.DoesNotMatch(Crash, s.ErrorLogSince(mark));
        Assert.True(s.ParentAlive);
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Control_byte_in_a_header_line_itself_is_rejected_without_crash(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        var before = s.ChildPids();
        var (status, _) = await RawHttp.SendAsync(s.Port, "/bad/", "Authorization: Basic YWxpY2U6\0c2VjcmV0\r\n"u8.ToArray());
        Assert.True(status is 400 or 401, $"got {status}");
        Assert.Empty(before.Except(s.ChildPids()));
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Compile_error_is_500_with_diagnostics_file_and_line_in_the_log(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        var mark = s.ErrorLogLength;
        var password = $"pw-compile-{mpm}-5c1e";
        using var http = new Http(s.BaseUrl);
        var r = await http.GetAsync("/err/compile/", "alice", password);
        Assert.Equal(500, r.Status);
        Assert.True(await s.WaitForErrorLogAsync("DOTNET0201", TimeSpan.FromSeconds(5), mark), s.ErrorLogSince(mark));
        var log = s.ErrorLogSince(mark);
        Assert.Matches(new Regex(@"CompileError\.cs[(:]6[,:]"), log);
        Assert.Contains("CS", log); // the compiler's diagnostic id, e.g. CS1525
        Assert.DoesNotContain("CompileError.cs", r.Body);
        Assert.DoesNotContain("CS1525", r.Body);
        AssertNoSecretInLog(s, password);
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Exception_is_500_with_stack_trace_in_the_log_only(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        var mark = s.ErrorLogLength;
        var password = $"pw-throws-{mpm}-9b2d";
        using var http = new Http(s.BaseUrl);
        var r = await http.GetAsync("/err/throws/", "alice", password);
        Assert.Equal(500, r.Status);
        Assert.DoesNotContain("EXC-MESSAGE-7f3a91", r.Body);
        Assert.DoesNotContain("InvalidOperationException", r.Body);
        Assert.DoesNotMatch(new Regex(@"at [\w.`]+\("), r.Body); // no stack trace
        Assert.DoesNotContain("CheckPassword", r.Body);
        Assert.True(await s.WaitForErrorLogAsync("DOTNET0203", TimeSpan.FromSeconds(5), mark), s.ErrorLogSince(mark));
        var log = s.ErrorLogSince(mark);
        Assert.Contains("EXC-MESSAGE-7f3a91", log);
        Assert.Contains("InvalidOperationException", log);
        Assert.Matches(new Regex(@"at Auth\.CheckPassword"), log);
        AssertNoSecretInLog(s, password);
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Missing_function_is_500_with_DOTNET0202(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        var mark = s.ErrorLogLength;
        var password = $"pw-missing-{mpm}-33aa";
        using var http = new Http(s.BaseUrl);
        Assert.Equal(500, (await http.GetAsync("/err/missing/", "alice", password)).Status);
        Assert.True(await s.WaitForErrorLogAsync("DOTNET0202", TimeSpan.FromSeconds(5), mark), s.ErrorLogSince(mark));
        AssertNoSecretInLog(s, password);
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Wrong_return_type_is_500_with_DOTNET0204(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        var mark = s.ErrorLogLength;
        var password = $"pw-wrongtype-{mpm}-71fe";
        using var http = new Http(s.BaseUrl);
        Assert.Equal(500, (await http.GetAsync("/err/wrongtype/", "alice", password)).Status);
        Assert.True(await s.WaitForErrorLogAsync("DOTNET0204", TimeSpan.FromSeconds(5), mark), s.ErrorLogSince(mark));
        AssertNoSecretInLog(s, password);
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Passwords_of_granted_and_denied_requests_are_never_logged(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var http = new Http(s.BaseUrl);
        var wrong = $"wrong-pw-{mpm}-e8e8";
        Assert.Equal(401, (await http.GetAsync("/bad/", "alice", wrong)).Status);
        Assert.Equal(200, (await http.GetAsync("/bad/", "alice", "secret")).Status);
        AssertNoSecretInLog(s, wrong);
        Assert.DoesNotContain(Http.BasicValue("alice", "secret"), s.ErrorLog);
        Assert.DoesNotContain(Http.BasicValue("alice", "secret"), s.AccessLog);
    }

    [Theory]
    [InlineData("event", "async")]
    [InlineData("prefork", "async")]
    [InlineData("event", "sync")]
    [InlineData("prefork", "sync")]
    public async Task Hook_timeout_is_500_with_DOTNET0206_within_bounded_time(string mpm, string kind)
    {
        var s = await fixture.ServerAsync(mpm);
        var mark = s.ErrorLogLength;
        using var http = new Http(s.BaseUrl, TimeSpan.FromSeconds(20));
        var sw = Stopwatch.StartNew();
        var r = await http.GetAsync($"/slow/{kind}/", "alice", "secret");
        sw.Stop();
        Assert.Equal(500, r.Status); // a late answer never grants
        // Async or not, the answer comes at the deadline (a synchronous hook keeps only its own
        // thread); the bound leaves room for the first call's compile, which precedes the deadline.
        Assert.True(sw.Elapsed >= TimeSpan.FromSeconds(1.5) && sw.Elapsed < TimeSpan.FromSeconds(15), $"DotNetHookTimeout 2 answered after {sw.Elapsed}");
        Assert.True(await s.WaitForErrorLogAsync("DOTNET0206", TimeSpan.FromSeconds(5), mark), s.ErrorLogSince(mark));
        // the server still answers normally afterwards
        Assert.Equal(200, (await http.GetAsync("/bad/", "alice", "secret")).Status);
    }

    private static void AssertNoSecretInLog(ApacheServer s, string password)
    {
        Assert.DoesNotContain(password, s.ErrorLog);
        Assert.DoesNotContain(password, s.AccessLog);
        Assert.DoesNotContain(Http.BasicValue("alice", password), s.ErrorLog);
    }
}
