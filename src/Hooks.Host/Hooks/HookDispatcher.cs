using AccessHooks.Host.Groups;
using AccessHooks.Host.Interop;
using AccessHooks.Host.Logging;

namespace AccessHooks.Host.Hooks;

/// <summary>
/// The body of each bridge call: decode the arguments, find the script's generation, run the
/// bound hook, translate its answer to ah_hook_result. Every failure is logged under the code it
/// returns, with the request as log context; the native side only maps the code to a status.
/// Passwords are passed to the script and nowhere else: no message here ever contains one.
/// </summary>
internal static unsafe class HookDispatcher
{
    public static int CheckPassword(HookCall* call, byte* userBytes, byte* passwordBytes, HookResult* result)
    {
        Clear(result);
        var log = new CallLog(call->LogCtx);
        try
        {
            var user = NativeString.Decode(userBytes) ?? string.Empty;
            if (!CheckUser(user, "CheckPassword", log, result) || !Acquire(call, log, result, out var group, out var lease))
                return Bridge.CallError;
            var slot = Usable(lease.Unit.CheckPassword, lease, "CheckPassword", nameof(IPasswordChecker), log, result);
            if (slot is null)
                return Bridge.CallError;
            var password = NativeString.Decode(passwordBytes) ?? string.Empty;
            var request = RequestBuilder.Build(call, group, log);
            var status = HookRunner.Run(slot.Fn!, request, user, password, call->TimeoutMs, log, lease.Generation, out var answer, out var error, out var overrunMs);
            if (status != RunStatus.Completed)
                return Failed(status, error, overrunMs, slot.Source, call->TimeoutMs, log, result);
            result->Outcome = (int)answer.Outcome;
            if (answer.Outcome == AuthOutcome.Granted && answer.UserName is { Length: > 0 } name)
                result->Text = NativeString.ToMalloc(name);
            return Bridge.CallOk;
        }
        finally
        {
            log.Complete();
        }
    }

    public static int GetRealmHash(HookCall* call, byte* userBytes, byte* realmBytes, HookResult* result)
    {
        Clear(result);
        var log = new CallLog(call->LogCtx);
        try
        {
            var user = NativeString.Decode(userBytes) ?? string.Empty;
            if (!CheckUser(user, "GetRealmHash", log, result) || !Acquire(call, log, result, out var group, out var lease))
                return Bridge.CallError;
            var slot = Usable(lease.Unit.GetRealmHash, lease, "GetRealmHash", nameof(IRealmHashProvider), log, result);
            if (slot is null)
                return Bridge.CallError;
            var realm = NativeString.Decode(realmBytes) ?? string.Empty;
            var request = RequestBuilder.Build(call, group, log);
            var status = HookRunner.Run(slot.Fn!, request, user, realm, call->TimeoutMs, log, lease.Generation, out var hash, out var error, out var overrunMs);
            if (status != RunStatus.Completed)
                return Failed(status, error, overrunMs, slot.Source, call->TimeoutMs, log, result);
            if (hash is null)
            {
                result->Outcome = (int)AuthOutcome.NotFound;
                return Bridge.CallOk;
            }
            if (!IsMd5Hex(hash))
            {
                // The value itself is not logged: it is a password equivalent.
                return Fail(result, log, ErrorCode.InvalidResult,
                    $"{slot.Source} returned a value that is not 32 hex digits (MD5 of \"user:realm:password\"); return null when the user is not known");
            }
            result->Outcome = (int)AuthOutcome.Granted;
            result->Text = NativeString.ToMalloc(hash.ToLowerInvariant());
            return Bridge.CallOk;
        }
        finally
        {
            log.Complete();
        }
    }

    public static int GroupsMatch(HookCall* call, byte* userBytes, byte** groups, int groupCount, HookResult* result)
    {
        Clear(result);
        var log = new CallLog(call->LogCtx);
        try
        {
            var user = NativeString.Decode(userBytes) ?? string.Empty;
            if (!CheckUser(user, "GroupsForUser", log, result) || !Acquire(call, log, result, out var group, out var lease))
                return Bridge.CallError;
            var slot = Usable(lease.Unit.GroupsForUser, lease, "GroupsForUser", nameof(IGroupProvider), log, result);
            if (slot is null)
                return Bridge.CallError;
            var request = RequestBuilder.Build(call, group, log);
            var status = HookRunner.Run(slot.Fn!, request, user, string.Empty, call->TimeoutMs, log, lease.Generation, out var listed, out var error, out var overrunMs);
            if (status != RunStatus.Completed)
                return Failed(status, error, overrunMs, slot.Source, call->TimeoutMs, log, result);
            if (listed is null)
            {
                return Fail(result, log, ErrorCode.InvalidResult,
                    $"{slot.Source} returned null; return an empty list when the user is in no group");
            }
            try
            {
                result->Outcome = FirstMatch(listed, groups, groupCount);
            }
            catch (Exception e)
            {
                // A lazy sequence (yield return) runs the script's code while we enumerate it.
                return Failed(RunStatus.Faulted, e, 0, slot.Source, call->TimeoutMs, log, result);
            }
            return Bridge.CallOk;
        }
        finally
        {
            log.Complete();
        }
    }

