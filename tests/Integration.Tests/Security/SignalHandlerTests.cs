using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.Security;

/// <summary>
/// DESIGN's hosting rule: Apache's handlers for its control signals are in place whenever Apache
/// code runs, whatever managed code installs. A hook that registers .NET's handling of SIGTERM,
/// SIGINT, SIGQUIT, SIGHUP, SIGUSR1 and SIGWINCH (and Console.CancelKeyPress) must leave a child
/// that still restarts gracefully and stops at once on Apache's signals. The guard after each
/// call skips the kernel when the runtime's libraries installed nothing (dotnet_signal_watch.c),
/// so this is also the test that their installs are counted.
/// </summary>
public sealed class SignalHandlerTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task A_hook_that_registers_signal_handlers_leaves_Apaches_restart_and_stop_working(string mpm)
    {
        RepoPaths.RequireModule();
        var s = new ApacheServer(mpm, new ApacheOptions { Cgid = false, AuthDebug = false });
        try
        {
            s.AddPage("sig");
            s.AddPage("sig-inline");
            var script = s.InstallScript("SignalRegistering.cs");
            s.Configure(Conf.BasicLocation("/sig/", Conf.Script(script, "sig")) +
                        Conf.BasicLocation("/sig-inline/", Conf.Script(script, "sig"), extra: "DotNetHookTimeout 0"));
            await s.StartAsync();

            await ServeOnEveryChildAsync(s);
            var before = s.ChildPids();
            s.Graceful();
            var replaced = await TestRun.WaitUntilAsync(() => !before.Intersect(s.ChildPids()).Any() && s.ChildPids().Count > 0,
                TimeSpan.FromSeconds(10));
            Assert.True(replaced, $"children {string.Join(",", before)} still there 10 s after a graceful restart: " +
                                  $"{string.Join(",", s.ChildPids())}\n{Tail(s)}");

            await ServeOnEveryChildAsync(s);
            var parent = s.ParentPid;
            var children = s.ChildPids();
            var took = await s.StopAsync(TimeSpan.FromSeconds(10));
            output.WriteLine($"{mpm}: stop took {took.TotalMilliseconds:F0} ms");
            Assert.True(ApacheServer.IsGone(parent), "the parent survived SIGTERM");
            Assert.True(await TestRun.WaitUntilAsync(() => children.All(ApacheServer.IsGone), TimeSpan.FromSeconds(5)), "children survived the stop");
            // Apache escalates to SIGKILL (and says so) for a child that ignores its SIGTERM.
            Assert.True(took < TimeSpan.FromSeconds(3), $"stop took {took}\n{Tail(s)}");
            Assert.DoesNotContain("did not exit", s.ErrorLog);
            Assert.DoesNotContain("exit signal", s.ErrorLog);
        }
        finally
        {
            await s.DisposeAsync();
        }
    }

    /// <summary>80 requests on fresh connections over both locations, so that the children run
    /// the hook both inline and on a hook thread.</summary>
    private static async Task ServeOnEveryChildAsync(ApacheServer s)
    {
        using var http = new Http(s.BaseUrl, TimeSpan.FromSeconds(30), keepAlive: false);
        for (var i = 0; i < 40; i++)
        {
            foreach (var path in new[] { "/sig/", "/sig-inline/" })
            {
                var r = await http.GetAsync(path, "alice", "secret");
                Assert.True(r.Status == 200, r + "\n" + Tail(s));
            }
        }
    }

    private static string Tail(ApacheServer s) => s.ErrorLog[^Math.Min(3000, s.ErrorLog.Length)..];
}
