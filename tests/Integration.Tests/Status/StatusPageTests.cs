using System.Text.Json;
using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.Status;

/// <summary>
/// Issue 11: SetHandler dotnet-status. Its counters live in shared memory the parent made, so any
/// child shows every child's figures and their sums, exited children included; all three forms
/// (HTML, ?json, ?auto) are read while load runs, and the sums must equal what the clients saw.
/// </summary>
public sealed class StatusPageTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly string[] Phases = ["authn", "authz", "access", "handler"];

    private static async Task<ApacheServer> StartAsync(string mpm, int maxConnectionsPerChild = 0)
    {
        RepoPaths.RequireModule();
        var s = new ApacheServer(mpm, new ApacheOptions { Cgid = false, AuthDebug = false, MaxConnectionsPerChild = maxConnectionsPerChild });
        s.AddPage("protected");
        s.AddPage("throws");
        s.WriteScript("hello.cs", "public static class App { public static Task Application(HttpContext c) => c.Response.WriteAsync(\"hello\"); }");
        s.Configure(
            Conf.BasicLocation("/protected/", Conf.Script(s.InstallScript("BoolPlain.cs"), "site")) +
            $"""
            <Location "/throws/">
                DotNetAccessScript "{s.InstallScript("AccessThrows.cs")}" application-group=throws
                Require all granted
            </Location>
            DotNetScriptAlias /hello "{Path.Combine(s.ScriptDir, "hello.cs")}" application-group=apps
            <Directory "{s.ScriptDir}">
                Require all granted
            </Directory>
            <Location "/dotnet-status">
                SetHandler dotnet-status
                Require ip 127.0.0.1
            </Location>
            <Location "/status-for-nobody">
                SetHandler dotnet-status
                Require ip 192.0.2.1
            </Location>
            """);
        await s.StartAsync();
        return s;
    }

    private static async Task<JsonDocument> JsonAsync(Http http)
    {
        var r = await http.GetAsync("/dotnet-status?json");
        Assert.True(r.Status == 200, r.ToString());
        Assert.StartsWith("application/json", r.Header("Content-Type"));
        return JsonDocument.Parse(r.Body);
    }

    private static long Figure(JsonElement counters, string phase, string name) =>
        counters.GetProperty("phases").GetProperty(phase).GetProperty(name).GetInt64();

    /// <summary>Every figure of "total" is "exited" plus the sum over per_child, and each phase's
    /// histogram holds each of its calls once.</summary>
    private static void AssertSumsAgree(JsonElement root)
    {
        var total = root.GetProperty("total");
        var exited = root.GetProperty("exited");
        var children = root.GetProperty("per_child").EnumerateArray().Select(c => c.GetProperty("counters")).ToList();
        foreach (var phase in Phases)
        {
            foreach (var name in new[] { "calls", "granted", "denied", "declined", "errors", "total_us" })
                Assert.Equal(Figure(total, phase, name), Figure(exited, phase, name) + children.Sum(c => Figure(c, phase, name)));
            var p = total.GetProperty("phases").GetProperty(phase);
            var histogram = p.GetProperty("latency").EnumerateArray().Sum(b => b.GetInt64());
            Assert.Equal(p.GetProperty("calls").GetInt64(), histogram);
            Assert.Equal(p.GetProperty("calls").GetInt64(),
                new[] { "granted", "denied", "declined", "errors" }.Sum(o => p.GetProperty(o).GetInt64()));
        }
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task All_three_forms_under_load_sum_every_child_and_match_what_clients_saw(string mpm)
    {
        await using var s = await StartAsync(mpm);
        using var http = new Http(s.BaseUrl, TimeSpan.FromSeconds(20), keepAlive: false);
        Assert.Equal(200, (await http.GetAsync("/protected/index.html", "alice", "secret")).Status);
        Assert.Equal(200, (await http.GetAsync("/hello")).Status);
        Assert.Equal(403, (await http.GetAsync("/status-for-nobody")).Status);

        using var before = await JsonAsync(http);
        var beforeTotal = before.RootElement.GetProperty("total").Clone();

        // Readers of all three forms run beside the load; each read must parse and be consistent.
        using var stop = new CancellationTokenSource();
        var reads = 0;
        var reader = Task.Run(async () =>
        {
            using var statusHttp = new Http(s.BaseUrl, TimeSpan.FromSeconds(20), keepAlive: false);
            long lastCalls = 0;
            while (!stop.IsCancellationRequested)
            {
                using (var doc = await JsonAsync(statusHttp))
                {
                    AssertSumsAgree(doc.RootElement);
                    var calls = Figure(doc.RootElement.GetProperty("total"), "authn", "calls");
                    Assert.True(calls >= lastCalls, $"authn calls went back from {lastCalls} to {calls}");
                    lastCalls = calls;
                }
                var auto = await statusHttp.GetAsync("/dotnet-status?auto");
                Assert.Equal(200, auto.Status);
                Assert.StartsWith("text/plain", auto.Header("Content-Type"));
                Assert.All(auto.Body.TrimEnd('\n').Split('\n'), line => Assert.Matches(@"^[A-Za-z0-9]+: ?", line));
                var html = await statusHttp.GetAsync("/dotnet-status");
                Assert.Equal(200, html.Status);
                Assert.Contains("<h2>All children</h2>", html.Body);
                Interlocked.Increment(ref reads);
                await Task.Delay(100);
            }
        });

        // Files named in full: "/protected/" would add a DirectoryIndex sub-request, which Apache
        // checks again (two real calls per request, which the page rightly shows).
        // What the clients saw, per kind of request: (path kind, status) -> count.
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<(string, int), int>();
        var run = await LoadRun.RunAsync(s.BaseUrl, 8, TimeSpan.FromSeconds(5), async (h, ct) =>
        {
            var (kind, r) = Random.Shared.Next(4) switch
            {
                0 => ("authn", await h.GetAsync("/protected/index.html", "alice", "wrong", cancellationToken: ct)),
                1 => ("access", await h.GetAsync("/throws/index.html", cancellationToken: ct)),
                2 => ("handler", await h.GetAsync("/hello", cancellationToken: ct)),
                _ => ("authn", await h.GetAsync("/protected/index.html", "alice", "secret", cancellationToken: ct)),
            };
            seen.AddOrUpdate((kind, r.Status), 1, (_, n) => n + 1);
            return r;
        }, keepAlive: false);
        stop.Cancel();
        await reader;
        int Seen(string kind, int status) => seen.TryGetValue((kind, status), out var n) ? n : 0;
        output.WriteLine($"{mpm}: {run}; {reads} status reads during the load");
        Assert.True(run.Errors == 0, run.ToString());
        Assert.True(reads >= 3, $"only {reads} status reads");

        using var after = await JsonAsync(http);
        var root = after.RootElement;
        AssertSumsAgree(root);
        var total = root.GetProperty("total");
        long Delta(string phase, string name) => Figure(total, phase, name) - Figure(beforeTotal, phase, name);
        // /protected/ answers 200 for the right password and 401 for the wrong one: one authn call each.
        Assert.Equal(Seen("authn", 200), Delta("authn", "granted"));
        Assert.Equal(Seen("authn", 401), Delta("authn", "denied"));
        Assert.Equal(0, Delta("authn", "errors"));
        // /throws/: the access script throws: 500, counted as an error and as an exception.
        Assert.True(Seen("access", 500) > 0);
        Assert.Equal(Seen("access", 500), Delta("access", "errors"));
        var exceptions = total.GetProperty("events").GetProperty("exceptions").GetInt64()
                         - beforeTotal.GetProperty("events").GetProperty("exceptions").GetInt64();
        Assert.Equal(Seen("access", 500), exceptions);
        Assert.Equal(Seen("handler", 200), Delta("handler", "granted"));
        Assert.True(Figure(total, "authn", "p50_us") > 0);

        var perChild = root.GetProperty("per_child").EnumerateArray().ToList();
        Assert.True(perChild.Count >= 2, $"{perChild.Count} children counted");
        var apachePids = s.ChildPids();
        Assert.All(perChild, c => Assert.Contains(c.GetProperty("pid").GetInt32(), apachePids));
        Assert.True(perChild.Count(c => Figure(c.GetProperty("counters"), "authn", "calls") > 0) >= 2,
            "the load reached one child only, so the sum over children proves nothing");

        // The detail of the child that answered comes from its own host: the groups it loaded are
        // those of the phases its own counters say it ran (none, for a child that started its
        // runtime with DotNetPreloadRuntime and has served only status requests).
        var thisChild = root.GetProperty("this_child");
        if (thisChild.GetProperty("runtime_started").GetBoolean())
        {
            var groups = thisChild.GetProperty("detail").GetProperty("application_groups").EnumerateArray()
                .Select(g => g.GetProperty("name").GetString()).ToList();
            var own = perChild.Single(c => c.GetProperty("pid").GetInt32() == thisChild.GetProperty("pid").GetInt32()).GetProperty("counters");
            Assert.All(groups, g => Assert.Contains(g, new[] { "site", "throws", "apps" }));
            Assert.Equal(Figure(own, "authn", "calls") > 0, groups.Contains("site"));
            Assert.Equal(Figure(own, "access", "calls") > 0, groups.Contains("throws"));
            Assert.Equal(Figure(own, "handler", "calls") > 0, groups.Contains("apps"));
        }
        var autoAfter = (await http.GetAsync("/dotnet-status?auto")).Body.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(": ", 2)).GroupBy(kv => kv[0]).ToDictionary(g => g.Key, g => g.First().ElementAtOrDefault(1) ?? "");
        Assert.Equal(Figure(total, "authn", "calls").ToString(), autoAfter["TotalAuthnCalls"]);
        Assert.Equal(Figure(total, "access", "errors").ToString(), autoAfter["TotalAccessErrors"]);
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Figures_of_children_that_exited_stay_in_the_sums(string mpm)
    {
        await using var s = await StartAsync(mpm, maxConnectionsPerChild: 25);
        using var http = new Http(s.BaseUrl, TimeSpan.FromSeconds(20), keepAlive: false);
        using var before = await JsonAsync(http);
        var initial = s.ChildPids();

        var run = await LoadRun.RunAsync(s.BaseUrl, 6, TimeSpan.FromSeconds(6),
            (h, ct) => h.GetAsync("/protected/index.html", "alice", "secret", cancellationToken: ct), keepAlive: false, retryResetOnce: true);
        output.WriteLine($"{mpm}: {run}");
        Assert.True(run.Errors == 0 && run.Count(200) == run.Requests, run.ToString());
        Assert.True(run.Requests > 100, run.ToString());
        Assert.True(await TestRun.WaitUntilAsync(() => !initial.Intersect(s.ChildPids()).Any(), TimeSpan.FromSeconds(10)),
            "the first children did not exit");

        using var after = await JsonAsync(http);
        var root = after.RootElement;
        AssertSumsAgree(root);
        Assert.True(root.GetProperty("exited_children").GetInt64() > 0, "no child counted as exited");
        Assert.True(Figure(root.GetProperty("exited"), "authn", "calls") > 0);
        Assert.Equal(run.Count(200),
            Figure(root.GetProperty("total"), "authn", "granted") - Figure(before.RootElement.GetProperty("total"), "authn", "granted"));
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task A_child_killed_with_SIGKILL_keeps_its_figures_in_the_sums(string mpm)
    {
        await using var s = await StartAsync(mpm);
        // One keep-alive connection: the requests and the status read reach one child.
        using var http = new Http(s.BaseUrl);
        for (var i = 0; i < 5; i++)
            Assert.Equal(200, (await http.GetAsync("/protected/index.html", "alice", "secret")).Status);
        int victim;
        long granted;
        using (var doc = await JsonAsync(http))
        {
            victim = doc.RootElement.GetProperty("this_child").GetProperty("pid").GetInt32();
            granted = Figure(doc.RootElement.GetProperty("total"), "authn", "granted");
            var own = doc.RootElement.GetProperty("per_child").EnumerateArray().Single(c => c.GetProperty("pid").GetInt32() == victim);
            Assert.True(Figure(own.GetProperty("counters"), "authn", "granted") >= 5);
        }
        // No cleanup runs: the slot still names the dead pid, and the page must count it as exited.
        Assert.True(s.Signal("KILL", victim));
        Assert.True(await TestRun.WaitUntilAsync(() => !Directory.Exists($"/proc/{victim}") || !s.ChildPids().Contains(victim), TimeSpan.FromSeconds(10)));

        using var fresh = new Http(s.BaseUrl, keepAlive: false);
        using var after = await JsonAsync(fresh);
        var root = after.RootElement;
        AssertSumsAgree(root);
        Assert.DoesNotContain(victim, root.GetProperty("per_child").EnumerateArray().Select(c => c.GetProperty("pid").GetInt32()));
        Assert.True(root.GetProperty("exited_children").GetInt64() >= 1);
        Assert.Equal(granted, Figure(root.GetProperty("total"), "authn", "granted"));
    }
}
