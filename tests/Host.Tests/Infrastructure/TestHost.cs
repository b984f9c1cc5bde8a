using System.Runtime.InteropServices;
using AccessHooks.Host.Interop;

namespace AccessHooks.Host.Tests.Infrastructure;

/// <summary>
/// Initialises the host once per test process through the real [UnmanagedCallersOnly] entry
/// point, exactly as mod_dotnet does after hdt_get_function_pointer, and keeps the exports.
/// </summary>
internal static unsafe class TestHost
{
    private static readonly object s_gate = new();
    private static HostExports* s_exports;

    /// <summary>The script cache; a CacheProbe child is pointed at its parent's with AH_TEST_CACHE.</summary>
    public static string CacheDirectory { get; } =
        Environment.GetEnvironmentVariable("AH_TEST_CACHE") is { Length: > 0 } inherited
            ? inherited
            : Path.Combine(Path.GetTempPath(), "ah-host-tests-cache-" + Environment.ProcessId);

    public static HostExports* Exports
    {
        get
        {
            lock (s_gate)
            {
                if (s_exports == null)
                    s_exports = Initialize();
                return s_exports;
            }
        }
    }

    public static void EnsureInitialized() => _ = Exports;

    private static HostExports* Initialize()
    {
        Directory.CreateDirectory(CacheDirectory);
        // Tests rewrite scripts in quick succession: check mtimes on every call
        // (ReloadThrottleTests covers the once-per-second default).
        Groups.GroupRegistry.ReloadCheckInterval = TimeSpan.Zero;
        var config = (HostConfig*)NativeMemory.AllocZeroed((nuint)sizeof(HostConfig));
        config->AbiVersion = Bridge.AbiVersion;
        config->StructSize = sizeof(HostConfig);
        config->ScriptCacheDir = (byte*)Marshal.StringToCoTaskMemUTF8(CacheDirectory);
        config->RestrictStdout = 0;
        config->ProcessId = Environment.ProcessId;
        config->Log = &TestLog.Write;
        var exports = (HostExports*)NativeMemory.AllocZeroed((nuint)sizeof(HostExports));
        delegate* unmanaged<void*, void*, int> init = &NativeEntryPoints.Initialize;
        var rc = init(config, exports);
        if (rc != 0)
            throw new InvalidOperationException($"Initialize returned {rc}");
        return exports;
    }
}
