using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.Config;

/// <summary>Issue 4: bad directive arguments and contexts fail `apache2 -t` with the code and the line.</summary>
public sealed class ConfigTestTests
{
    private static (ProcessResult Result, int Line) ConfigTest(string body, string marker)
    {
        RepoPaths.RequireModule();
        var s = new ApacheServer("event");
        var script = s.InstallScript("Groups.cs");
        s.Configure(body.Replace("@SCRIPT@", script));
        var lines = File.ReadAllLines(s.ConfPath);
        var line = Array.FindIndex(lines, l => l.Contains(marker, StringComparison.Ordinal)) + 1;
        Assert.True(line > 0, "marker not in config");
        return (s.ConfigTest(), line);
    }

    public static TheoryData<string, string, string, string> BadConfigs => new()
    {
        { "bad option", "<Location /x>\n    DotNetAuthUserScript /x bogus=1\n</Location>", "bogus=1", "DOTNET0300" },
        { "timeout not a number", "DotNetHookTimeout abc", "DotNetHookTimeout abc", "DOTNET0300" },
        { "timeout negative", "<Location /x>\n    DotNetHookTimeout -5\n</Location>", "DotNetHookTimeout -5", "DOTNET0300" },
        { "group script bad option", "<Directory /tmp>\n    DotNetAuthGroupScript \"@SCRIPT@\" application-group\n</Directory>", "DotNetAuthGroupScript", "DOTNET0300" },
        { "access script two paths", "<Location /x>\n    DotNetAccessScript /a.cs /b.cs\n</Location>", "DotNetAccessScript", "DOTNET0300" },
        { "server-only in Location", "<Location /x>\n    DotNetScriptCache /tmp/elsewhere\n</Location>", "DotNetScriptCache /tmp/elsewhere", "DOTNET0301" },
        { "server-only in Directory", "<Directory /tmp>\n    DotNetRestrictStdout On\n</Directory>", "DotNetRestrictStdout On", "DOTNET0301" },
        { "preload runtime not On/Off", "DotNetPreloadRuntime Lazy", "DotNetPreloadRuntime Lazy", "DOTNET0300" },
        { "preload runtime in Location", "<Location /x>\n    DotNetPreloadRuntime Off\n</Location>", "DotNetPreloadRuntime Off", "DOTNET0301" },
    };

    [Theory]
    [MemberData(nameof(BadConfigs))]
    public void Bad_directive_fails_configtest_with_code_and_line(string name, string body, string marker, string code)
    {
        var (r, line) = ConfigTest(body, marker);
        Assert.True(r.ExitCode != 0, $"{name}: configtest passed\n{r}");
        Assert.Contains(code, r.Output);
        Assert.Contains($"line {line}", r.Output);
    }

    // The recycling and queueing bounds take whole seconds, at least 1 (0 would mean "at once",
    // which no admin means; leave the option out for none).
    [Theory]
    [InlineData("DotNetDaemonProcess shop queue-timeout=0", "queue-timeout")]
    [InlineData("DotNetDaemonProcess shop restart-interval=1h", "restart-interval")]
    [InlineData("DotNetDaemonProcess shop inactivity-timeout=-5", "inactivity-timeout")]
    public void Bad_daemon_recycling_values_are_refused_at_configtest_by_name(string directive, string option)
    {
        var (r, line) = ConfigTest(directive, directive);
        Assert.True(r.ExitCode != 0, $"configtest passed\n{r}");
        Assert.Contains("DOTNET0300", r.Output);
        Assert.Contains(option, r.Output);
        Assert.Contains($"line {line}", r.Output);
    }

    [Theory]
    [InlineData("DotNetDaemonProcess shop processes=0")]
    [InlineData("DotNetDaemonProcess shop threads=many")]
    [InlineData("DotNetDaemonProcess shop user=no-such-user-here")]
    [InlineData("DotNetDaemonProcess shop user=root")]
    [InlineData("DotNetDaemonProcess ../shop")]
    [InlineData("DotNetDaemonProcess shop bogus=1")]
    public void Bad_daemon_groups_fail_configtest_with_DOTNET0300(string directive)
    {
        var (r, line) = ConfigTest(directive, directive);
        Assert.True(r.ExitCode != 0, $"configtest passed\n{r}");
        Assert.Contains("DOTNET0300", r.Output);
        Assert.Contains($"line {line}", r.Output);
    }

