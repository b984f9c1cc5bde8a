using AccessHooks.Host.Groups;
using AccessHooks.Host.Interop;
using AccessHooks.Host.Logging;

namespace AccessHooks.Host.Hooks;

/// <summary>
/// The one path every bridge call of a hook phase takes: check the user name, find the script's
/// generation, run its bound hook within DotNetHookTimeout, translate the answer to
/// ah_hook_result while the generation is still held, and release the lease in exactly one place.
/// Every failure is logged under the code it returns, with the request as log context; the
/// native side only maps the code to a status. A password is handed to the script and masked in
/// every line logged during the call.
/// </summary>
internal static unsafe class HookCallPath
{
    /// <summary>Turns the script's answer into the result; runs inside the lease.</summary>
    public delegate int Translate<TResult>(TResult? value, string source, object? state, CallLog log, HookResult* result);

    public static int Run<TResult>(Phase<TResult> phase, HookCall* call, string arg1, string arg2, HookResult* result,
        int refusedOutcome, Translate<TResult> translate, object? state = null)
    {
        Bridge.Clear(result);
        var secret = phase.SecondArgumentIsSecret && arg2.Length > 0 ? arg2 : null;
        var log = new CallLog(call->LogCtx, secret);
        if (secret is not null)
            LogMask.Enter(secret);
        var leased = false;
        Lease lease = default;
        Task? stillRunning = null;
        try
        {
            if (phase.TakesUser && !UserNameRule.IsAcceptable(arg1))
            {
                // The module refuses these before calling (401); a caller that did not is answered the same way.
                log.Write(ApacheLevel.Warning, arg1.Length == 0 ? ErrorCode.EmptyUser : ErrorCode.BadUserName,
                    $"{(arg1.Length == 0 ? "empty user name" : "user name with control characters")} refused; {phase.Name} was not called");
                result->Outcome = refusedOutcome;
                return Bridge.CallOk;
            }
            if (!Acquire(call, log, result, out var groupName, out lease))
                return Bridge.CallError;
            leased = true;
            var slot = phase.Slot(lease.Unit);
            if (slot?.Fn is null)
                return Unusable(slot, phase, lease.Unit, log, result);

            var request = slot.ReadsRequest ? RequestBuilder.Build(call, groupName, log) : RequestBuilder.Empty(log);
            var info = new StuckCallInfo(slot.Source!, phase.Name, phase.TakesUser ? arg1 : null);
            var status = HookRunner.Run(slot.Fn, slot.RunsInline, request, arg1, arg2, call->TimeoutMs, log, info, out var value, out var error, out stillRunning);
            if (status != RunStatus.Completed)
                return Failed(status, error, slot.Source, call->TimeoutMs, log, result);
            try
            {
                return translate(value, slot.Source!, state, log, result);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return Failed(RunStatus.Faulted, e, slot.Source, call->TimeoutMs, log, result);
            }
        }
        finally
        {
            if (leased)
                lease.Release(stillRunning);
            log.Complete();
            if (secret is not null)
                LogMask.Exit();
        }
    }

    /// <summary>DotNetImportScript: load (compile if needed) the script now.</summary>
    public static int Preload(HookCall* call, HookResult* result)
    {
        Bridge.Clear(result);
        var log = new CallLog(call->LogCtx, null);
        try
        {
            if (!Acquire(call, log, result, out _, out var lease))
                return Bridge.CallError;
            lease.Release(null);
            return Bridge.CallOk;
        }
        finally
        {
            log.Complete();
        }
    }

    public static int Fail(HookResult* result, CallLog log, ErrorCode code, string message)
    {
        log.Write(ApacheLevel.Error, code, message);
        result->Outcome = 0;
        result->ErrorCode = (int)code;
        return Bridge.CallError;
    }

    /// <summary>The script's current generation (loading, compiling or reloading it as needed); false with the error logged.</summary>
    private static bool Acquire(HookCall* call, CallLog log, HookResult* result, out string groupName, out Lease lease)
    {
        lease = default;
        groupName = StringCache.Get(call->ApplicationGroup);
        var path = StringCache.Get(call->ScriptPath);
        if (path.Length == 0)
        {
            Fail(result, log, ErrorCode.ScriptNotFound, "no script path was given for this hook");
            return false;
        }
        var group = GroupRegistry.Get(groupName);
        if (group is null || !group.TryAcquire(path, call->CheckReload != 0, log, out lease))
        {
            Fail(result, log, ErrorCode.InternalError, "the managed host is shutting down; the hook was not run");
            return false;
        }
        var unit = lease.Unit;
        if (unit.LoadError != ErrorCode.None)
        {
            lease.Release(null);
            lease = default;
            Fail(result, log, unit.LoadError, unit.LoadMessage ?? $"script '{path}' failed to load");
            return false;
        }
        return true;
    }

    private static int Unusable<TResult>(HookSlot<TResult>? slot, Phase<TResult> phase, ScriptUnit unit, CallLog log, HookResult* result)
    {
        if (slot is null)
        {
            return Fail(result, log, ErrorCode.MissingFunction,
                $"script '{unit.Path}' has no public static {phase.Name} method in a public static class and registers no {phase.ServiceName} service");
        }
        return Fail(result, log, slot.Error, slot.Message ?? $"{phase.Name} in '{unit.Path}' cannot be called");
    }

    private static int Failed(RunStatus status, Exception? error, string? source, int timeoutMs, CallLog log, HookResult* result)
    {
        if (status == RunStatus.TimedOut)
            return Fail(result, log, ErrorCode.HookTimeout, $"{source} did not answer within {timeoutMs} ms (DotNetHookTimeout); the request fails closed and the hook's CancellationToken was cancelled");
        if (error is InvalidHookResultException invalid)
            return Fail(result, log, ErrorCode.InvalidResult, $"{source}: {invalid.Message}");
        // The exception as the script threw it: type, message, inner exceptions and stack trace
        // (never Exception.Data); the call's password is masked by the log.
        return Fail(result, log, ErrorCode.HookException, $"{source} raised an exception:\n{error}");
    }
}
