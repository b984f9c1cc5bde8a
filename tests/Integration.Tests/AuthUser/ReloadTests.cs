using System.Diagnostics;
using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.AuthUser;

/// <summary>Issue 2: editing a script while Apache runs; reloads do not grow the children.</summary>
public sealed class ReloadFixture : ApacheFixture
{
    public const int LoadScripts = 16;

    protected override string Build(ApacheServer s)
    {
        var body = new System.Text.StringBuilder();
        s.AddPage("reload");
        body.Append(Conf.BasicLocation("/reload/", Conf.Script(WriteGeneration(s, "reload.cs", 1), "reload")));
        for (var i = 0; i < LoadScripts; i++)
        {
            s.AddPage($"r{i}");
            body.Append(Conf.BasicLocation($"/r{i}/", Conf.Script(WriteGeneration(s, $"r{i}.cs", 0), $"r{i}")));
        }
        return body.ToString();
    }

    public static string Password(int generation) => $"gen{generation}-pw";

    private static readonly Dictionary<string, DateTime> LastWrite = new();

    /// <summary>Writes generation <paramref name="generation"/> of a script the way a careful deploy does:
    /// a temp file renamed over the old one (no torn reads), with a real, strictly newer mtime.</summary>
    public static string WriteGeneration(ApacheServer s, string name, int generation)
    {
        var path = Path.Combine(s.ScriptDir, name);
        var tmp = s.InstallScript("Reloadable.cs", new Dictionary<string, string>
        {
            ["GEN"] = generation.ToString(),
            ["PASSWORD"] = Password(generation),
        }, name + ".tmp");
        var now = DateTime.UtcNow;
        lock (LastWrite)
        {
            if (LastWrite.TryGetValue(path, out var last) && now <= last)
                now = last.AddMilliseconds(1);
            LastWrite[path] = now;
        }
        File.SetLastWriteTimeUtc(tmp, now);
        File.Move(tmp, path, overwrite: true);
        return path;
    }
}