    [Fact]
    public void Valid_directives_pass_configtest()
    {
        var (r, _) = ConfigTest("""
            DotNetHookTimeout 15
            DotNetScriptReloading On
            <Location /x>
                AuthType Basic
                AuthName x
                AuthBasicProvider dotnet
                DotNetAuthUserScript "@SCRIPT@" application-group=site
                DotNetAuthGroupScript "@SCRIPT@" application-group=site
                DotNetAccessScript "@SCRIPT@"
                DotNetPassAuthorization Off
                DotNetHookTimeout 5
                Require dotnet-group staff %{REQUEST_METHOD}-users
            </Location>
            """, "DotNetHookTimeout 15");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("Syntax OK", r.Output);
        // The runtime, its frameworks and the host are all there: configtest says nothing of them.
        Assert.DoesNotContain("DOTNET0100", r.Output);
        Assert.DoesNotContain("DOTNET0106", r.Output);
        Assert.DoesNotContain("DOTNET0102", r.Output);
    }
}

/// <summary>
/// Issue 11: Debian has no .NET package, so the packaged module can be enabled where no runtime
/// is. configtest says so with a code (the parent loads nothing to find out), Apache still
/// starts, and the dotnet locations fail closed with 500.
/// </summary>
public sealed class MissingRuntimeTests : IDisposable
{
    private readonly string _roots = Directory.CreateTempSubdirectory("ah-roots-").FullName;

    public void Dispose() => Directory.Delete(_roots, recursive: true);

    /// <summary>A .NET root with the real hostfxr and only the frameworks named.</summary>
    private string FakeRoot(string name, params string[] frameworks)
    {
        var root = Path.Combine(_roots, name);
        var realRoot = Path.GetDirectoryName(Path.GetDirectoryName(typeof(object).Assembly.Location))!; // .../shared/Microsoft.NETCore.App/<v>
        var dotnetRoot = Path.GetDirectoryName(Path.GetDirectoryName(realRoot))!;
        var fxr = Directory.GetDirectories(Path.Combine(dotnetRoot, "host", "fxr")).First();
        var fxrDir = Directory.CreateDirectory(Path.Combine(root, "host", "fxr", Path.GetFileName(fxr))).FullName;
        File.Copy(Path.Combine(fxr, "libhostfxr.so"), Path.Combine(fxrDir, "libhostfxr.so"));
        foreach (var f in frameworks)
            Directory.CreateDirectory(Path.Combine(root, "shared", f, "10.0.0"));
        foreach (var d in Directory.GetDirectories(_roots, "*", SearchOption.AllDirectories).Append(_roots))
            File.SetUnixFileMode(d, (UnixFileMode)0b111_101_101);
        return root;
    }

    private static ApacheServer Server(string runtimeRoot)
    {
        RepoPaths.RequireModule();
        var s = new ApacheServer("event", new ApacheOptions { Cgid = false });
        s.AddPage("protected");
        s.AddPage("open");
        s.Configure($"DotNetRuntimeRoot \"{runtimeRoot}\"\n" +
            Conf.BasicLocation("/protected/", Conf.Script(s.InstallScript("BoolPlain.cs"), "site")));
        return s;
    }

    [Fact]
    public void No_runtime_under_the_root_is_DOTNET0100_at_configtest()
    {
        var r = Server(Directory.CreateDirectory(Path.Combine(_roots, "empty")).FullName).ConfigTest();
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("DOTNET0100", r.Output);
        Assert.Contains("Syntax OK", r.Output);
    }

