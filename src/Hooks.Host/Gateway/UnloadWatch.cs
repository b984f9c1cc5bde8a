using System.Runtime.Loader;
using AccessHooks.Host.Interop;
using AccessHooks.Host.Logging;

namespace AccessHooks.Host.Gateway;

/// <summary>
/// Follows the load contexts of retired app generations until they are collected. An unload
/// completes only when nothing outside the context still references it (a static of a shared
/// library holding one of the app's types, an event subscription, a thread the app left
/// running). One that is still alive after <see cref="Limit"/> is logged (DOTNET0241) and the
/// child is replaced gracefully, so that reloads cannot pile up dead apps in a child.
/// </summary>
internal static class UnloadWatch
{
    private sealed record Entry(WeakReference Context, string What, long Since);

    private static readonly List<Entry> s_pending = new();
    private static Timer? s_timer;

    internal static TimeSpan Limit { get; set; } = TimeSpan.FromSeconds(30);

    public static int Pending
    {
        get
        {
            lock (s_pending)
                return s_pending.Count;
        }
    }

    public static void Watch(AssemblyLoadContext context, string what)
    {
        lock (s_pending)
        {
            s_pending.Add(new Entry(new WeakReference(context), what, Environment.TickCount64));
            s_timer ??= new Timer(static _ => Check(), null, Timeout.Infinite, Timeout.Infinite);
            if (s_pending.Count == 1)
                s_timer.Change(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1));
        }
    }

    private static void Check()
    {
        // One full collection a second, and only while an unload is pending (after a reload).
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        List<Entry> stuck = new();
        lock (s_pending)
        {
            var now = Environment.TickCount64;
            s_pending.RemoveAll(e =>
            {
                if (!e.Context.IsAlive)
                    return true;
                if (now - e.Since < (long)Limit.TotalMilliseconds)
                    return false;
                stuck.Add(e);
                return true;
            });
            if (s_pending.Count == 0)
                s_timer?.Change(Timeout.Infinite, Timeout.Infinite);
        }
        foreach (var e in stuck)
        {
            var reason = $"{e.What}: its load context did not unload within {Limit.TotalSeconds} s of being stopped (something outside the app still references it)";
            ApacheLog.Server(ApacheLevel.Warning, ErrorCode.AppUnloadIncomplete,
                reason + (ChildRecycle.Request(ErrorCode.AppUnloadIncomplete, reason) ? "; this child is replaced gracefully" : ""));
        }
    }
}
