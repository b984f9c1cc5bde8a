namespace AccessHooks.Host.Interop;

/// <summary>
/// Asks the module to replace this child gracefully (ah_recycle_fn): it finishes the requests
/// it serves and exits, and Apache starts another. For states only a new process clears (hooks
/// stuck on their threads, an app's load context that does not unload). Once per process.
/// </summary>
internal static unsafe class ChildRecycle
{
    private static delegate* unmanaged<int, byte*, void> s_recycle;
    private static int s_requested;

    public static void Configure(delegate* unmanaged<int, byte*, void> recycle) => s_recycle = recycle;

    public static bool Requested => Volatile.Read(ref s_requested) != 0;

    /// <summary>False when no module callback is there (unit tests) or a recycle was already asked for.</summary>
    public static bool Request(ErrorCode code, string reason)
    {
        if (s_recycle == null || Interlocked.Exchange(ref s_requested, 1) != 0)
            return false;
        var bytes = System.Text.Encoding.UTF8.GetBytes(reason + "\0");
        fixed (byte* text = bytes)
            s_recycle((int)code, text);
        return true;
    }
}
