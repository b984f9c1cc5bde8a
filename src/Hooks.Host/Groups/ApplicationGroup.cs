using System.Collections.Concurrent;
using AccessHooks.Host.Gateway;
using AccessHooks.Host.Interop;
using AccessHooks.Host.Logging;
using AccessHooks.Host.Scripts;

namespace AccessHooks.Host.Groups;

/// <summary>
/// An application group: the scripts that share one <see cref="GroupReferences"/> (the
/// assemblies they reference, and those assemblies' statics). Each script has its own current
/// <see cref="ScriptGeneration"/> with its own container, so a directive is answered by its own
/// script, never by another, and a changed script reloads alone. The same file named by several
/// directives is one script here (one load, one set of singletons). Reading a script's current
/// generation takes no lock; building one is serialised per script.
/// </summary>
internal sealed class ApplicationGroup(string name)
{
    private readonly ConcurrentDictionary<string, Script> _scripts = new(StringComparer.Ordinal);
    private readonly Lazy<GroupReferences> _references = new(() => new GroupReferences($"AccessHooks group '{name}' references"));
    private volatile bool _shutDown;
    private AppSlots? _apps;

    /// <summary>One script's slot: its current generation, and the gate its rebuilds take.</summary>
    private sealed class Script
    {
        public ScriptGeneration? Current;
        public int Generations;
    }

    public string Name { get; } = name;

    /// <summary>The gateway apps of this group; they share the group's referenced assemblies only.</summary>
    public AppSlots Apps
    {
        get
        {
            if (Volatile.Read(ref _apps) is { } apps)
                return apps;
            Interlocked.CompareExchange(ref _apps, new AppSlots(Name, () => _references.Value), null);
            return _apps!;
        }
    }

    public string DisplayName => Name.Length == 0 ? "%{GLOBAL}" : Name;

    /// <summary>The scripts loaded in this group and their current generation numbers.</summary>
    public IEnumerable<(string Path, int Generation)> Scripts
    {
        get
        {
            foreach (var (path, script) in _scripts)
            {
                if (Volatile.Read(ref script.Current) is { } current)
                    yield return (path, current.Number);
            }
        }
    }

    /// <summary>Each script's current generation, for the status page (take a reference before use).</summary>
    public IEnumerable<ScriptGeneration> CurrentGenerations
    {
        get
        {
            foreach (var script in _scripts.Values)
            {
                if (Volatile.Read(ref script.Current) is { } current)
                    yield return current;
            }
        }
    }

    /// <summary>Whether the gateway has started apps in this group.</summary>
    public AppSlots? StartedApps => Volatile.Read(ref _apps);

    /// <summary>The current generation of <paramref name="path"/>, loaded if needed and referenced for the caller.</summary>
    /// <param name="log">Where load and reload notices go (the call's log).</param>
    public bool TryAcquire(string path, bool checkReload, CallLog log, out Lease lease)
    {
        var script = _scripts.TryGetValue(path, out var existing) ? existing : _scripts.GetOrAdd(path, static _ => new Script());
        while (true)
        {
            var generation = Volatile.Read(ref script.Current);
            if (generation is not null)
            {
                if (checkReload && generation.Unit.HasChanged())
                {
                    if (!Rebuild(script, generation, path, log))
                        break;
                    continue;
                }
                if (generation.TryAddRef())
                {
                    lease = new Lease(generation);
                    return true;
                }
                continue;
            }
            if (!Rebuild(script, null, path, log))
                break;
        }
        lease = default;
        return false;
    }

    /// <summary>Replaces <paramref name="observed"/> unless another thread already did. False after shutdown.</summary>
    private bool Rebuild(Script script, ScriptGeneration? observed, string path, CallLog log)
    {
        lock (script)
        {
            if (_shutDown)
                return false;
            if (!ReferenceEquals(Volatile.Read(ref script.Current), observed))
                return true;
            var number = ++script.Generations;
            var next = ScriptGenerationBuilder.Build(Name, _references.Value, path, number);
            Volatile.Write(ref script.Current, next);
            observed?.Release();
            if (observed is not null)
            {
                log.Write(ApacheLevel.Info, ErrorCode.ScriptReloaded,
                    $"script '{path}' changed on disk and was reloaded as generation {number} in application group '{DisplayName}'; the group's other scripts were not touched");
            }
            else
            {
                log.Write(ApacheLevel.Info, ErrorCode.ScriptLoaded,
                    $"script '{path}' loaded in application group '{DisplayName}' (process {Environment.ProcessId})");
            }
            return true;
        }
    }

    /// <summary>Drops every script's current generation; each is disposed when its last call ends.</summary>
    public Task ShutDown()
    {
        _shutDown = true;
        var retiring = new List<Task>();
        if (Volatile.Read(ref _apps) is { } apps)
            retiring.Add(apps.ShutDown());
        foreach (var script in _scripts.Values)
        {
            ScriptGeneration? current;
            lock (script)
            {
                current = Volatile.Read(ref script.Current);
                Volatile.Write(ref script.Current, null);
            }
            if (current is null)
                continue;
            current.Release();
            retiring.Add(current.Retired);
        }
        return Task.WhenAll(retiring);
    }
}