    public static int AllowAccess(HookCall* call, byte* hostBytes, HookResult* result)
    {
        Clear(result);
        var log = new CallLog(call->LogCtx);
        try
        {
            if (!Acquire(call, log, result, out var group, out var lease))
                return Bridge.CallError;
            var slot = Usable(lease.Unit.AllowAccess, lease, "AllowAccess", nameof(IHostAccessPolicy), log, result);
            if (slot is null)
                return Bridge.CallError;
            var host = NativeString.Decode(hostBytes) ?? string.Empty;
            var request = RequestBuilder.Build(call, group, log);
            var status = HookRunner.Run(slot.Fn!, request, host, string.Empty, call->TimeoutMs, log, lease.Generation, out var allowed, out var error, out var overrunMs);
            if (status != RunStatus.Completed)
                return Failed(status, error, overrunMs, slot.Source, call->TimeoutMs, log, result);
            result->Outcome = allowed switch
            {
                true => Bridge.AccessAllow,
                false => Bridge.AccessDeny,
                null => Bridge.AccessDecline,
            };
            return Bridge.CallOk;
        }
        finally
        {
            log.Complete();
        }
    }

    public static int Preload(HookCall* call, HookResult* result)
    {
        Clear(result);
        var log = new CallLog(call->LogCtx);
        try
        {
            if (!Acquire(call, log, result, out _, out var lease))
                return Bridge.CallError;
            lease.Generation.Release();
            return Bridge.CallOk;
        }
        finally
        {
            log.Complete();
        }
    }

    private static void Clear(HookResult* result)
    {
        result->Outcome = 0;
        result->ErrorCode = 0;
        result->Text = null;
    }

    private static bool CheckUser(string user, string phase, CallLog log, HookResult* result)
    {
        if (user.Length == 0)
        {
            Fail(result, log, ErrorCode.EmptyUser, $"empty user name; {phase} was not called");
            return false;
        }
        foreach (var c in user)
        {
            if (char.IsControl(c))
            {
                Fail(result, log, ErrorCode.BadUserName, $"user name contains control characters; {phase} was not called");
                return false;
            }
        }
        return true;
    }

    /// <summary>Finds the script's generation (loading, compiling or reloading it as needed).</summary>
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
            lease.Generation.Release();
            Fail(result, log, unit.LoadError, unit.LoadMessage ?? $"script '{path}' failed to load");
            return false;
        }
        return true;
    }

    /// <summary>The slot when it can be called; else logs why not, releases the lease and returns null.</summary>
    private static HookSlot<TResult>? Usable<TResult>(HookSlot<TResult>? slot, Lease lease, string phase, string service, CallLog log, HookResult* result)
    {
        if (slot?.Fn is not null)
            return slot;
        lease.Generation.Release();
        if (slot is null)
        {
            Fail(result, log, ErrorCode.MissingFunction,
                $"script '{lease.Unit.Path}' has no public static {phase} method in a public static class, and its application group has no {service} service");
        }
        else
        {
            Fail(result, log, slot.Error, slot.Message ?? $"{phase} in '{lease.Unit.Path}' cannot be called");
        }
        return null;
    }

    private static int Failed(RunStatus status, Exception? error, long overrunMs, string? source, int timeoutMs, CallLog log, HookResult* result)
    {
        if (status == RunStatus.TimedOut)
            return Fail(result, log, ErrorCode.HookTimeout, $"{source} did not answer within {timeoutMs} ms (DotNetHookTimeout); it was cancelled");
        if (status == RunStatus.Overran)
        {
            // Fail closed: a synchronous hook cannot be interrupted, but its late answer must not count.
            return Fail(result, log, ErrorCode.HookTimeout,
                $"{source} ran synchronously {overrunMs} ms over the {timeoutMs} ms limit (DotNetHookTimeout); its answer was discarded. " +
                "Synchronous code cannot be interrupted: make the hook async and honour its CancellationToken for bounded latency");
        }
        if (error is InvalidHookResultException invalid)
            return Fail(result, log, ErrorCode.InvalidResult, $"{source}: {invalid.Message}");
        // The exception as the script threw it: type, message and stack trace.
        return Fail(result, log, ErrorCode.HookException, $"{source} raised an exception:\n{error}");
    }

    private static int Fail(HookResult* result, CallLog log, ErrorCode code, string message)
    {
        log.Write(ApacheLevel.Error, code, message);
        result->Outcome = 0;
        result->ErrorCode = (int)code;
        return Bridge.CallError;
    }

    private static int FirstMatch(IEnumerable<string> listed, byte** groups, int groupCount)
    {
        if (groups == null || groupCount <= 0)
            return Bridge.GroupNoMatch;
        var required = new string?[groupCount];
        for (var i = 0; i < groupCount; i++)
            required[i] = NativeString.Decode(groups[i]);
        var best = Bridge.GroupNoMatch;
        foreach (var name in listed)
        {
            if (name is null)
                continue;
            var limit = best < 0 ? groupCount : best;
            for (var i = 0; i < limit; i++)
            {
                if (string.Equals(required[i], name, StringComparison.Ordinal))
                {
                    best = i;
                    break;
                }
            }
            if (best == 0)
                break;
        }
        return best;
    }

    private static bool IsMd5Hex(string value)
    {
        if (value.Length != 32)
            return false;
        foreach (var c in value)
        {
            if (!char.IsAsciiHexDigit(c))
                return false;
        }
        return true;
    }
}
