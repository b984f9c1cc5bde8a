using AccessHooks.Host.Logging;

namespace AccessHooks.Host.Hooks;

internal enum RunStatus
{
    Completed,
    Faulted,
    /// <summary>The hook did not answer by the deadline; it was cancelled and left to end on its own.</summary>
    TimedOut,
}

/// <summary>
/// Runs one hook for the calling Apache worker. With a time limit (DotNetHookTimeout, the
/// default) the hook runs on the worker's <see cref="HookThread"/> while the worker waits with
/// the deadline, pumping log lines the hook writes; so a hook that never returns, synchronous or
/// not, is answered 500 at the deadline and keeps only its own thread (see docs/internals.md).
/// Without a limit (DotNetHookTimeout 0) it runs inline on the worker: there is no deadline to keep.
/// A hook that cannot block (<see cref="HookSlot{TResult}.RunsInline"/>: the bundled file
/// providers) also runs inline, and the deadline covers the part it runs asynchronously.
/// </summary>
internal static class HookRunner
{
    /// <param name="stillRunning">Set when the hook was abandoned at its deadline: the caller keeps its
    /// generation alive until this task ends.</param>
    public static RunStatus Run<TResult>(HookFn<TResult> fn, bool runsInline, HookRequest request, string arg1, string arg2, int timeoutMs,
        CallLog log, in StuckCallInfo info, out TResult? value, out Exception? error, out Task? stillRunning)
    {
        value = default;
        error = null;
        stillRunning = null;
        if (timeoutMs <= 0)
            return RunInline(fn, request, arg1, arg2, null, long.MaxValue, log, out value, out error, out _);
        if (runsInline)
        {
            return RunInline(fn, request, arg1, arg2, new CancellationTokenSource(), Environment.TickCount64 + timeoutMs, log,
                out value, out error, out stillRunning);
        }

        // The source is never disposed: a script may keep the token, and without CancelAfter it holds no timer.
        var cancellation = new CancellationTokenSource();
        var deadline = Environment.TickCount64 + timeoutMs;
        var job = new HookJob<TResult>(fn, request, arg1, arg2, cancellation.Token, log.Signal);
        HookThread.ForCurrentWorker().Post(job);
        if (!WaitPumping(static job => ((HookJob)job!).HasReturned, job, deadline, log) && job.TryAbandon(out var finished))
        {
            HookThread.AbandonCurrent();
            Cancel(cancellation);
            StuckCalls.Add(job, info.Source, info.Phase, info.User, timeoutMs);
            stillRunning = finished;
            return RunStatus.TimedOut;
        }
        if (job.Exception is { } thrown)
        {
            error = thrown;
            return RunStatus.Faulted;
        }
        var pending = job.Pending;
        if (pending.IsCompletedSuccessfully)
        {
            value = pending.Result;
            return RunStatus.Completed;
        }
        return Await(pending.AsTask(), cancellation, deadline, log, out value, out error, out stillRunning);
    }

    /// <summary>On the worker; a hook that goes asynchronous is awaited until the deadline (none: <see cref="long.MaxValue"/>).</summary>
    private static RunStatus RunInline<TResult>(HookFn<TResult> fn, HookRequest request, string arg1, string arg2,
        CancellationTokenSource? cancellation, long deadline, CallLog log, out TResult? value, out Exception? error, out Task? stillRunning)
    {
        value = default;
        error = null;
        stillRunning = null;
        ValueTask<TResult> pending;
        try
        {
            pending = fn(request, arg1, arg2, cancellation?.Token ?? CancellationToken.None);
        }
        catch (Exception e)
        {
            error = e;
            return RunStatus.Faulted;
        }
        if (pending.IsCompletedSuccessfully)
        {
            value = pending.Result;
            return RunStatus.Completed;
        }
        return Await(pending.AsTask(), cancellation, deadline, log, out value, out error, out stillRunning);
    }

    /// <summary>An asynchronous hook: the worker waits for its task until the deadline, pumping log lines.</summary>
    private static RunStatus Await<TResult>(Task<TResult> task, CancellationTokenSource? cancellation, long deadline, CallLog log,
        out TResult? value, out Exception? error, out Task? stillRunning)
    {
        value = default;
        error = null;
        stillRunning = null;
        task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(log.Signal.Set);
        if (!WaitPumping(static task => ((Task)task!).IsCompleted, task, deadline, log))
        {
            Cancel(cancellation!);
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

    private static void Cancel(CancellationTokenSource cancellation)
    {
        try
        {
            cancellation.Cancel();
        }
        catch (AggregateException)
        {
            // A script's cancellation callback threw; the call has timed out either way.
        }
    }

    /// <summary>Waits until <paramref name="done"/> or the deadline (false), writing queued log lines meanwhile.</summary>
    private static bool WaitPumping(Func<object?, bool> done, object state, long deadline, CallLog log)
    {
        var signal = log.Signal;
        while (true)
        {
            log.Pump();
            if (done(state))
                return true;
            var wait = Timeout.Infinite;
            if (deadline != long.MaxValue)
            {
                var remaining = deadline - Environment.TickCount64;
                if (remaining <= 0)
                    return false;
                wait = (int)Math.Min(remaining, int.MaxValue);
            }
            // Auto-reset: a completion or a line after the look above makes this return at once.
            signal.Wait(wait);
        }
    }
}

/// <summary>What a stuck call is logged as: script, phase and user (never the password).</summary>
internal readonly record struct StuckCallInfo(string Source, string Phase, string? User);
