using System.Runtime.InteropServices;
using AccessHooks.Host.Interop;

namespace AccessHooks.Host.Hooks;

/// <summary>
/// An auto-resetting wake-up between exactly one waiter and any number of setters, on a raw
/// futex word. The hand-over between an Apache worker and its hook thread happens on every
/// call, and ManualResetEventSlim's lock, condition and spinning cost several times more there
/// (measured: 0.67 of inline throughput under wrk on 2 cores, against ~0.9 with this).
/// The word lives in native memory (a futex needs a fixed address); one event lives as long
/// as its thread, so it is never freed.
/// </summary>
internal sealed unsafe class WakeEvent
{
    [ThreadStatic]
    private static WakeEvent? t_forThread;

    private readonly int* _word = (int*)NativeMemory.AllocZeroed(sizeof(int));

    /// <summary>The calling thread's own event: a worker waits on it for its hook and its log lines.</summary>
    public static WakeEvent ForCurrentThread() => t_forThread ??= new WakeEvent();

    /// <summary>Wakes the waiter (now, or its next Wait returns at once).</summary>
    public void Set()
    {
        if (Interlocked.Exchange(ref *_word, 1) == 0)
            LibC.FutexWake(_word);
    }

    /// <summary>Waits until Set or the timeout (ms, -1 = none); consumes the wake-up. False on timeout.</summary>
    public bool Wait(int timeoutMs)
    {
        var deadline = timeoutMs < 0 ? long.MaxValue : Environment.TickCount64 + timeoutMs;
        while (Interlocked.Exchange(ref *_word, 0) == 0)
        {
            var remaining = deadline == long.MaxValue ? -1 : deadline - Environment.TickCount64;
            if (deadline != long.MaxValue && remaining <= 0)
                return false;
            LibC.FutexWait(_word, 0, remaining);
        }
        return true;
    }
}
