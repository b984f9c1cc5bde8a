using AccessHooks.Host.Groups;
using AccessHooks.Host.Interop;
using AccessHooks.Host.Logging;
using Microsoft.AspNetCore.Http;

namespace AccessHooks.Host.Gateway;

/// <summary>
/// The managed twin of dotnet_handler.c: one application request. The app's pipeline runs inline
/// on the Apache worker that called, in a clean ExecutionContext; when the app awaits, the worker
/// runs the request's queued I/O until the request completes (<see cref="AppIo"/>). Every failure
/// is logged with its code; the outcome tells the module which status to answer when nothing
/// was sent.
/// </summary>
internal static unsafe class HandlerPhase
{
    private static readonly ExecutionContext s_clean = CaptureClean();

    public static int HandleRequest(AppCall* call, HookResult* result)
    {
        Bridge.Clear(result);
        var state = new Call(call, result);
        // The worker's ExecutionContext may carry whatever an earlier call on it left; the app
        // starts from the same clean one every time.
        ExecutionContext.Run(s_clean, static s => ((Call)s!).Run(), state);
        return state.Return;
    }

    /// <summary>
    /// DotNetImportScript or the two-group alias, at child start: start the app now so that its
    /// first request does not pay for it. A .cs without an app entry point is a hook script:
    /// the module loads it as one.
    /// </summary>
    public static int Preload(AppCall* call, HookResult* result)
    {
        Bridge.Clear(result);
        var log = new CallLog(null, null);
        try
        {
            var path = StringOf(call->AppPath);
            var appKey = StringOf(call->AppKey);
            var group = GroupRegistry.Get(StringOf(call->ApplicationGroup));
            if (group is null || !group.Apps.TryAcquire(path, appKey, false, out var generation))
                return Bridge.CallOk; // shutting down already
            var error = generation.LoadError;
            var message = generation.LoadMessage;
            generation.Release();
            if (error == ErrorCode.MissingFunction && path.EndsWith(".cs", StringComparison.OrdinalIgnoreCase))
            {
                group.Apps.Discard(path, appKey);
                result->Outcome = Bridge.PreloadNotAnApp;
                return Bridge.CallOk;
            }
            if (error != ErrorCode.None)
            {
                Fail(log, result, error, $"preloading: {message ?? $"app '{path}' failed to start"}");
                return Bridge.CallError;
            }
            return Bridge.CallOk;
        }
        finally
        {
            log.Complete();
        }
    }

    private sealed class Call(AppCall* call, HookResult* result)
    {
        public int Return;

        public void Run()
        {
            var log = new CallLog(call->LogCtx, null);
            AppGeneration? generation = null;
            AppIo? io = null;
            try
            {
                if (!Acquire(call, log, result, out generation))
                {
                    Return = Bridge.CallError;
                    return;
                }
                io = new AppIo(call->Io);
                var request = new AppRequest(call, io, generation.GroupName, StringOf(call->ProcessGroup), generation.Path);
                Task processing;
                try
                {
                    processing = generation.Server!.ProcessAsync(request);
                }
                catch (Exception e)
                {
                    processing = Task.FromException(e);
                }
                if (!processing.IsCompleted)
                {
                    var wake = io.Wake;
                    processing.ContinueWith(static (_, w) => ((Hooks.WakeEvent)w!).Set(), wake,
                        CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                    while (true)
                    {
                        io.Pump();
                        log.Pump();
                        if (processing.IsCompleted)
                            break;
                        wake.Wait(Timeout.Infinite);
                    }
                    io.Pump();
                }
                Return = Finish(processing, request, generation.Path, log, result);
            }
            finally
            {
                io?.End();
                generation?.Release();
                log.Complete();
            }
        }
    }

    private static int Finish(Task processing, AppRequest request, string path, CallLog log, HookResult* result)
    {
        if (processing.IsCompletedSuccessfully)
            return Bridge.CallOk;
        Exception error = processing.Exception?.InnerException ?? (Exception?)processing.Exception ?? new TaskCanceledException();
        if (request.ClientGone)
        {
            log.Write(ApacheLevel.Trace1, ErrorCode.AppClientGone, $"{path}: the client went away before the response was complete ({error.GetType().Name})");
            return Bridge.CallOk;
        }
        var status = error is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError;
        if (status >= 500)
            log.Write(ApacheLevel.Error, ErrorCode.AppException, $"{path}: unhandled exception in the application{(request.HasStarted ? " after the response started (the connection is closed)" : "")}:\n{error}");
        else
            log.Write(ApacheLevel.Info, ErrorCode.AppException, $"{path}: the request was refused with {status}: {error.Message}");
        result->Outcome = status;
        result->ErrorCode = (int)ErrorCode.AppException;
        return Bridge.CallOk;
    }

    private static bool Acquire(AppCall* call, CallLog log, HookResult* result, out AppGeneration generation)
    {
        generation = null!;
        var path = StringOf(call->AppPath);
        var group = GroupRegistry.Get(StringOf(call->ApplicationGroup));
        if (group is null || !group.Apps.TryAcquire(path, StringOf(call->AppKey), call->CheckReload != 0, out generation))
        {
            Fail(log, result, ErrorCode.InternalError, "the managed host is shutting down; the request was not served");
            return false;
        }
        if (generation.LoadError != ErrorCode.None)
        {
            var code = generation.LoadError;
            var message = generation.LoadMessage ?? $"app '{path}' failed to start";
            generation.Release();
            generation = null!;
            Fail(log, result, code, message);
            return false;
        }
        return true;
    }

    private static void Fail(CallLog log, HookResult* result, ErrorCode code, string message)
    {
        log.Write(ApacheLevel.Error, code, message);
        result->Outcome = StatusCodes.Status500InternalServerError;
        result->ErrorCode = (int)code;
    }

    // Paths, groups and keys repeat on every request of a worker: decoded once per thread.
    private static string StringOf(byte* value) => StringCache.Get(value);

    private static ExecutionContext CaptureClean()
    {
        using (ExecutionContext.SuppressFlow())
        {
            // A new thread's context is the default one: nothing flows into it.
            ExecutionContext? clean = null;
            var thread = new Thread(() => clean = ExecutionContext.Capture());
            thread.Start();
            thread.Join();
            return clean ?? ExecutionContext.Capture()!;
        }
    }
}
