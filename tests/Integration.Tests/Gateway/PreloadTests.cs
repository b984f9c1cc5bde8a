using System.Text.RegularExpressions;
using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.Gateway;

/// <summary>
/// Issue 8, preloading: DotNetImportScript and the two-group form of DotNetScriptAlias start
/// apps (and load hook scripts) when a child starts, before any request; the first request
/// is served by that instance; the child still obeys Apache's stop signals afterwards (the
/// runtime started in child_init, before the MPM installed its child handlers).
/// </summary>
public sealed class PreloadTests
{
    private const string App = """
        public static class App
        {
            public static readonly string Instance = Guid.NewGuid().ToString("N");
            public static Task Application(HttpContext context) => context.Response.WriteAsync($"{Environment.ProcessId} {Instance}");
        }
        """;

    private const string Hook = """
        public static class Hosts
        {
            public static bool? AllowAccess(HookRequest request, string host) => true;
        }
        """;

    private static int StartedLines(string log, string file, int pid) =>
        Regex.Matches(log, $@"DOTNET0236: app '[^']*{Regex.Escape(file)}' started in application group '[^']*' \(process {pid},").Count;

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Apps_and_hook_scripts_start_with_the_child_and_serve_its_first_request(string mpm)
    {
        RepoPaths.RequireModule();
        await using var s = new ApacheServer(mpm, new ApacheOptions { Cgid = false });
        var imported = s.WriteScript("imported.cs", App);
        var aliased = s.WriteScript("aliased.cs", App);
        var hook = s.WriteScript("hosts.cs", Hook);
        s.Configure($$"""
            <Directory "{{s.ScriptDir}}">
                Require all granted
            </Directory>
            DotNetScriptAlias /imported "{{imported}}"
            DotNetImportScript "{{imported}}" process-group=%{GLOBAL} application-group=apps
            DotNetScriptAlias /aliased "{{aliased}}" process-group=%{GLOBAL} application-group=%{GLOBAL}
            DotNetImportScript "{{hook}}" process-group=%{GLOBAL} application-group=hooks
            DotNetImportScript "{{Path.Combine(s.ScriptDir, "missing.cs")}}" process-group=%{GLOBAL} application-group=apps
            <Location /imported>
                DotNetApplicationGroup apps
                DotNetAccessScript "{{hook}}" application-group=hooks
            </Location>
            """);
        await s.StartAsync();

        // Before any request: every child has started both apps and loaded the hook script.
        var children = s.ChildPids();
        Assert.NotEmpty(children);
        var preloaded = await TestRun.WaitUntilAsync(() =>
        {
            var log = s.ErrorLog;
            return children.All(pid => StartedLines(log, "imported.cs", pid) == 1 && StartedLines(log, "aliased.cs", pid) == 1
                                       && Regex.IsMatch(log, $@"DOTNET0217: [^\n]*hosts\.cs[^\n]*process {pid}"));
        }, TimeSpan.FromSeconds(90));
        Assert.True(preloaded, $"children {string.Join(",", children)} did not preload everything:\n{s.ErrorLog}");
        Assert.Contains("DOTNET0240", s.ErrorLog); // the missing file: a warning, nothing else

        using var http = new Http(s.BaseUrl, keepAlive: false);
        var seen = new Dictionary<string, string>();
        foreach (var url in new[] { "/imported", "/aliased", "/imported", "/aliased" })
        {
            var r = await http.GetAsync(url);
            Assert.True(r.Status == 200, r + "\n" + s.ErrorLog);
            var pid = int.Parse(r.Body.Split(' ')[0]);
            // Served by the preloaded instance: no second start in that child.
            Assert.Equal(1, StartedLines(s.ErrorLog, url.TrimStart('/') + ".cs", pid));
            seen[url + pid] = r.Body;
        }
        Assert.DoesNotContain("DOTNET0236: app '" + hook, s.ErrorLog);

        // The child still stops on Apache's signals: a graceful restart replaces every child
        // (which preloads again), and a stop is prompt.
        s.Graceful();
        Assert.True(await TestRun.WaitUntilAsync(() => children.All(ApacheServer.IsGone), TimeSpan.FromSeconds(30)),
            $"children {string.Join(",", children.Where(p => !ApacheServer.IsGone(p)))} survived a graceful restart\n{s.ErrorLog}");
        Assert.True(await TestRun.WaitUntilAsync(() => s.ChildPids().Count > 0 && s.ChildPids().All(pid => StartedLines(s.ErrorLog, "aliased.cs", pid) == 1), TimeSpan.FromSeconds(90)),
            "new children did not preload\n" + s.ErrorLog);
        var after = await http.GetAsync("/aliased");
        Assert.Equal(200, after.Status);
        var stopped = await s.StopAsync();
        Assert.True(stopped < TimeSpan.FromSeconds(10), $"stop took {stopped}\n{s.ErrorLog}");
    }

    private static int RuntimeStartedLines(string log, int pid) =>
        Regex.Matches(log, $@"DOTNET0104: the \.NET runtime started in process {pid}\b").Count;

    private const string Guarded = """
        <Directory "{0}">
            Require all granted
        </Directory>
        Alias /guarded "{0}"
        <Location /guarded>
            DotNetAccessScript "{1}"
        </Location>
        """;

