using AccessHooks.Host.Hooks;
using AccessHooks.Host.Interop;
using AccessHooks.Host.Scripts;

namespace AccessHooks.Host.Groups;

/// <summary>One script inside a generation: its hooks as bound for that generation, or its load error.</summary>
internal sealed class ScriptUnit
{
    private long _nextCheck;

    public ScriptUnit(string path, long mtime)
    {
        Path = path;
        Mtime = mtime;
        _nextCheck = Environment.TickCount64 + (long)GroupRegistry.ReloadCheckInterval.TotalMilliseconds;
    }

    public string Path { get; }
    /// <summary>Modification time when the generation was built (0: the file did not exist).</summary>
    public long Mtime { get; }

    /// <summary>Set when the script could not be loaded at all: every phase reports it.</summary>
    public ErrorCode LoadError { get; set; }
    public string? LoadMessage { get; set; }

    public HookSlot<AuthResult>? CheckPassword { get; set; }
    public HookSlot<string?>? GetRealmHash { get; set; }
    public HookSlot<IEnumerable<string>?>? GroupsForUser { get; set; }
    public HookSlot<bool?>? AllowAccess { get; set; }

    /// <summary>
    /// Whether the file changed since this generation loaded it. Stats the file at most once per
    /// ReloadCheckInterval (one thread wins the slot; the others keep using this generation).
    /// </summary>
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

    public void Fail(ErrorCode error, string message)
    {
        LoadError = error;
        LoadMessage = message;
    }
}
