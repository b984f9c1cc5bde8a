using AccessHooks.Host.Interop;

namespace AccessHooks.Host.Logging;

/// <summary>
/// Exceptions no hook call can report: a thread a script started that throws (the process then
/// ends, as any .NET process does, so the reason must reach the error log first) and faulted
/// fire-and-forget tasks nobody observed.
/// </summary>
internal static class UnhandledExceptions
{
    private static int s_installed;

    public static void Install()
    {
        if (Interlocked.Exchange(ref s_installed, 1) != 0)
            return;
        AppDomain.CurrentDomain.UnhandledException += static (_, args) =>
            ApacheLog.Server(ApacheLevel.Error, ErrorCode.HookException,
                $"unhandled exception on a background thread; the process {(args.IsTerminating ? "is ending" : "continues")}:\n{args.ExceptionObject}");
        TaskScheduler.UnobservedTaskException += static (_, args) =>
        {
            ApacheLog.Server(ApacheLevel.Warning, ErrorCode.HookException,
                $"a task a script started failed and nobody awaited it:\n{args.Exception}");
            args.SetObserved();
        };
    }
}
