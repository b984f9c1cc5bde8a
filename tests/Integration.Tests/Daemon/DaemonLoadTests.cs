using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.Daemon;

/// <summary>
/// Issue 9: daemons replaced under load (maximum-requests, SIGINT, a graceful restart of Apache)
/// without a failed request.
/// </summary>
public sealed class DaemonLoadTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static async Task<ApacheServer> StartAsync(string mpm, string options)
    {
        RepoPaths.RequireModule();
        var s = new ApacheServer(mpm, new ApacheOptions { Cgid = false, AuthDebug = false });
        s.WriteScript("hello.cs", "public static class App { public static Task Application(HttpContext c) => c.Response.WriteAsync($\"hello from {Environment.ProcessId}\"); }");
        const string Global = "%{GLOBAL}", GroupName = "%{GROUP}";
        s.Configure($"""
            DotNetDaemonProcess site {options} display-name={GroupName}
            DotNetScriptAlias /hello "{s.ScriptDir}/hello.cs" process-group=site application-group={Global}
            <Directory "{s.ScriptDir}">
                Require all granted
            </Directory>
            """);
        await s.StartAsync();
        using var http = new Http(s.BaseUrl);
        Assert.Equal(200, (await http.GetAsync("/hello")).Status);
        return s;
    }

    private static List<int> Daemons(ApacheServer s) =>
        s.ChildPids().Where(p => { try { return File.ReadAllText($"/proc/{p}/cmdline").StartsWith("(dotnet:site)"); } catch (IOException) { return false; } }).ToList();

    private static Func<Http, CancellationToken, Task<HttpResult>> Hello => (http, ct) => http.GetAsync("/hello", cancellationToken: ct);

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Maximum_requests_recycles_daemons_under_load_without_a_failed_request(string mpm)
    {
        await using var s = await StartAsync(mpm, "processes=2 threads=4 maximum-requests=100");
        var run = await LoadRun.RunAsync(s.BaseUrl, 8, TimeSpan.FromSeconds(12), Hello, keepAlive: false);
        output.WriteLine($"{mpm}: {run}");
        Assert.True(run.Requests > 400, run.ToString());
        Assert.True(run.Errors == 0 && run.Count(200) == run.Requests, run + "\n" + s.ErrorLog[^Math.Min(4000, s.ErrorLog.Length)..]);
        Assert.Contains("maximum-requests=100", s.ErrorLog);
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Apache_graceful_restart_under_load_fails_no_request(string mpm)
    {
        await using var s = await StartAsync(mpm, "processes=2 threads=4");
        var oldDaemons = Daemons(s);
        var sockets = Path.Combine(s.Dir, "run", "dotnet");
        var oldSocket = Directory.GetFiles(sockets, "*.sock").Single();
        using var stop = new CancellationTokenSource();
        var load = LoadRun.RunAsync(s.BaseUrl, 8, TimeSpan.FromSeconds(20), Hello, stop: stop.Token, keepAlive: false);
        await Task.Delay(TimeSpan.FromSeconds(2));
        s.Graceful();
        await Task.Delay(TimeSpan.FromSeconds(6));
        stop.Cancel();
        var run = await load;
        output.WriteLine($"{mpm}: {run}");
        Assert.True(run.Errors == 0 && run.Count(200) == run.Requests, run + "\n" + s.ErrorLog[^Math.Min(4000, s.ErrorLog.Length)..]);
        // The old generation's daemons served its children until those were gone, then stopped;
        // the new generation has its own socket and daemons.
        Assert.True(await TestRun.WaitUntilAsync(() => !oldDaemons.Intersect(Daemons(s)).Any() && Daemons(s).Count == 2
            && !File.Exists(oldSocket), TimeSpan.FromSeconds(20)),
            $"old {string.Join(",", oldDaemons)}, now {string.Join(",", Daemons(s))}, sockets {string.Join(",", Directory.GetFiles(sockets))}\n{s.ErrorLog}");
        Assert.Single(Directory.GetFiles(sockets, "*.sock"));
        Assert.Contains("of an ended generation", s.ErrorLog);
        using var http = new Http(s.BaseUrl);
        Assert.Equal(200, (await http.GetAsync("/hello")).Status);
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task SIGINT_restarts_a_daemon_and_the_other_serves_meanwhile(string mpm)
    {
        await using var s = await StartAsync(mpm, "processes=2 threads=4");
        var daemons = s.ChildPids().Where(p => File.ReadAllText($"/proc/{p}/cmdline").StartsWith("(dotnet:site)")).ToList();
        Assert.Equal(2, daemons.Count);
        using var stop = new CancellationTokenSource();
        var load = LoadRun.RunAsync(s.BaseUrl, 8, TimeSpan.FromSeconds(20), Hello, stop: stop.Token, keepAlive: false);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.True(s.Signal("INT", daemons[0]));
        Assert.True(await TestRun.WaitUntilAsync(() => !s.ChildPids().Contains(daemons[0]) &&
            s.ChildPids().Count(p => File.Exists($"/proc/{p}/cmdline") && File.ReadAllText($"/proc/{p}/cmdline").StartsWith("(dotnet:site)")) == 2,
            TimeSpan.FromSeconds(10)), s.ErrorLog);
        await Task.Delay(TimeSpan.FromSeconds(1));
        stop.Cancel();
        var run = await load;
        output.WriteLine($"{mpm}: {run}");
        Assert.True(run.Errors == 0 && run.Count(200) == run.Requests, run + "\n" + s.ErrorLog[^Math.Min(4000, s.ErrorLog.Length)..]);
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Touching_the_app_restarts_the_group_one_process_at_a_time_under_load(string mpm)
    {
        await using var s = await StartAsync(mpm, "processes=2 threads=4");
        var before = Daemons(s);
        Assert.Equal(2, before.Count);
        using var stop = new CancellationTokenSource();
        // Each new daemon compiles the changed script before it serves (the first; the second finds
        // it in the cache), so the roll takes seconds: 4 clients keep it loaded meanwhile.
        // Apache runs the monitor hook that moves the roll on every ~10 s: it takes 4-6 of them.
        var load = LoadRun.RunAsync(s.BaseUrl, 4, TimeSpan.FromSeconds(180), Hello, stop: stop.Token, keepAlive: false);
        await Task.Delay(TimeSpan.FromSeconds(1));
        var app = Path.Combine(s.ScriptDir, "hello.cs");
        File.WriteAllText(app, File.ReadAllText(app).Replace("hello from", "hello again from"));
        var replaced = await TestRun.WaitUntilAsync(() => !before.Intersect(Daemons(s)).Any() && Daemons(s).Count == 2
            && s.ErrorLog.Contains("every process was restarted"), TimeSpan.FromSeconds(150));
        await Task.Delay(TimeSpan.FromSeconds(1));
        stop.Cancel();
        var run = await load;
        output.WriteLine($"{mpm}: {run}");
        Assert.True(replaced, $"daemons before {string.Join(",", before)}, now {string.Join(",", Daemons(s))}\n{s.ErrorLog}");
        Assert.True(run.Errors == 0 && run.Count(200) == run.Requests, run + "\n" + s.ErrorLog[^Math.Min(4000, s.ErrorLog.Length)..]);
        using var http = new Http(s.BaseUrl);
        Assert.StartsWith("hello again from", (await http.GetAsync("/hello")).Body);
        // One at a time: the second daemon was stopped only after the first one's successor said
        // it serves (its DOTNET0250 line comes before the second daemon's exit).
        var log = s.ErrorLog;
        var exits = before.Select(p => log.IndexOf($"daemon process {p} of group 'site' exited", StringComparison.Ordinal)).Order().ToList();
        Assert.All(exits, i => Assert.True(i >= 0, log));
        var firstSuccessorStarted = log.IndexOf("DOTNET0250", exits[0], StringComparison.Ordinal);
        Assert.True(firstSuccessorStarted > exits[0] && firstSuccessorStarted < exits[1], log);
    }
}
