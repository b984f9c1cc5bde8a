using System.Diagnostics;
using AccessHooks.Integration.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AccessHooks.Integration.Tests.Gateway;

/// <summary>
/// Issue 8: a script app (its source changed) and a .dll app (its main assembly touched) reload
/// while clients keep calling them: no request fails, and after 50 reloads the child's memory
/// has no upward slope over the last 25 (each old generation is stopped and its load context
/// unloaded).
/// </summary>
public sealed class AppReloadUnderLoadTests(ITestOutputHelper output)
{
    private static string Script(int version) => $$"""
        public static class App
        {
            private static readonly byte[] Ballast = new byte[256 * 1024]; // makes a leaked generation visible
            public static Task Application(HttpContext context) => context.Response.WriteAsync(
                $"script v{{version}} {Ballast.Length} contexts={System.Runtime.Loader.AssemblyLoadContext.All.Count()} heap={GC.GetGCMemoryInfo().HeapSizeBytes / 1024}");
        }
        """;

    private const string DllApp = """
        var app = WebApplication.CreateSlimBuilder(args).Build();
        var started = Stopwatch.GetTimestamp();
        app.MapGet("/", () => $"dll {started}");
        app.Run();
        """;

    [Theory]
    [InlineData("event", 50)]
    [InlineData("prefork", 10)]
    public async Task Script_and_dll_apps_reload_under_load_with_no_failed_request_and_bounded_memory(string mpm, int reloads)
    {
        RepoPaths.RequireModule();
        var dll = AppProjects.Build("ReloadedApp", new Dictionary<string, string>
        {
            ["ReloadedApp.csproj"] = AppProjects.WebProject(),
            ["Program.cs"] = "using System.Diagnostics;\n" + DllApp,
        });
        // The app is touched by the test: serve a copy of its folder.
        await using var s = new ApacheServer(mpm, new ApacheOptions { Cgid = false });
        var appDir = Path.Combine(s.Dir, "dllapp");
        Directory.CreateDirectory(appDir);
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(dll)!))
            File.Copy(file, Path.Combine(appDir, Path.GetFileName(file)));
        var appDll = Path.Combine(appDir, Path.GetFileName(dll));
        var script = s.WriteScript("reloaded.cs", Script(0));
        var single = mpm == "event" ? "StartServers 1\nServerLimit 1\nMaxRequestWorkers 16\nMinSpareThreads 1\nMaxSpareThreads 16" : "";
        s.Configure($"""
            {single}
            <Directory "{s.ScriptDir}">
                Require all granted
            </Directory>
            <Directory "{appDir}">
                Require all granted
            </Directory>
            DotNetScriptAlias /script "{script}"
            DotNetScriptAlias /dll "{appDll}"
            """);
        await s.StartAsync();
        using var http = new Http(s.BaseUrl, keepAlive: false);
        Assert.Equal(200, (await http.GetAsync("/script")).Status);
        Assert.Equal(200, (await http.GetAsync("/dll/")).Status);

        var version = 0;
        var mtime = DateTime.UtcNow;
        async Task Reload()
        {
            version++;
            mtime = mtime.AddSeconds(2);
            var before = (await http.GetAsync("/dll/")).Body;
            File.WriteAllText(script, Script(version % 2)); // two sources: each compiled once, then cached
            File.SetLastWriteTimeUtc(script, mtime);
            File.SetLastWriteTimeUtc(appDll, mtime);
            var deadline = Stopwatch.StartNew();
            bool scriptSeen = false, dllSeen = false;
            while (!(scriptSeen && dllSeen))
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), $"reload {version} not seen (script {scriptSeen}, dll {dllSeen})\n{s.ErrorLog[^Math.Min(4000, s.ErrorLog.Length)..]}");
                scriptSeen = scriptSeen || (await http.GetAsync("/script")).Body.StartsWith($"script v{version % 2} ", StringComparison.Ordinal);
                var now = await http.GetAsync("/dll/");
                dllSeen = dllSeen || (now.Status == 200 && now.Body != before);
                await Task.Delay(100);
            }
        }

        using var stopLoad = new CancellationTokenSource();
        var turn = 0;
        var load = LoadRun.RunAsync(s.BaseUrl, 6, TimeSpan.FromMinutes(5),
            (h, ct) => h.GetAsync(Interlocked.Increment(ref turn) % 2 == 0 ? "/script" : "/dll/", cancellationToken: ct),
            stop: stopLoad.Token, pause: TimeSpan.FromMilliseconds(5));

        var rss = new List<long>();
        var diagnostics = new List<string>();
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < reloads; i++)
        {
            await Reload();
            if (mpm == "event")
            {
                var child = s.ChildPids().Single(ApacheServer.HostsRuntime);
                rss.Add(ApacheServer.RssKb(child));
                diagnostics.Add((await http.GetAsync("/script")).Body.Split(' ', 4)[3]);
            }
        }
        stopLoad.Cancel();
        var run = await load.WaitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine($"{mpm}: {reloads} reloads of each app in {sw.Elapsed.TotalSeconds:F1} s; load: {run}");
        Assert.True(run.Errors == 0 && run.Count(200) == run.Requests, run + "\n" + s.ErrorLog[^Math.Min(4000, s.ErrorLog.Length)..]);
        Assert.True(run.Requests > 100, run.ToString());
        Assert.DoesNotContain("DOTNET0238", s.ErrorLog); // every old generation stopped in time
        Assert.DoesNotContain("DOTNET0241", s.ErrorLog); // and its load context unloaded

        if (rss.Count >= 50)
        {
            // Least-squares slope of RSS over the last 25 reloads.
            var last = rss.Skip(rss.Count - 25).Select((kb, x) => (X: (double)x, Y: (double)kb)).ToList();
            double mx = last.Average(p => p.X), my = last.Average(p => p.Y);
            var slope = last.Sum(p => (p.X - mx) * (p.Y - my)) / last.Sum(p => (p.X - mx) * (p.X - mx));
            output.WriteLine($"RSS (KiB) per reload: {string.Join(" ", rss)}; slope over the last 25: {slope:F0} KiB/reload");
            output.WriteLine($"live load contexts and GC heap (KiB) per reload: {string.Join(" | ", diagnostics)}");
            // A leaked generation is a load context that stays alive (with its host, assemblies
            // and the ballast): their count must not grow, nor the GC heap. The RSS may step up
            // a few MB now and then (native allocator and code heap reuse); a leak is a steady
            // climb of several MB a reload.
            static int Contexts(string d) => int.Parse(d.Split(' ')[0]["contexts=".Length..]);
            static long HeapKb(string d) => long.Parse(d.Split(' ')[1]["heap=".Length..]);
            var steady = diagnostics.Skip(diagnostics.Count - 25).ToList();
            Assert.True(steady.Max(Contexts) <= diagnostics.Skip(10).Take(5).Min(Contexts) + 1, "load contexts pile up: " + string.Join(" | ", diagnostics));
            Assert.True(steady.Max(HeapKb) < 64 * 1024, "the GC heap grows: " + string.Join(" | ", diagnostics));
            Assert.True(slope < 640, $"RSS grows {slope:F0} KiB per reload over the last 25: {string.Join(" ", rss)}");
        }
    }

    /// <summary>An app that hooks a process-wide event and never leaves it cannot be unloaded.</summary>
    private static string LeakyScript(int version) => $$"""
        public static class App
        {
            private static readonly byte[] Ballast = new byte[1024 * 1024];

            public static void Configure(WebApplication app)
            {
                AppDomain.CurrentDomain.ProcessExit += (_, _) => GC.KeepAlive(Ballast);
                app.MapGet("/", () => $"leaky v{{version}} {Environment.ProcessId}");
            }
        }
        """;

    // prefork: the child itself exits gracefully. event: the child asks the parent, through the
    // parent's pipe, for a graceful restart (DOTNET0242), which replaces every child.
    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task An_app_whose_old_generation_cannot_unload_is_logged_and_its_child_replaced(string mpm)
    {
        RepoPaths.RequireModule();
        await using var s = new ApacheServer(mpm, new ApacheOptions { Cgid = false });
        var script = s.WriteScript("leaky.cs", LeakyScript(1));
        s.Configure($"""
            <Directory "{s.ScriptDir}">
                Require all granted
            </Directory>
            DotNetScriptAlias /leaky "{script}"
            """);
        await s.StartAsync();
        using var http = new Http(s.BaseUrl, keepAlive: false);
        var first = await http.GetAsync("/leaky/");
        Assert.True(first.Status == 200, first + "\n" + s.ErrorLog);
        var pid = first.Body.Split(' ')[2];

        File.WriteAllText(script, LeakyScript(2));
        File.SetLastWriteTimeUtc(script, DateTime.UtcNow.AddSeconds(5));
        // Every child that ran v1 reloads on its next request; requests keep being served.
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline && !s.ErrorLog.Contains("DOTNET0241"))
        {
            var r = await http.GetAsync("/leaky/");
            Assert.True(r.Status == 200, r + "\n" + s.ErrorLog);
            await Task.Delay(500);
        }
        Assert.Matches(@"DOTNET0241: app '[^']*leaky\.cs' generation 1 [^\n]*did not unload[^\n]*replaced gracefully", s.ErrorLog);
        // The child that could not unload goes; the site keeps answering, from v2.
        Assert.True(await TestRun.WaitUntilAsync(() => ApacheServer.IsGone(int.Parse(pid)), TimeSpan.FromSeconds(30)), $"child {pid} still runs\n{s.ErrorLog}");
        if (mpm != "prefork")
        {
            Assert.Contains("DOTNET0242", s.ErrorLog);
        }
        var after = await http.GetAsync("/leaky/");
        Assert.Equal(200, after.Status);
        Assert.StartsWith("leaky v2 ", after.Body);
    }
}