public sealed class ReloadTests(ReloadFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<ReloadFixture>
{
    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Edited_script_is_used_by_the_next_requests(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var http = new Http(s.BaseUrl);
        // Whatever generation is current (the theory may run after the other MPM's edit: servers have their own files).
        Assert.Equal(200, (await http.GetAsync("/reload/", "alice", ReloadFixture.Password(1))).Status);
        Assert.Equal(401, (await http.GetAsync("/reload/", "alice", ReloadFixture.Password(2))).Status);

        ReloadFixture.WriteGeneration(s, "reload.cs", 2);
        // The module checks a script's mtime at most once per second (docs/internals.md): after that,
        // the very next request must run the new code.
        await Task.Delay(TimeSpan.FromMilliseconds(1200));
        var next = await http.GetAsync("/reload/", "alice", ReloadFixture.Password(2));
        Assert.True(next.Status == 200, $"the next request after the edit did not use the new code: {next.Status}\n{s.ErrorLog[^Math.Min(3000, s.ErrorLog.Length)..]}");
        // The old code is gone in every child: several fresh connections (prefork: other children).
        for (var i = 0; i < 6; i++)
        {
            using var fresh = new Http(s.BaseUrl, keepAlive: false);
            Assert.Equal(401, (await fresh.GetAsync("/reload/", "alice", ReloadFixture.Password(1))).Status);
            Assert.Equal(200, (await fresh.GetAsync("/reload/", "alice", ReloadFixture.Password(2))).Status);
        }
        // and back, for the next run of this theory against the same server
        ReloadFixture.WriteGeneration(s, "reload.cs", 1);
        Assert.True(await TestRun.WaitUntilAsync(() =>
            http.GetAsync("/reload/", "alice", ReloadFixture.Password(1)).GetAwaiter().GetResult().Status == 200,
            TimeSpan.FromSeconds(10), pollMs: 100));
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Two_hundred_reloads_keep_child_rss_bounded(string mpm)
    {
        const int reloads = 200;
        var s = await fixture.ServerAsync(mpm);
        using var http = new Http(s.BaseUrl);
        var generation = new int[ReloadFixture.LoadScripts];

        // One round rewrites all the scripts at once, then waits until each serves its new code:
        // 16 reloads per ~1 s check interval instead of one.
        var rounds = 0;
        async Task ReloadRound()
        {
            rounds++;
            var gens = new int[ReloadFixture.LoadScripts];
            for (var k = 0; k < ReloadFixture.LoadScripts; k++)
            {
                var gen = gens[k] = generation[k] + 1;
                ReloadFixture.WriteGeneration(s, $"r{k}.cs", gen % 2); // two sources per script: compiled once, then cached
                Volatile.Write(ref generation[k], gen);
            }
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            for (var k = 0; k < ReloadFixture.LoadScripts; k++)
            {
                while (true)
                {
                    var r = await http.GetAsync($"/r{k}/", "alice", ReloadFixture.Password(gens[k] % 2));
                    if (r.Status == 200)
                        break;
                    Assert.True(r.Status == 401, $"round {rounds} /r{k}/: {r.Status}\n{s.ErrorLog[^Math.Min(4000, s.ErrorLog.Length)..]}");
                    Assert.True(DateTime.UtcNow < deadline, $"round {rounds}: the edit of /r{k}/ not seen within 10 s");
                    await Task.Delay(25);
                }
            }
        }

        // warm up: every script loaded and reloaded a couple of times before measuring
        for (var i = 0; i < 2; i++)
            await ReloadRound();
        // Only children that already host the runtime: one starting it during the loop would count
        // the runtime's own ~60 MB as reload growth.
        var baseline = s.ChildPids().Where(ApacheServer.HostsRuntime).ToDictionary(p => p, ApacheServer.RssKb);
        Assert.NotEmpty(baseline);

        // under load: 8 clients keep calling the scripts being reloaded (their password is a moving
        // target, so 200 or 401; never a 5xx, never a transport error)
        using var stopLoad = new CancellationTokenSource();
        var rnd = new Random(42);
        var load = LoadRun.RunAsync(s.BaseUrl, 8, TimeSpan.FromMinutes(2), (h, ct) =>
        {
            int k;
            lock (rnd)
                k = rnd.Next(ReloadFixture.LoadScripts);
            return h.GetAsync($"/r{k}/", "alice", ReloadFixture.Password(Volatile.Read(ref generation[k]) % 2), cancellationToken: ct);
        }, stop: stopLoad.Token, pause: TimeSpan.FromMilliseconds(5));

        var sw = Stopwatch.StartNew();
        while ((rounds - 2) * ReloadFixture.LoadScripts < reloads)
            await ReloadRound();
        stopLoad.Cancel();
        var loadRun = await load.WaitAsync(TimeSpan.FromSeconds(30));
        output.WriteLine($"{mpm}: load during reloads: {loadRun}");
        Assert.True(loadRun.Errors == 0 && loadRun.Count(200) + loadRun.Count(401) == loadRun.Requests, loadRun.ToString());
        Assert.True(loadRun.Count(200) > 0, loadRun.ToString());
        var after = s.ChildPids().ToDictionary(p => p, ApacheServer.RssKb);

        var growth = baseline.Keys.Intersect(after.Keys).Select(p => (Pid: p, Kb: after[p] - baseline[p])).ToList();
        Assert.NotEmpty(growth);
        var worst = growth.MaxBy(g => g.Kb);
        output.WriteLine($"{mpm}: {reloads} reloads in {sw.Elapsed.TotalSeconds:F1} s; growth per child (KiB): " +
            string.Join(", ", growth.Select(g => $"{g.Pid}:{g.Kb} (from {baseline[g.Pid]})")));
        Assert.True(worst.Kb < 60 * 1024,
            $"{reloads} reloads in {sw.Elapsed.TotalSeconds:F0} s grew child {worst.Pid} by {worst.Kb / 1024} MB " +
            $"(baseline {string.Join(", ", baseline.Select(b => $"{b.Key}:{b.Value / 1024}MB"))}; after {string.Join(", ", after.Select(b => $"{b.Key}:{b.Value / 1024}MB"))})");
        Assert.DoesNotContain("exit signal", s.ErrorLog);
    }
}
