using System.Diagnostics;
using System.Text.RegularExpressions;
using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.Security;

/// <summary>
/// Issue 7, item 11: a synchronous hook that never returns does not pin its Apache worker. Every
/// such request is answered 500 (DOTNET0206) at DotNetHookTimeout, the stuck call is logged
/// (DOTNET0219, never the password), other users are served meanwhile, and a child whose stuck
/// calls reach a quarter of its workers is replaced gracefully; the server stays healthy.
/// </summary>
public sealed class HungHookFixture : ApacheFixture
{
    protected override ApacheOptions Options => new() { Cgid = false };

    protected override string Build(ApacheServer s)
    {
        s.AddPage("hung");
        s.AddPage("fine");
        var script = s.InstallScript("HungSync.cs");
        return Conf.BasicLocation("/hung/", Conf.Script(script, "hung"), extra: "DotNetHookTimeout 2") +
               Conf.BasicLocation("/fine/", Conf.Script(s.InstallScript("BoolPlain.cs"), "fine"));
    }
}

public sealed class HungHookTests(HungHookFixture fixture) : IClassFixture<HungHookFixture>
{
    private static readonly Regex Crash = new(@"exit signal|Segmentation|core dumped|SIGABRT", RegexOptions.IgnoreCase);

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Hung_synchronous_hooks_are_answered_at_the_deadline_and_the_server_stays_healthy(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        var mark = s.ErrorLogLength;
        using var http = new Http(s.BaseUrl, TimeSpan.FromSeconds(30), keepAlive: false);
        Assert.Equal(200, (await http.GetAsync("/fine/", "alice", "secret")).Status);
        // Compiled before the clock starts: the bounds below are about the deadline, not Roslyn.
        Assert.Equal(200, (await http.GetAsync("/hung/", "ok", "ok-password")).Status);

        const int hungCount = 12;
        var hung = Enumerable.Range(0, hungCount).Select(async i =>
        {
            var watch = Stopwatch.StartNew();
            var r = await http.GetAsync("/hung/", $"hung{i}", "hung-password-visible");
            return (r.Status, watch.Elapsed);
        }).ToArray();
        // Other users are served while the hung calls wait for their deadline.
        var servedWatch = Stopwatch.StartNew();
        for (var i = 0; i < 10; i++)
        {
            var ok = await http.GetAsync("/hung/", "ok", "ok-password");
            Assert.True(ok.Status == 200, ok + "\n" + s.ErrorLogSince(mark));
        }
        Assert.True(servedWatch.Elapsed < TimeSpan.FromSeconds(20), $"other users waited {servedWatch.Elapsed}");
        foreach (var (status, elapsed) in await Task.WhenAll(hung))
        {
            Assert.True(status == 500, $"hung request: {status}\n{s.ErrorLogSince(mark)}");
            Assert.True(elapsed > TimeSpan.FromSeconds(1.5) && elapsed < TimeSpan.FromSeconds(20), $"answered after {elapsed}");
        }

        Assert.True(await s.WaitForErrorLogAsync("DOTNET0219", TimeSpan.FromSeconds(5), mark), s.ErrorLogSince(mark));
        var log = s.ErrorLogSince(mark);
        Assert.Contains("DOTNET0206", log);
        Assert.Matches(@"DOTNET0219: .*CheckPassword, user 'hung\d+'", log);
        Assert.DoesNotContain("hung-password-visible", log);
        // A quarter of a child's workers stuck: the child (prefork) or the server (event) is replaced gracefully.
        Assert.True(await s.WaitForErrorLogAsync(mpm == "prefork" ? "exits gracefully" : "graceful restart", TimeSpan.FromSeconds(10), mark), s.ErrorLogSince(mark));
        if (mpm != "prefork")
        {
            // The child cannot signal the root parent; the parent reads the child's request from
            // its pipe in the monitor hook (about every 10 s) and really restarts.
            Assert.True(await s.WaitForErrorLogAsync("DOTNET0242", TimeSpan.FromSeconds(25), mark), s.ErrorLogSince(mark));
            Assert.True(await s.WaitForErrorLogAsync("AH00493", TimeSpan.FromSeconds(10), mark), s.ErrorLogSince(mark)); // "SIGUSR1 received.  Doing graceful restart"
            Assert.DoesNotContain("cannot ask the parent", s.ErrorLogSince(mark));
        }

        // Healthy after: the parent lives, nothing crashed, and requests keep being answered.
        await Task.Delay(TimeSpan.FromSeconds(2));
        for (var i = 0; i < 10; i++)
        {
            var after = await http.GetAsync("/fine/", "alice", "secret");
            Assert.True(after.Status == 200, after + "\n" + s.ErrorLogSince(mark));
        }
        Assert.True(s.ParentAlive, s.ErrorLogSince(mark));
        Assert.DoesNotMatch(Crash, s.ErrorLogSince(mark));
    }
}