    [Fact]
    public void A_runtime_without_ASP_NET_Core_is_DOTNET0106_at_configtest()
    {
        var r = Server(FakeRoot("no-aspnet", "Microsoft.NETCore.App")).ConfigTest();
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("DOTNET0106", r.Output);
        Assert.Contains("Microsoft.AspNetCore.App 10.0", r.Output);
        Assert.DoesNotContain("Microsoft.NETCore.App 10.0", r.Output);
    }

    [Fact]
    public async Task Apache_starts_and_dotnet_locations_fail_closed()
    {
        await using var s = Server(FakeRoot("no-aspnet-start", "Microsoft.NETCore.App"));
        await s.StartAsync();
        Assert.True(await s.WaitForErrorLogAsync("DOTNET0106", TimeSpan.FromSeconds(5)), s.ErrorLog);
        using var http = new Http(s.BaseUrl);
        Assert.Equal(500, (await http.GetAsync("/protected/", "alice", "secret")).Status);
        Assert.Equal(200, (await http.GetAsync("/open/")).Status);
    }
}

/// <summary>
/// Issue 7, item 3: a script cache that others can write (or a link, or a directory owned by
/// someone else) is refused: configtest names the line, and the server does not start.
/// </summary>
public sealed class UnsafeScriptCacheTests
{
    private static ApacheServer Server(string cache)
    {
        RepoPaths.RequireModule();
        var s = new ApacheServer("event", new ApacheOptions { ScriptCache = false });
        s.Configure($"DotNetScriptCache \"{cache}\"\n");
        return s;
    }

    private static string Dir(string name, string mode)
    {
        var dir = Path.Combine(TestRun.NewDirectory("cache"), name);
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, (UnixFileMode)Convert.ToInt32(mode, 8));
        return dir;
    }

    [Theory]
    [InlineData("0777")]
    [InlineData("1777")]
    [InlineData("0775")]
    public void A_cache_others_can_write_fails_configtest_with_DOTNET0220(string mode)
    {
        var s = Server(Dir("open", mode));
        var r = s.ConfigTest();
        Assert.True(r.ExitCode != 0, r.ToString());
        Assert.Contains("DOTNET0220", r.Output);
        Assert.Contains("line ", r.Output);
    }

    [Fact]
    public void A_cache_under_a_parent_others_can_write_fails_configtest()
    {
        var parent = Dir("parent", "0777");
        var cache = Path.Combine(parent, "cache");
        Directory.CreateDirectory(cache);
        File.SetUnixFileMode(cache, (UnixFileMode)Convert.ToInt32("0700", 8));
        var r = Server(cache).ConfigTest();
        Assert.True(r.ExitCode != 0, r.ToString());
        Assert.Contains("DOTNET0220", r.Output);
        Assert.Contains(parent, r.Output);
    }

    [Fact]
    public void A_cache_that_is_a_symbolic_link_fails_configtest()
    {
        var real = Dir("real", "0755");
        var link = Path.Combine(Path.GetDirectoryName(real)!, "link");
        File.CreateSymbolicLink(link, real);
        var r = Server(link).ConfigTest();
        Assert.True(r.ExitCode != 0, r.ToString());
        Assert.Contains("DOTNET0220", r.Output);
        Assert.Contains("symbolic link", r.Output);
    }

    [Fact]
    public async Task A_cache_owned_by_another_user_refuses_the_start()
    {
        var cache = Dir("foreign", "0755");
        Assert.Equal(0, AccessHooks.TestSupport.ExternalTool.Run("chown", ["4242:4242", cache], timeout: TimeSpan.FromSeconds(10)).ExitCode);
        var s = Server(cache);
        await using (s)
        {
            await Assert.ThrowsAnyAsync<Exception>(() => s.StartAsync(TimeSpan.FromSeconds(8)));
            Assert.Contains("DOTNET0220", s.ErrorLog);
            Assert.Contains("uid 4242", s.ErrorLog);
        }
    }

    [Fact]
    public void A_private_cache_passes()
    {
        var r = Server(Dir("private", "0700")).ConfigTest();
        Assert.True(r.ExitCode == 0, r.ToString());
    }
}
