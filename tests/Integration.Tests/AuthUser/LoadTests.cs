using System.Diagnostics;
using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.AuthUser;

/// <summary>Issue 2: the runtime inside Apache children under load: GC, child recycling, graceful
/// restart and stop. The hosting rules in DESIGN.md (SIGRTMIN, SIGTERM handlers) are what these catch.</summary>
public sealed class LoadTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static async Task<ApacheServer> StartAsync(string mpm, int maxConnectionsPerChild = 0)
    {
        RepoPaths.RequireModule();
        var s = new ApacheServer(mpm, new ApacheOptions { Cgid = false, MaxConnectionsPerChild = maxConnectionsPerChild, AuthDebug = false });
        s.AddPage("gc");
        s.AddPage("plain");
        s.Configure(
            Conf.BasicLocation("/gc/", Conf.Script(s.InstallScript("GcHammer.cs"), "gc")) +
            Conf.BasicLocation("/plain/", Conf.Script(s.InstallScript("BoolPlain.cs"), "plain")));
        await s.StartAsync();
        return s;
    }

    private static Func<Http, CancellationToken, Task<HttpResult>> Get(string path) =>
        (http, ct) => http.GetAsync(path, "alice", "secret", cancellationToken: ct);

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task GC_Collect_in_the_hook_with_32_concurrent_clients_does_not_hang(string mpm)
    {
        await using var s = await StartAsync(mpm);
        using (var http = new Http(s.BaseUrl))
            Assert.Equal(200, (await http.GetAsync("/gc/", "alice", "secret")).Status);

        // Warm-up, not measured for latency: under prefork 32 keep-alive clients need ~32 children,
        // which Apache spawns over several seconds, each starting its runtime. The measured run
        // then sees GC under load, not child start-up on a 2-core machine.
        var warmUp = await LoadRun.RunAsync(s.BaseUrl, 32, TimeSpan.FromSeconds(5), Get("/gc/"));
        output.WriteLine($"{mpm} GC hammer warm-up: {warmUp}");
        Assert.True(warmUp.Errors == 0 && warmUp.Count(200) == warmUp.Requests, warmUp.ToString());

        var run = await LoadRun.RunAsync(s.BaseUrl, 32, TimeSpan.FromSeconds(6), Get("/gc/"));
        output.WriteLine($"{mpm} GC hammer: {run}");

        Assert.True(run.Errors == 0 && run.Count(200) == run.Requests, run.ToString());
        Assert.True(run.Requests >= 64, run.ToString());
        Assert.True(run.MaxLatency < TimeSpan.FromSeconds(10), run.ToString());
        using var after = new Http(s.BaseUrl, TimeSpan.FromSeconds(5));
        Assert.Equal(200, (await after.GetAsync("/gc/", "alice", "secret")).Status);
        Assert.DoesNotContain("exit signal", s.ErrorLog);
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task MaxConnectionsPerChild_recycles_children_under_load_without_hangs(string mpm)
    {
        await using var s = await StartAsync(mpm, maxConnectionsPerChild: 50);
        using (var http = new Http(s.BaseUrl, keepAlive: false))
            Assert.Equal(200, (await http.GetAsync("/plain/", "alice", "secret")).Status);
        var initial = s.ChildPids();
        Assert.NotEmpty(initial);

        // While children recycle, a connection is rarely reset before any response (about 1 in
        // 800 requests in some runs, none in others; not isolated to mod_dotnet or Apache yet).
        // Such a GET is retried once, as a browser would, and retries must stay rare.
        var run = await LoadRun.RunAsync(s.BaseUrl, 16, TimeSpan.FromSeconds(8), Get("/plain/"), keepAlive: false, retryResetOnce: true);
        output.WriteLine($"{mpm} MaxConnectionsPerChild 50: {run}; children {string.Join(",", initial)} -> {string.Join(",", s.ChildPids())}");

        Assert.True(run.Requests > 150, run.ToString()); // > 3x the per-child limit: recycling must have happened
        Assert.True(run.MaxLatency < TimeSpan.FromSeconds(10), "a request hung: " + run);
        Assert.True(run.Errors == 0 && run.Count(200) == run.Requests, run.ToString());
        Assert.True(run.Retries <= Math.Max(2, run.Requests / 100), "too many reset connections: " + run);
        Assert.True(await TestRun.WaitUntilAsync(() => !initial.Intersect(s.ChildPids()).Any(), TimeSpan.FromSeconds(10)),
            $"initial children {string.Join(",", initial)} still there: {string.Join(",", s.ChildPids())}\n{run}");
        Assert.NotEmpty(s.ChildPids());
        using var after = new Http(s.BaseUrl, TimeSpan.FromSeconds(5), keepAlive: false);
        Assert.Equal(200, (await after.GetAsync("/plain/", "alice", "secret")).Status);
        Assert.DoesNotContain("exit signal", s.ErrorLog);
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Graceful_restart_and_stop_under_load_finish_within_10_seconds(string mpm)
    {
        var s = await StartAsync(mpm);
        try
        {
            using (var http = new Http(s.BaseUrl))
                Assert.Equal(200, (await http.GetAsync("/plain/", "alice", "secret")).Status);
            var parent = s.ParentPid;

            // graceful (SIGUSR1) while 16 clients keep requesting
            using (var stop = new CancellationTokenSource())
            {
                var load = LoadRun.RunAsync(s.BaseUrl, 16, TimeSpan.FromSeconds(20), Get("/plain/"), stop: stop.Token);
                await Task.Delay(TimeSpan.FromSeconds(2));
                var before = s.ChildPids();
                s.Graceful();
                var sw = Stopwatch.StartNew();
                var replaced = await TestRun.WaitUntilAsync(() => !before.Intersect(s.ChildPids()).Any() && s.ChildPids().Count > 0, TimeSpan.FromSeconds(10));
                var took = sw.Elapsed;
                await Task.Delay(TimeSpan.FromSeconds(1));
                stop.Cancel();
                var run = await load.WaitAsync(TimeSpan.FromSeconds(30));
                output.WriteLine($"{mpm} graceful: children replaced in {took.TotalMilliseconds:F0} ms; load {run}");
                Assert.True(replaced, $"old generation children {string.Join(",", before)} still there after 10 s: {string.Join(",", s.ChildPids())}\n{run}");
                Assert.True(took < TimeSpan.FromSeconds(10), $"graceful took {took}");
                Assert.True(run.MaxLatency < TimeSpan.FromSeconds(10), "a request hung across the graceful restart: " + run);
                Assert.True(run.Errors <= run.Requests / 100, run.ToString());
                Assert.True(run.Count(200) >= run.Requests - run.Errors, run.ToString());
                Assert.Equal(parent, s.ParentPid);
            }

            // stop (SIGTERM) while 16 clients keep requesting
            using (var stop = new CancellationTokenSource())
            {
                var load = LoadRun.RunAsync(s.BaseUrl, 16, TimeSpan.FromSeconds(20), Get("/plain/"),
                    requestTimeout: TimeSpan.FromSeconds(15), stop: stop.Token);
                await Task.Delay(TimeSpan.FromSeconds(2));
                var children = s.ChildPids();
                var took = await s.StopAsync(TimeSpan.FromSeconds(10));
                stop.Cancel();
                var run = await load.WaitAsync(TimeSpan.FromSeconds(30));
                output.WriteLine($"{mpm} stop under load: {took.TotalMilliseconds:F0} ms; load {run}");
                Assert.True(took < TimeSpan.FromSeconds(10), $"SIGTERM under load took {took} (then SIGKILL)\n{s.ErrorLog[^Math.Min(3000, s.ErrorLog.Length)..]}");
                Assert.True(ApacheServer.IsGone(parent), "the parent survived SIGTERM");
                Assert.True(await TestRun.WaitUntilAsync(() => children.All(ApacheServer.IsGone), TimeSpan.FromSeconds(5)),
                    "children survived the stop");
            }
        }
        finally
        {
            await s.DisposeAsync();
        }
    }
}
