using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using AccessHooks.Host.Tests.Infrastructure;

namespace AccessHooks.Host.Tests;

public sealed class ReloadTests : IDisposable
{
    private readonly ScriptDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Version(string name, string marker, int delayMs = 0) => $$"""
        // {{marker}}
        public static class Auth
        {
            public static async Task<string> CheckPassword(HookRequest r, string u, string p)
            {
                if ({{delayMs}} > 0) await Task.Delay({{delayMs}});
                return "{{name}}";
            }
        }
        """;

    private static void Touch(string path, int step) =>
        File.SetLastWriteTimeUtc(path, new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(step));

    [Fact]
    public void ChangedScriptIsReloadedAndLogged()
    {
        var marker = Guid.NewGuid().ToString("N");
        var path = _dir.Write("auth.cs", Version("v1", marker));
        var invoker = new HookInvoker(path) { TimeoutMs = 5000 };
        Assert.Equal("v1", invoker.CheckPassword("u", "p").Text);
        File.WriteAllText(path, Version("v2", marker));
        Touch(path, 1);
        var reloaded = invoker.CheckPassword("u", "p");
        Assert.Equal("v2", reloaded.Text);
        Assert.Contains(reloaded.Lines, line => line.Code == 215 && line.Level == 6 && line.Message.Contains(path));
    }

    [Fact]
    public void WithoutCheckReloadTheOldVersionStays()
    {
        var marker = Guid.NewGuid().ToString("N");
        var path = _dir.Write("auth.cs", Version("v1", marker));
        var invoker = new HookInvoker(path) { CheckReload = false, TimeoutMs = 5000 };
        Assert.Equal("v1", invoker.CheckPassword("u", "p").Text);
        File.WriteAllText(path, Version("v2", marker));
        Touch(path, 1);
        Assert.Equal("v1", invoker.CheckPassword("u", "p").Text);
    }

    [Fact]
    public async Task CallsInFlightFinishOnTheOldGeneration()
    {
        var marker = Guid.NewGuid().ToString("N");
        var path = _dir.Write("auth.cs", Version("old", marker, delayMs: 500));
        var group = "inflight-" + marker;
        var slow = new HookInvoker(path, group) { TimeoutMs = 10_000 };
        slow.Preload();
        var inFlight = Task.Factory.StartNew(() => slow.CheckPassword("u", "p"), TaskCreationOptions.LongRunning);
        Thread.Sleep(100);
        File.WriteAllText(path, Version("new", marker));
        Touch(path, 1);
        Assert.Equal("new", new HookInvoker(path, group) { TimeoutMs = 10_000 }.CheckPassword("u", "p").Text);
        Assert.Equal("old", (await inFlight).Text);
    }

    [Fact]
    public void CompileErrorIsRetriedOnTheNextChange()
    {
        var marker = Guid.NewGuid().ToString("N");
        var path = _dir.Write("auth.cs", "// " + marker + "\npublic static class Auth { oops }");
        var invoker = new HookInvoker(path) { TimeoutMs = 5000 };
        Assert.Equal(201, invoker.CheckPassword("u", "p").Error);
        Assert.Equal(201, invoker.CheckPassword("u", "p").Error);
        File.WriteAllText(path, Version("fixed", marker));
        Touch(path, 1);
        Assert.Equal("fixed", invoker.CheckPassword("u", "p").Text);
    }

    [Fact]
    public void AThousandReloadsStayBounded()
    {
        var marker = Guid.NewGuid().ToString("N");
        var group = "reload1000-" + marker;
        var versions = new[] { Version("A", marker), Version("B", marker) };
        var path = _dir.Write("auth.cs", versions[0]);
        Touch(path, 0);
        var invoker = new HookInvoker(path, group);
        Assert.Equal("A", invoker.CheckPassword("u", "p").Text);
        var retired = new List<WeakReference> { WeakContext(group)! };
        Assert.True(retired[0] is not null);

        long heapAfterWarmup = 0;
        for (var i = 1; i <= 1000; i++)
        {
            File.WriteAllText(path, versions[i % 2]);
            Touch(path, i);
            var result = invoker.CheckPassword("u", "p");
            Assert.True(i % 2 == 0 ? result.Text == "A" : result.Text == "B", result.Log);
            if (i == 100)
                heapAfterWarmup = SettledHeap();
            if (i % 50 == 0 && i < 1000)
                retired.Add(WeakContext(group)!);
        }

        // Every replaced generation's context is collected, not just unloaded.
        Assert.True(SpinWait.SpinUntil(() =>
        {
            Collect();
            return retired.All(context => !context.IsAlive) && LiveContexts(group) <= 1;
        }, TimeSpan.FromSeconds(30)), $"alive: {retired.Count(context => context.IsAlive)} of {retired.Count} sampled old contexts; current: {LiveContexts(group)}");

        // Generations are collected, not accumulated: the heap after 1,000 reloads is about
        // where it was after 100 (a leak of one generation per reload would be tens of MB).
        var growth = SettledHeap() - heapAfterWarmup;
        Assert.True(growth < 16 * 1024 * 1024, $"managed heap grew by {growth / 1024} KiB over 900 reloads");
    }

    [Fact]
    public async Task ConcurrentCallsDuringReloadsAlwaysGetAnAnswer()
    {
        var marker = Guid.NewGuid().ToString("N");
        var group = "concurrent-" + marker;
        var versions = new[] { Version("A", marker), Version("B", marker) };
        var path = _dir.Write("auth.cs", versions[0]);
        Touch(path, 0);
        Assert.Equal("A", new HookInvoker(path, group).CheckPassword("u", "p").Text);
        using var stop = new CancellationTokenSource();
        var callers = Enumerable.Range(0, 3).Select(_ => Task.Factory.StartNew(() =>
        {
            var invoker = new HookInvoker(path, group) { TimeoutMs = 10_000 };
            var calls = 0;
            while (!stop.IsCancellationRequested)
            {
                var result = invoker.CheckPassword("u", "p");
                Assert.True(result.Ok && result.Text is "A" or "B", result.Log);
                calls++;
            }
            return calls;
        }, TaskCreationOptions.LongRunning)).ToArray();
        for (var i = 1; i <= 40; i++)
        {
            // Replaced the way deployment tools do it (write aside, rename over): a reader never
            // sees a half-written file. An in-place rewrite can be read torn; the next mtime
            // change then heals it, but calls in between would see the torn version.
            var temp = path + ".tmp";
            File.WriteAllText(temp, versions[i % 2]);
            Touch(temp, i);
            File.Move(temp, path, overwrite: true);
            await Task.Delay(10);
        }
        stop.Cancel();
        var total = (await Task.WhenAll(callers)).Sum();
        Assert.True(total > 0);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference? WeakContext(string group)
    {
        foreach (var context in AssemblyLoadContext.All)
        {
            if (context.Name is { } name && name.StartsWith("AccessHooks script", StringComparison.Ordinal) && name.Contains(group, StringComparison.Ordinal))
                return new WeakReference(context);
        }
        return null;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int LiveContexts(string group)
    {
        var count = 0;
        foreach (var context in AssemblyLoadContext.All)
        {
            if (context.Name is { } name && name.StartsWith("AccessHooks script", StringComparison.Ordinal) && name.Contains(group, StringComparison.Ordinal))
                count++;
        }
        return count;
    }

    private static long SettledHeap()
    {
        for (var i = 0; i < 3; i++)
        {
            Thread.Sleep(50);   // retiring generations unload on the thread pool
            Collect();
        }
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
