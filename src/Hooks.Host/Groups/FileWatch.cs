using AccessHooks.Host.Scripts;

namespace AccessHooks.Host.Groups;

/// <summary>
/// Whether a loaded file (a script, an app's main assembly) changed since it was loaded: its
/// mtime is looked at most once per ReloadCheckInterval, by one thread (the others keep using
/// what they have).
/// </summary>
internal sealed class FileWatch(string path, long mtime)
{
    private long _nextCheck = Environment.TickCount64 + (long)GroupRegistry.ReloadCheckInterval.TotalMilliseconds;

    public string Path { get; } = path;

    /// <summary>Modification time when loaded (0: the file did not exist).</summary>
    public long Mtime { get; } = mtime;

    public bool HasChanged()
    {
        var now = Environment.TickCount64;
        var next = Volatile.Read(ref _nextCheck);
        if (now < next)
            return false;
        if (Interlocked.CompareExchange(ref _nextCheck, now + (long)GroupRegistry.ReloadCheckInterval.TotalMilliseconds, next) != next)
            return false;
        return ScriptSource.GetMtime(Path) != Mtime;
    }
}

/// <summary>
/// The reference count of a generation: one for the group while it is current, one per call in
/// flight. Starts at 1; once it reaches 0 it never rises again (TryAddRef fails, the caller
/// reads the current generation anew).
/// </summary>
internal struct RefCount
{
    private int _refs;

    public RefCount() => _refs = 1;

    public bool TryAddRef()
    {
        var refs = Volatile.Read(ref _refs);
        while (refs > 0)
        {
            var seen = Interlocked.CompareExchange(ref _refs, refs + 1, refs);
            if (seen == refs)
                return true;
            refs = seen;
        }
        return false;
    }

    /// <summary>References held now (0 once ended); for the status page.</summary>
    public readonly int Count => Volatile.Read(ref System.Runtime.CompilerServices.Unsafe.AsRef(in _refs));

    /// <summary>True for the release that ended it.</summary>
    public bool Release() => Interlocked.Decrement(ref _refs) == 0;
}
