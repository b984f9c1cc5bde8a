using AccessHooks.Host.Hooks;
using AccessHooks.Host.Interop;
using AccessHooks.Host.Scripts;

namespace AccessHooks.Host.Groups;

/// <summary>One script inside a generation: its hooks as bound for that generation, or its load error.</summary>
internal sealed class ScriptUnit
{
    private readonly FileWatch _watch;

    public ScriptUnit(string path, long mtime) => _watch = new FileWatch(path, mtime);

    public string Path => _watch.Path;
    /// <summary>Modification time when the generation was built (0: the file did not exist).</summary>
    public long Mtime => _watch.Mtime;

    /// <summary>Set when the script could not be loaded at all: every phase reports it.</summary>
    public ErrorCode LoadError { get; set; }
    public string? LoadMessage { get; set; }

    public HookSlot<AuthResult>? CheckPassword { get; set; }
    public HookSlot<string?>? GetRealmHash { get; set; }
    public HookSlot<IEnumerable<string>?>? GroupsForUser { get; set; }
    public HookSlot<bool?>? AllowAccess { get; set; }

    /// <summary>Whether the file changed since this generation loaded it (stat at most once per ReloadCheckInterval).</summary>
    public bool HasChanged() => _watch.HasChanged();

    public void Fail(ErrorCode error, string message)
    {
        LoadError = error;
        LoadMessage = message;
    }
}
