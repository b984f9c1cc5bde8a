using AccessHooks.Host.Tests.Infrastructure;

namespace AccessHooks.Host.Tests;

public sealed class LoggingTests : IDisposable
{
    private readonly ScriptDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void LinesFromOtherThreadsReachTheRequestLogOnTheWorkerThread()
    {
        var marker = Guid.NewGuid().ToString("N");
        var path = _dir.Write("log.cs", $$"""
            using Microsoft.Extensions.Logging;
            public static class Auth
            {
                public static async Task<bool> CheckPassword(HookRequest r, string u, string p)
                {
                    r.Logger.LogInformation("before {{marker}}");
                    await Task.Delay(20).ConfigureAwait(false);
                    r.Logger.LogWarning("after-await {{marker}}");
                    await Task.Run(() => r.Logger.LogError("pool {{marker}}"));
                    r.Logger.LogDebug("last {{marker}}");
                    return true;
                }
            }
            """);
        var invoker = new HookInvoker(path) { TimeoutMs = 5000 };
        var worker = Environment.CurrentManagedThreadId;
        var result = invoker.CheckPassword("alice", "x");
        Assert.True(result.Ok, result.Log);
        var lines = result.Lines.Where(line => line.Message.Contains(marker)).ToList();
        Assert.Equal(["before", "after-await", "pool", "last"], lines.Select(line => line.Message.Split(' ')[0]));
        Assert.All(lines, line => Assert.Equal(worker, line.ThreadId));
        Assert.All(lines, line => Assert.Equal(211, line.Code));
        Assert.Equal([6, 4, 3, 7], lines.Select(line => line.Level));
    }

    [Fact]
    public void LinesAfterTheCallEndedGoToTheServerLog()
    {
        var marker = Guid.NewGuid().ToString("N");
        var path = _dir.Write("late.cs", $$"""
            using Microsoft.Extensions.Logging;
            public static class Auth
            {
                public static bool CheckPassword(HookRequest r, string u, string p)
                {
                    _ = Task.Run(async () => { await Task.Delay(100); r.Logger.LogWarning("late {{marker}}"); });
                    return true;
                }
            }
            """);
        var result = new HookInvoker(path).CheckPassword("alice", "x");
        Assert.True(result.Ok, result.Log);
        Assert.True(SpinWait.SpinUntil(() => TestLog.Server("late " + marker).Count == 1, 5000));
        Assert.DoesNotContain(result.Lines, line => line.Message.Contains(marker));
    }

    [Fact]
    public void ExceptionsLoggedByScriptsCarryTheirStackTrace()
    {
        var path = _dir.Write("ex.cs", """
            using Microsoft.Extensions.Logging;
            public static class Auth
            {
                public static bool? CheckPassword(HookRequest r, string u, string p)
                {
                    try { throw new FormatException("bad entry"); }
                    catch (Exception e) { r.Logger.LogError(e, "lookup failed"); return null; }
                }
            }
            """);
        var result = new HookInvoker(path).CheckPassword("alice", "x");
        Assert.Equal(2, result.Outcome);
        Assert.Contains(result.Lines, line => line.Message == "lookup failed");
        Assert.Contains(result.Lines, line => line.Message.Contains("System.FormatException: bad entry"));
    }

    [Fact]
    public void FailedFireAndForgetTasksAreLogged()
    {
        var marker = Guid.NewGuid().ToString("N");
        var path = _dir.Write("orphan.cs", $$"""
            public static class Auth
            {
                public static bool CheckPassword(HookRequest r, string u, string p)
                {
                    _ = Task.Run(() => throw new InvalidOperationException("orphan-{{marker}}"));
                    return true;
                }
            }
            """);
        Assert.Equal(1, new HookInvoker(path).CheckPassword("alice", "x").Outcome);
        Assert.True(SpinWait.SpinUntil(() =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return TestLog.Server("orphan-" + marker).Count > 0;
        }, 10_000));
    }
}
