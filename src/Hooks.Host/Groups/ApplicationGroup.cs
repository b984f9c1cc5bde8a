using AccessHooks.Host.Interop;
using AccessHooks.Host.Logging;

namespace AccessHooks.Host.Groups;

/// <summary>
/// An application group: the scripts that share statics and DI singletons, served by one
/// current <see cref="Generation"/>. Reading the current generation takes no lock; building a
/// new one (first use, a new script joining, a changed file) is serialised per group.
/// </summary>
internal sealed class ApplicationGroup(string name)
{
    private readonly object _buildGate = new();
    private Generation? _current;
    private List<string> _paths = [];
    private int _generations;
    private bool _shutDown;

    public string Name { get; } = name;

    public Generation? Current => Volatile.Read(ref _current);

    /// <summary>The current generation with <paramref name="path"/> in it, referenced for the caller.</summary>
    /// <param name="log">Where reload notices go (the call's log).</param>
    public bool TryAcquire(string path, bool checkReload, CallLog log, out Lease lease)
    {
        while (true)
        {
            var generation = Volatile.Read(ref _current);
            if (generation is not null && generation.TryGetUnit(path, out var unit))
            {
                if (checkReload && unit.HasChanged())
                {
                    Rebuild(generation, path, log, changed: true);
                    continue;
                }
                if (generation.TryAddRef())
                {
                    lease = new Lease(generation, unit);
                    return true;
                }
                continue;
            }
            if (!Rebuild(generation, path, log, changed: false))
            {
                lease = default;
                return false;
            }
        }
    }

    /// <summary>Replaces <paramref name="observed"/> unless another thread already did. False after shutdown.</summary>
    private bool Rebuild(Generation? observed, string path, CallLog log, bool changed)
    {
        lock (_buildGate)
        {
            if (_shutDown)
                return false;
            if (!ReferenceEquals(Volatile.Read(ref _current), observed))
                return true;
            var paths = _paths;
            if (!paths.Contains(path))
                paths = [.. paths, path];
            var number = ++_generations;
            var next = GenerationBuilder.Build(Name, number, paths);
            _paths = paths;
            Volatile.Write(ref _current, next);
            observed?.Release();
            if (changed)
            {
                log.Write(ApacheLevel.Info, ErrorCode.ScriptReloaded,
                    $"script '{path}' changed on disk; application group '{DisplayName}' reloaded as generation {number}");
            }
            return true;
        }
    }

    /// <summary>Drops the current generation; it is disposed when its last call ends.</summary>
    public Task ShutDown()
    {
        Generation? current;
        lock (_buildGate)
        {
            _shutDown = true;
            current = Volatile.Read(ref _current);
            Volatile.Write(ref _current, null);
        }
        if (current is null)
            return Task.CompletedTask;
        current.Release();
        return current.Retired;
    }

    public string DisplayName => Name.Length == 0 ? "%{GLOBAL}" : Name;
}
