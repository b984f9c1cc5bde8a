using System.Collections.Concurrent;
using AccessHooks.Host.Interop;
using AccessHooks.Host.Logging;

namespace AccessHooks.Host.Hooks;

/// <summary>
/// Hooks still running after their deadline, each on its own abandoned <see cref="HookThread"/>.
/// Each is logged when abandoned and again every <see cref="ReportInterval"/> while it stays
/// stuck (DOTNET0219: script, phase, user; never the password). When they hold as many threads as
/// a quarter of the child's workers, the module is asked to replace the child gracefully.
/// </summary>
internal static unsafe class StuckCalls
{
    private sealed record Entry(string Source, string Phase, string? User, long Since);

    private static readonly ConcurrentDictionary<HookJob, Entry> s_stuck = new();
    private static int s_workerThreads = 1;
    private static Timer? s_timer;

    /// <summary>Internal so tests can shorten it.</summary>
    internal static TimeSpan ReportInterval { get; set; } = TimeSpan.FromSeconds(10);

    public static int Count => s_stuck.Count;

    public static void Configure(int workerThreads)
    {
        s_workerThreads = Math.Max(1, workerThreads);
    }

    public static void Add(HookJob job, string source, string phase, string? user, int timeoutMs)
    {
        s_stuck[job] = new Entry(source, phase, user, Environment.TickCount64 - timeoutMs);
        ApacheLog.Server(ApacheLevel.Error, ErrorCode.HookStuck,
            $"{source} ({phase}{Describe(user)}) is still running at its {timeoutMs} ms deadline; the request was answered 500 and the hook keeps its own thread until it returns ({s_stuck.Count} stuck in this process)");
        var timer = Volatile.Read(ref s_timer);
        if (timer is null)
        {
            timer = new Timer(static _ => Report(), null, Timeout.Infinite, Timeout.Infinite);
            if (Interlocked.CompareExchange(ref s_timer, timer, null) is null)
                timer.Change(ReportInterval, ReportInterval);
            else
                timer.Dispose();
        }
        if (s_stuck.Count * 4 >= s_workerThreads)
            ChildRecycle.Request(ErrorCode.HookStuck,
                $"{s_stuck.Count} hook calls are stuck past their deadline, a quarter or more of this child's {s_workerThreads} worker threads");
    }

    public static void Remove(HookJob job)
    {
        if (s_stuck.TryRemove(job, out var entry))
        {
            ApacheLog.Server(ApacheLevel.Warning, ErrorCode.HookStuck,
                $"{entry.Source} ({entry.Phase}{Describe(entry.User)}) returned after {(Environment.TickCount64 - entry.Since) / 1000.0:F1} s; its answer was discarded");
        }
    }

    private static void Report()
    {
        var now = Environment.TickCount64;
        foreach (var (_, entry) in s_stuck)
        {
            ApacheLog.Server(ApacheLevel.Error, ErrorCode.HookStuck,
                $"{entry.Source} ({entry.Phase}{Describe(entry.User)}) is still stuck after {(now - entry.Since) / 1000} s");
        }
    }

    private static string Describe(string? user) => user is null ? string.Empty : $", user '{user}'";
}
