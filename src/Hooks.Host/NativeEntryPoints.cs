using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AccessHooks.Host.Gateway;
using AccessHooks.Host.Groups;
using AccessHooks.Host.Hooks;
using AccessHooks.Host.Interop;
using AccessHooks.Host.Logging;
using AccessHooks.Host.Scripts;
using AccessHooks.Host.Status;

namespace AccessHooks.Host;

/// <summary>
/// What mod_dotnet calls. hostfxr hands the module a pointer to <see cref="Initialize"/>, which
/// fills ah_host_exports with the other entry points. Every entry catches everything: an
/// exception unwinding into Apache's C frames would take the child down.
/// </summary>
public static unsafe class NativeEntryPoints
{
    private static readonly TimeSpan ShutdownLimit = TimeSpan.FromSeconds(3);

    /// <summary>ah_host_init_fn. Returns 0, or a DOTNETnnnn number with exports left unfilled.</summary>
    [UnmanagedCallersOnly]
    public static int Initialize(void* config, void* exports) => InitializeCore((HostConfig*)config, (HostExports*)exports);

    private static int InitializeCore(HostConfig* config, HostExports* exports)
    {
        try
        {
            if (config == null || exports == null || config->AbiVersion != Bridge.AbiVersion || config->StructSize < sizeof(HostConfig))
                return (int)ErrorCode.HostInitFailed;
            ApacheLog.Configure(config->Log);
            ChildRecycle.Configure(config->Recycle);
            StuckCalls.Configure(config->WorkerThreads);
            ScriptCache.Directory = NativeString.Decode(config->ScriptCacheDir);
            ConsoleRedirect.Apply(config->RestrictStdout != 0);
            UnhandledExceptions.Install();
            FileWatching.PreferPolling();

            exports->StructSize = sizeof(HostExports);
            exports->CheckPassword = &CheckPassword;
            exports->GetRealmHash = &GetRealmHash;
            exports->GroupsMatch = &GroupsMatch;
            exports->AllowAccess = &AllowAccess;
            exports->Preload = &Preload;
            exports->Shutdown = &Shutdown;
            exports->HandleRequest = &HandleRequest;
            exports->PreloadApp = &PreloadApp;
            exports->StatusDetail = &StatusDetail;
            return 0;
        }
        catch (Exception e)
        {
            TryLog(e);
            return (int)ErrorCode.HostInitFailed;
        }
    }

    [UnmanagedCallersOnly]
    private static int CheckPassword(HookCall* call, byte* user, byte* password, HookResult* result)
    {
        try
        {
            return AuthnPhase.CheckPassword(call, user, password, result);
        }
        catch (Exception e)
        {
            return Internal(e, result);
        }
    }

    [UnmanagedCallersOnly]
    private static int GetRealmHash(HookCall* call, byte* user, byte* realm, HookResult* result)
    {
        try
        {
            return AuthnPhase.GetRealmHash(call, user, realm, result);
        }
        catch (Exception e)
        {
            return Internal(e, result);
        }
    }

    [UnmanagedCallersOnly]
    private static int GroupsMatch(HookCall* call, byte* user, byte** groups, int groupCount, HookResult* result)
    {
        try
        {
            return AuthzPhase.GroupsMatch(call, user, groups, groupCount, result);
        }
        catch (Exception e)
        {
            return Internal(e, result);
        }
    }

    [UnmanagedCallersOnly]
    private static int AllowAccess(HookCall* call, byte* host, HookResult* result)
    {
        try
        {
            return AccessPhase.AllowAccess(call, host, result);
        }
        catch (Exception e)
        {
            return Internal(e, result);
        }
    }

    [UnmanagedCallersOnly]
    private static int Preload(HookCall* call, HookResult* result)
    {
        try
        {
            return HookCallPath.Preload(call, result);
        }
        catch (Exception e)
        {
            return Internal(e, result);
        }
    }

    [UnmanagedCallersOnly]
    private static int HandleRequest(AppCall* call, HookResult* result)
    {
        try
        {
            return HandlerPhase.HandleRequest(call, result);
        }
        catch (Exception e)
        {
            Internal(e, result);
            result->Outcome = 500;
            return Bridge.CallError;
        }
    }

    [UnmanagedCallersOnly]
    private static int PreloadApp(AppCall* call, HookResult* result)
    {
        try
        {
            return HandlerPhase.Preload(call, result);
        }
        catch (Exception e)
        {
            return Internal(e, result);
        }
    }

    [UnmanagedCallersOnly]
    private static int StatusDetail(int form, HookResult* result)
    {
        try
        {
            return StatusPhase.Describe(form, result);
        }
        catch (Exception e)
        {
            return Internal(e, result);
        }
    }

    [UnmanagedCallersOnly]
    private static void Shutdown()
    {
        try
        {
            if (!GroupRegistry.ShutDown(ShutdownLimit))
                ApacheLog.Server(ApacheLevel.Warning, ErrorCode.InternalError,
                    $"shutdown: calls still in flight after {ShutdownLimit.TotalSeconds} s; exiting without waiting for them");
            Console.Out.Flush();
            Console.Error.Flush();
        }
        catch (Exception e)
        {
            TryLog(e);
        }
    }

    /// <summary>A bug in the host, not in a script: server-level (the request's log context may be unusable here).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Internal(Exception e, HookResult* result)
    {
        TryLog(e);
        if (result != null)
        {
            result->Outcome = 0;
            result->ErrorCode = (int)ErrorCode.InternalError;
            if (result->Text != null)
            {
                NativeMemory.Free(result->Text);
                result->Text = null;
            }
            if (result->CacheHash != null)
            {
                NativeMemory.Free(result->CacheHash);
                result->CacheHash = null;
            }
        }
        return Bridge.CallError;
    }

    private static void TryLog(Exception e)
    {
        try
        {
            ApacheLog.Server(ApacheLevel.Error, ErrorCode.InternalError, "internal error in the managed host:\n" + e);
        }
        catch
        {
            // Nothing more can be done without risking an exception into native code.
        }
    }
}