    // DotNetPreloadRuntime (default On): with a hook script configured, each child starts the
    // runtime as it starts, so no request pays for it; its first request then only loads the script.
    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task The_runtime_starts_with_each_child_when_the_configuration_names_a_hook(string mpm)
    {
        RepoPaths.RequireModule();
        await using var s = new ApacheServer(mpm, new ApacheOptions { Cgid = false });
        var hook = s.WriteScript("hosts.cs", Hook);
        File.WriteAllText(Path.Combine(s.ScriptDir, "page.txt"), "page");
        s.Configure(string.Format(Guarded, s.ScriptDir, hook));
        await s.StartAsync();

        var children = s.ChildPids();
        Assert.NotEmpty(children);
        Assert.True(await TestRun.WaitUntilAsync(() => children.All(pid => RuntimeStartedLines(s.ErrorLog, pid) == 1), TimeSpan.FromSeconds(60)),
            $"children {string.Join(",", children)} did not start the runtime before any request\n{s.ErrorLog}");
        Assert.DoesNotContain("DOTNET0217", s.ErrorLog); // the runtime only: no script loaded yet

        using var http = new Http(s.BaseUrl, keepAlive: false);
        var r = await http.GetAsync("/guarded/page.txt");
        Assert.True(r.Status == 200, r + "\n" + s.ErrorLog);
        Assert.Contains("DOTNET0217", s.ErrorLog);
        Assert.All(s.ChildPids().Where(children.Contains), pid => Assert.Equal(1, RuntimeStartedLines(s.ErrorLog, pid)));
    }

    // An embedded app alias alone (no hook script, no preload) also marks the configuration.
    [Fact]
    public async Task The_runtime_starts_with_each_child_when_the_configuration_names_an_embedded_app()
    {
        RepoPaths.RequireModule();
        await using var s = new ApacheServer("event", new ApacheOptions { Cgid = false });
        var app = s.WriteScript("app.cs", App);
        s.Configure($$"""
            <Directory "{{s.ScriptDir}}">
                Require all granted
            </Directory>
            DotNetScriptAlias /app "{{app}}"
            """);
        await s.StartAsync();

        var children = s.ChildPids();
        Assert.NotEmpty(children);
        Assert.True(await TestRun.WaitUntilAsync(() => children.All(pid => RuntimeStartedLines(s.ErrorLog, pid) == 1), TimeSpan.FromSeconds(60)),
            $"children {string.Join(",", children)} did not start the runtime before any request\n{s.ErrorLog}");
        Assert.DoesNotContain("DOTNET0236", s.ErrorLog); // the runtime only: the app starts on its first request
    }

    [Fact]
    public async Task With_DotNetPreloadRuntime_Off_or_nothing_to_run_the_runtime_waits_for_a_request()
    {
        RepoPaths.RequireModule();
        await using var off = new ApacheServer("prefork", new ApacheOptions { Cgid = false });
        var hook = off.WriteScript("hosts.cs", Hook);
        File.WriteAllText(Path.Combine(off.ScriptDir, "page.txt"), "page");
        off.Configure("DotNetPreloadRuntime Off\n" + string.Format(Guarded, off.ScriptDir, hook));
        await using var none = new ApacheServer("prefork", new ApacheOptions { Cgid = false });
        none.Configure("");
        await off.StartAsync();
        await none.StartAsync();

        using (var plain = new Http(none.BaseUrl, keepAlive: false))
            await plain.GetAsync("/");
        // An On server starts it within the child's start (the test above); give these as long.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.DoesNotContain("DOTNET0104", off.ErrorLog);
        Assert.DoesNotContain("DOTNET0104", none.ErrorLog);

        using var http = new Http(off.BaseUrl, keepAlive: false);
        var r = await http.GetAsync("/guarded/page.txt");
        Assert.True(r.Status == 200, r + "\n" + off.ErrorLog);
        Assert.Contains("DOTNET0104", off.ErrorLog);
    }

    [Theory]
    [InlineData("DotNetImportScript /srv/x.cs application-group=a", "both process-group= and application-group= are required")]
    [InlineData("DotNetImportScript /srv/x.cs process-group=%{GLOBAL} application-group=%{SERVER}", "must be %{GLOBAL} or a name")]
    [InlineData("DotNetScriptAliasMatch ^/t/(.*) /srv/$1.cs process-group=%{GLOBAL} application-group=a", "needs one fixed file")]
    [InlineData("DotNetScriptAlias /x /srv/x.cs process-group=%{GLOBAL} application-group=%{RESOURCE}", "must be %{GLOBAL} or a name")]
    [InlineData("<Location /x>\nDotNetImportScript /srv/x.cs process-group=%{GLOBAL} application-group=a\n</Location>", "not allowed in <Location> context")]
    public async Task Wrong_preload_directives_are_config_errors_naming_the_line(string directive, string expected)
    {
        RepoPaths.RequireModule();
        await using var s = new ApacheServer("event");
        s.Configure(directive);
        var r = s.ConfigTest();
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains(expected, r.Output);
        if (!expected.StartsWith("not allowed", StringComparison.Ordinal)) // Apache's own context check has no code of ours
            Assert.Contains("DOTNET030", r.Output);
        Assert.Matches(@"line \d+", r.Output);
    }
}
