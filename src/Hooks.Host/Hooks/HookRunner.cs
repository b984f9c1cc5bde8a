using AccessHooks.Host.Logging;

namespace AccessHooks.Host.Hooks;

internal enum RunStatus
{
    Completed,
    Faulted,
    /// <summary>An asynchronous hook did not complete by the deadline; it was cancelled.</summary>
    TimedOut,
    /// <summary>A synchronous hook answered, but after the deadline: its answer was discarded.</summary>
    Overran,
}

/// <summary>
/// Runs one hook on the calling (Apache worker) thread. A hook that answers synchronously costs a
/// delegate call and two tick reads; one that does not is waited for while the worker pumps log
/// lines written by continuations on other threads, until it completes or timeout_ms passes.
/// A synchronous hook cannot be interrupted, so the limit is enforced after the fact: an answer
/// that arrives later than timeout_ms is discarded and the call fails closed like a timeout.
/// </summary>
internal static class HookRunner
{
    /// <param name="stillRunning">Set when the hook was abandoned at its deadline: the caller keeps its
    /// generation alive until this task ends.</param>
    public static RunStatus Run<TResult>(HookFn<TResult> fn, HookRequest request, string arg1, string arg2, int timeoutMs,
        CallLog log, out TResult? value, out Exception? error, out long overrunMs, out Task? stillRunning)
    {
        value = default;
        error = null;
        overrunMs = 0;
        stillRunning = null;
        // Only a hook with a time limit gets a cancellable token. The source is never disposed: a
        // script may keep the token, and without CancelAfter the source holds no timer or handle.
        var cancellation = timeoutMs > 0 ? new CancellationTokenSource() : null;
        // Environment.TickCount64 is a vDSO clock read; the inline path pays two of them.
        var started = Environment.TickCount64;
        ValueTask<TResult> pending;
        try
        {
            pending = fn(request, arg1, arg2, cancellation?.Token ?? CancellationToken.None);
        }
        catch (Exception e)
        {
            if (Overran(started, timeoutMs, out overrunMs))
                return RunStatus.Overran;
            error = e;
            return RunStatus.Faulted;
        }

        if (pending.IsCompletedSuccessfully)
        {
            if (Overran(started, timeoutMs, out overrunMs))
                return RunStatus.Overran;
            value = pending.Result;
            return RunStatus.Completed;
        }

        // The hook went asynchronous, but the time its synchronous part took counts too.
        if (timeoutMs > 0)
            timeoutMs = (int)Math.Max(1, timeoutMs - (Environment.TickCount64 - started));

        var task = pending.AsTask();
        if (!WaitPumping(task, timeoutMs, log))
        {
            try
            {
                cancellation!.Cancel();
            }
            catch (AggregateException)
            {
                // A script's cancellation callback threw; the call has timed out either way.
            }
            stillRunning = task;
            return RunStatus.TimedOut;
        }

        try
        {
            value = task.GetAwaiter().GetResult();
            return RunStatus.Completed;
        }
        catch (Exception e)
        {
            error = e;
            return RunStatus.Faulted;
        }
    }

    /// <summary>Whether a hook that ran inline took longer than the limit, and by how much.</summary>
    private static bool Overran(long started, int timeoutMs, out long overrunMs)
    {
        overrunMs = 0;
        if (timeoutMs <= 0)
            return false;
        var elapsed = Environment.TickCount64 - started;
        if (elapsed <= timeoutMs)
            return false;
        overrunMs = elapsed - timeoutMs;
        return true;
    }

    /// <returns>false on timeout.</returns>
    private static bool WaitPumping(Task task, int timeoutMs, CallLog log)
    {
        var signal = log.Signal;
        task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(signal.Set);
        var deadline = timeoutMs > 0 ? Environment.TickCount64 + timeoutMs : long.MaxValue;
        while (true)
        {
            // Reset before looking, so a completion or a log line after the look wakes the wait.
            signal.Reset();
            log.Pump();
            if (task.IsCompleted)
                return true;
            var wait = Timeout.Infinite;
            if (timeoutMs > 0)
            {
                var remaining = deadline - Environment.TickCount64;
                if (remaining <= 0)
                    return false;
                wait = (int)Math.Min(remaining, int.MaxValue);
            }
            signal.Wait(wait);
        }
    }
}
