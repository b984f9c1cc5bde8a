using System.Runtime.InteropServices;

namespace AccessHooks.Host.Interop;

// Mirrors of src/Hooks.Native/dotnet_bridge.h, field by field and in the same order, so the
// layouts agree on every 64-bit ABI the module is built for. Change both files together and
// bump AbiVersion.

internal static class Bridge
{
    /// <summary>AH_ABI_VERSION.</summary>
    public const int AbiVersion = 5;

    public const int CallOk = 0;     // AH_CALL_OK
    public const int CallError = 1;  // AH_CALL_ERROR

    public const int AccessDeny = 0;     // AH_ACCESS_DENY
    public const int AccessAllow = 1;    // AH_ACCESS_ALLOW
    public const int AccessDecline = 2;  // AH_ACCESS_DECLINE
    public const int GroupNoMatch = -1;  // AH_GROUP_NO_MATCH
    public const int PreloadNotAnApp = 1; // AH_PRELOAD_NOT_AN_APP

    /// <summary>Every call starts from an empty result: no outcome, no error, nothing to free.</summary>
    public static unsafe void Clear(HookResult* result)
    {
        result->Outcome = 0;
        result->ErrorCode = 0;
        result->Text = null;
        result->CacheHash = null;
    }
}

/// <summary>APLOG_* levels (AH_LOG_*).</summary>
internal enum ApacheLevel
{
    Error = 3,
    Warning = 4,
    Notice = 5,
    Info = 6,
    Debug = 7,
    Trace1 = 8,
}

/// <summary>ah_host_config.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct HostConfig
{
    public int AbiVersion;
    public int StructSize;
    public byte* ScriptCacheDir;
    public int RestrictStdout;
    public int ProcessId;
    public delegate* unmanaged<void*, int, int, byte*, void> Log;
    public delegate* unmanaged<int, byte*, void> Recycle;
    public int WorkerThreads;
}

/// <summary>ah_kv.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KeyValue
{
    public byte* Name;
    public byte* Value;
}

/// <summary>ah_hook_call.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct HookCall
{
    public byte* ScriptPath;
    public byte* ApplicationGroup;
    public int CheckReload;
    public int TimeoutMs;
    public KeyValue* Vars;
    public int NVars;
    public void* LogCtx;
}

/// <summary>ah_hook_result.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct HookResult
{
    public int Outcome;
    public int ErrorCode;
    public byte* Text;
    public byte* CacheHash;
}

/// <summary>ah_app_io.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct AppIoFunctions
{
    public void* Ctx;
    public delegate* unmanaged<void*, byte*, long, int*, long> Read;
    public delegate* unmanaged<void*, int, byte*, KeyValue*, int, int> SendHeaders;
    public delegate* unmanaged<void*, byte*, long, int> Write;
    public delegate* unmanaged<void*, int> Flush;
}

/// <summary>ah_app_call.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct AppCall
{
    public byte* AppPath;
    public byte* ApplicationGroup;
    public byte* ProcessGroup;
    public byte* AppKey;
    public int CheckReload;
    public KeyValue* Vars;
    public int NVars;
    public KeyValue* Headers;
    public int NHeaders;
    public void* LogCtx;
    public AppIoFunctions* Io;
}

/// <summary>ah_host_exports.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct HostExports
{
    public int StructSize;
    public delegate* unmanaged<HookCall*, byte*, byte*, HookResult*, int> CheckPassword;
    public delegate* unmanaged<HookCall*, byte*, byte*, HookResult*, int> GetRealmHash;
    public delegate* unmanaged<HookCall*, byte*, byte**, int, HookResult*, int> GroupsMatch;
    public delegate* unmanaged<HookCall*, byte*, HookResult*, int> AllowAccess;
    public delegate* unmanaged<HookCall*, HookResult*, int> Preload;
    public delegate* unmanaged<void> Shutdown;
    public delegate* unmanaged<AppCall*, HookResult*, int> HandleRequest;
    public delegate* unmanaged<AppCall*, HookResult*, int> PreloadApp;
    public delegate* unmanaged<int, HookResult*, int> StatusDetail;
}
