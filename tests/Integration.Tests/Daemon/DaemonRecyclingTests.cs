using System.Text.RegularExpressions;
using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.Daemon;

/// <summary>
/// Issue 9: the options that bound a daemon's life and a request's wait (queue-timeout,
/// restart-interval, inactivity-timeout), and DotNetImportScript into a daemon group.
/// </summary>
public sealed class DaemonRecyclingTests
{
    private static int PidOf(HttpResult r) => int.Parse(Regex.Match(r.Body, @"hello from (\d+)").Groups[1].Value);

    [Fact]
    public async Task A_request_waiting_past_queue_timeout_is_504_with_DOTNET0257_and_the_app_never_sees_it()
    {
        await using var s = await DaemonModeTests.StartAsync("event", options: "processes=1 threads=1 queue-timeout=1");
        using var http = new Http(s.BaseUrl, TimeSpan.FromSeconds(30), keepAlive: false);
        Assert.Equal(200, (await http.GetAsync("/slow?ms=1")).Status);   // compiled, warm
        var mark = s.ErrorLogLength;
        var busy = http.GetAsync("/slow?ms=6000");                         // takes the one thread
        await Task.Delay(1500);
        var waited = await http.GetAsync("/slow?ms=1");                    // waits in the backlog
        Assert.True(waited.Status == 504, waited + "\n" + s.ErrorLogSince(mark));
        Assert.True(await s.WaitForErrorLogAsync("DOTNET0257", TimeSpan.FromSeconds(5), mark), s.ErrorLogSince(mark));
        Assert.Matches(@"waited \d+ ms for a free daemon thread, past queue-timeout=1 s", s.ErrorLogSince(mark));
        var first = await busy;
        Assert.True(first.Status == 200 && first.Body == "slept", first + "\n" + s.ErrorLogSince(mark));
        // Not a fault of the daemon: it keeps serving, and a request that does not wait is served.
        Assert.Single(DaemonModeTests.DaemonPids(s));
        Assert.Equal(200, (await http.GetAsync("/slow?ms=1")).Status);
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Restart_interval_replaces_the_daemon_again_and_again_without_a_failed_request_or_a_back_off(string mpm)
    {
        // 2 s is below the 5 s under which a death counts as a failing start: a recycled daemon
        // must not be taken for one (no back-off), and with one process the requests that come
        // meanwhile wait in the socket's backlog for the next daemon rather than fail.
        await using var s = await DaemonModeTests.StartAsync(mpm, options: "processes=1 threads=4 restart-interval=2 graceful-timeout=5");
        var mark = s.ErrorLogLength;
        var pids = new HashSet<int>();
        var failures = new List<string>();
        // At least 12 s, then until three daemons have served: a slow machine takes longer to
        // start each replacement (one cycle is 2 s plus a .NET start), bounded at 60 s.
        var started = DateTime.UtcNow;
        var count = 0;
        while (DateTime.UtcNow - started < TimeSpan.FromSeconds(12)
               || (pids.Count < 3 && DateTime.UtcNow - started < TimeSpan.FromSeconds(60)))
        {
            var r = await DaemonModeTests.HelloAsync(s);
            count++;
            if (r.Status != 200)
                failures.Add(r.ToString());
            else
                pids.Add(PidOf(r));
            await Task.Delay(100);
        }
        var log = s.ErrorLogSince(mark);
        Assert.True(failures.Count == 0, $"{failures.Count} of {count} failed: {string.Join("; ", failures.Take(3))}\n{log}");
        Assert.True(pids.Count >= 3, $"only {pids.Count} daemons served in {(DateTime.UtcNow - started).TotalSeconds:0} s with restart-interval=2\n{log}");
        Assert.Contains("ran restart-interval=2 s; it is replaced", log);
        Assert.True(log.Contains("was recycled; starting another", StringComparison.Ordinal), log);
        Assert.DoesNotContain("keeps failing at start", log);
    }

    [Fact]
    public async Task Inactivity_timeout_replaces_an_idle_daemon_and_leaves_a_busy_one_alone()
    {
        await using var s = await DaemonModeTests.StartAsync("event", options: "processes=1 threads=4 inactivity-timeout=3");
        var first = await DaemonModeTests.HelloAsync(s);
        Assert.Equal(200, first.Status);
        var pid = PidOf(first);
        var mark = s.ErrorLogLength;
        // A request every second for 6 s: never 3 s without one, so the same daemon serves.
        for (var i = 0; i < 6; i++)
        {
            await Task.Delay(1000);
            var r = await DaemonModeTests.HelloAsync(s);
            Assert.True(r.Status == 200 && PidOf(r) == pid, $"{r} (daemon was {pid})\n{s.ErrorLogSince(mark)}");
        }
        // A request running longer than the timeout is not inactivity either.
        using var http = new Http(s.BaseUrl, TimeSpan.FromSeconds(30), keepAlive: false);
        Assert.Equal("slept", (await http.GetAsync("/slow?ms=4500")).Body);
        Assert.Equal(pid, PidOf(await DaemonModeTests.HelloAsync(s)));
        Assert.DoesNotContain("inactivity-timeout", s.ErrorLogSince(mark));
        // Then idle: it is replaced.
        Assert.True(await s.WaitForErrorLogAsync("had no request for inactivity-timeout=3 s", TimeSpan.FromSeconds(10), mark),
            s.ErrorLogSince(mark));
        Assert.True(await TestRun.WaitUntilAsync(() => ApacheServer.IsGone(pid), TimeSpan.FromSeconds(10)), s.ErrorLogSince(mark));
        var after = await DaemonModeTests.HelloAsync(s);
        Assert.True(after.Status == 200 && PidOf(after) != pid, after + "\n" + s.ErrorLogSince(mark));
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Kept_connections_to_daemons_that_went_away_never_fail_a_request(string mpm)
    {
        // Apache's workers keep their connection to a daemon between requests. When the daemons
        // are replaced (SIGINT, then SIGKILL of the successors while idle), every kept connection
        // is dead: the next request on each worker must notice and connect anew, not answer 502.
        await using var s = await DaemonModeTests.StartAsync(mpm, options: "processes=2 threads=4");
        using var http = new Http(s.BaseUrl, TimeSpan.FromSeconds(30), keepAlive: true);
        async Task AllServedAsync(string when)
        {
            // Several clients at once, so that many workers (and their kept connections) are used.
            var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
            {
                using var client = new Http(s.BaseUrl, TimeSpan.FromSeconds(30), keepAlive: true);
                var list = new List<HttpResult>();
                for (var i = 0; i < 10; i++)
                    list.Add(await client.GetAsync("/hello"));
                return list;
            }));
            var failed = results.SelectMany(r => r).Where(r => r.Status != 200).ToList();
            Assert.True(failed.Count == 0, $"{when}: {failed.Count} of 80 failed: {string.Join("; ", failed.Take(3))}\n{s.ErrorLog[^Math.Min(3000, s.ErrorLog.Length)..]}");
        }
        async Task<List<int>> ReplacedAsync(List<int> before)
        {
            List<int> now = [];
            Assert.True(await TestRun.WaitUntilAsync(() => (now = DaemonModeTests.DaemonPids(s)).Count == 2 && !now.Intersect(before).Any(),
                TimeSpan.FromSeconds(30)), s.ErrorLog);
            // Serving: each new daemon writes its start line once its threads accept.
            Assert.True(await TestRun.WaitUntilAsync(() => now.All(p => s.ErrorLog.Contains($"daemon process {p} of group 'site' serves", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(30)), s.ErrorLog);
            return now;
        }

        await AllServedAsync("first");
        // Kept, not closed: with every client idle, Apache's workers still hold connections to the
        // group's socket (connected sockets bound to its path, the daemons' ends, in /proc/net/unix).
        // Counted after a pause: a connection the relay closed is gone from the daemon within it.
        await Task.Delay(TimeSpan.FromSeconds(1));
        var socketPath = Directory.GetFiles(Path.Combine(s.Dir, "run", "dotnet"), "site.*.sock").Single();
        var connected = File.ReadLines("/proc/net/unix").Count(l => l.EndsWith(" " + socketPath, StringComparison.Ordinal)
            && l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[5] == "03");
        Assert.True(connected > 0, "no connection to the daemons was kept after 80 requests");
        var daemons = DaemonModeTests.DaemonPids(s);
        foreach (var pid in daemons)
            Assert.True(s.Signal("INT", pid));
        daemons = await ReplacedAsync(daemons);
        await AllServedAsync("after SIGINT");
        await Task.Delay(TimeSpan.FromSeconds(6));   // older than a failing start: no back-off
        foreach (var pid in daemons)
            Assert.True(s.Signal("KILL", pid));
        await ReplacedAsync(daemons);
        await AllServedAsync("after SIGKILL");
    }

    [Fact]
    public async Task DotNetImportScript_starts_an_app_in_the_daemons_before_any_request()
    {
        await using var s = await DaemonModeTests.StartAsync("event", options: "processes=2 threads=4", start: false);
        var imported = s.WriteScript("imported.cs", """
            public static class App
            {
                public static readonly string Instance = Guid.NewGuid().ToString("N");
                public static Task Application(HttpContext context) => context.Response.WriteAsync($"hello from {Environment.ProcessId} {Instance}");
            }
            """);
        File.AppendAllText(s.ConfPath, $"""

            DotNetScriptAlias /imported "{imported}" process-group=site
            DotNetImportScript "{imported}" process-group=site application-group=apps
            <Location /imported>
                DotNetApplicationGroup apps
            </Location>

            """);
        await s.StartAsync();
        bool StartedIn(int pid) => Regex.IsMatch(s.ErrorLog, $@"DOTNET0236: app '[^']*imported\.cs' started in application group 'apps' \(process {pid},");
        Assert.True(await TestRun.WaitUntilAsync(() => DaemonModeTests.DaemonPids(s) is { Count: 2 } d && d.All(StartedIn), TimeSpan.FromSeconds(90)),
            "the daemons did not preload imported.cs\n" + s.ErrorLog);
        using var http = new Http(s.BaseUrl, TimeSpan.FromSeconds(30), keepAlive: false);
        for (var i = 0; i < 4; i++)
        {
            var r = await http.GetAsync("/imported");
            Assert.True(r.Status == 200, r + "\n" + s.ErrorLog);
            var pid = PidOf(r);
            // Served by the preloaded instance: one start in that daemon, none in Apache's children.
            Assert.Single(Regex.Matches(s.ErrorLog, $@"DOTNET0236: app '[^']*imported\.cs' started in application group 'apps' \(process {pid},"));
        }
        Assert.All(s.ChildPids().Except(DaemonModeTests.DaemonPids(s)), p => Assert.False(ApacheServer.HostsRuntime(p), $"child {p} loaded .NET"));
    }

    [Theory]
    [InlineData("DotNetImportScript \"{0}\" process-group=nosuch application-group=a", "DotNetImportScript")]
    [InlineData("DotNetScriptAlias /x \"{0}\" process-group=nosuch", "DotNetScriptAlias /x")]
    public async Task A_process_group_no_DotNetDaemonProcess_defines_is_DOTNET0255_at_configtest_and_start_refuses(string directive, string named)
    {
        await using var s = await DaemonModeTests.StartAsync("event", start: false);
        File.AppendAllText(s.ConfPath, "\n" + string.Format(directive, Path.Combine(s.ScriptDir, "hello.cs")) + "\n");
        var line = File.ReadAllLines(s.ConfPath).Length;
        var test = s.ConfigTest();
        Assert.True(test.ExitCode != 0, "configtest passed: " + test);
        Assert.Contains("DOTNET0255", test.Output);
        Assert.Contains(named, test.Output);
        Assert.Contains($"{s.ConfPath}:{line}", test.Output);
        Assert.Contains("process-group=nosuch names no DotNetDaemonProcess group", test.Output);
        // In the foreground so that the failing start is this process's exit status.
        var start = ProcessRunner.Run(RepoPaths.ApacheBinary, ["-f", s.ConfPath, "-DFOREGROUND", "-k", "start"], TimeSpan.FromSeconds(30));
        Assert.True(start.ExitCode != 0, start.ToString());
        Assert.Contains("DOTNET0255", s.ErrorLog + start.Output);
    }
}
