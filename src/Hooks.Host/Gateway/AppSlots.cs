using System.Collections.Concurrent;
using AccessHooks.Host.Interop;
using AccessHooks.Host.Logging;
using AccessHooks.Host.Scripts;

namespace AccessHooks.Host.Gateway;

/// <summary>
/// The apps of one application group, each with its current generation. Reading the current
/// generation takes no lock; starting one is serialised per app, so concurrent first requests
/// wait for one start instead of starting the app several times.
/// </summary>
internal sealed class AppSlots(string groupName, Func<GroupReferences> references)
{
    private readonly ConcurrentDictionary<string, Slot> _apps = new(StringComparer.Ordinal);
    private volatile bool _shutDown;

    private sealed class Slot
    {
        public AppGeneration? Current;
        public int Generations;
    }

    /// <summary>Each app's key and current generation, for the status page.</summary>
    public IEnumerable<(string AppKey, AppGeneration Generation)> Current
    {
        get
        {
            foreach (var (key, slot) in _apps)
            {
                if (Volatile.Read(ref slot.Current) is { } current)
                    yield return (key[..key.IndexOf('\n')], current);
            }
        }
    }

    public bool TryAcquire(string path, string appKey, bool checkReload, out AppGeneration generation)
    {
        // One app per virtual host and alias (the app key), even for one file in one group: each
        // has its own key ring, so they must not share one running instance either.
        var slot = _apps.GetOrAdd(appKey + "\n" + path, static _ => new Slot());
        while (true)
        {
            var current = Volatile.Read(ref slot.Current);
            if (current is not null)
            {
                if (checkReload && current.HasChanged())
                {
                    if (!Rebuild(slot, current, path, appKey))
                        break;
                    continue;
                }
                if (current.TryAddRef())
                {
                    generation = current;
                    return true;
                }
                continue;
            }
            if (!Rebuild(slot, null, path, appKey))
                break;
        }
        generation = null!;
        return false;
    }

    private bool Rebuild(Slot slot, AppGeneration? observed, string path, string appKey)
    {
        lock (slot)
        {
            if (_shutDown)
                return false;
            if (!ReferenceEquals(Volatile.Read(ref slot.Current), observed))
                return true;
            var number = ++slot.Generations;
            var started = Environment.TickCount64;
            var next = AppLoader.Start(path, appKey, groupName, references(), number);
            Volatile.Write(ref slot.Current, next);
            observed?.Release();
            var display = groupName.Length == 0 ? "%{GLOBAL}" : groupName;
            if (next.LoadError != ErrorCode.None)
                return true;
            var took = Environment.TickCount64 - started;
            if (observed is not null)
                ApacheLog.Server(ApacheLevel.Info, ErrorCode.AppReloaded,
                    $"app '{path}' changed on disk and was restarted as generation {number} in application group '{display}' ({took} ms); requests in flight finish on the old one");
            else
                ApacheLog.Server(ApacheLevel.Info, ErrorCode.AppStarted,
                    $"app '{path}' started in application group '{display}' (process {Environment.ProcessId}, {took} ms)");
            return true;
        }
    }

    /// <summary>Forgets an app that turned out not to be one (a hook script preloaded as a file).</summary>
    public void Discard(string path, string appKey)
    {
        if (!_apps.TryRemove(appKey + "\n" + path, out var slot))
            return;
        AppGeneration? current;
        lock (slot)
        {
            current = Volatile.Read(ref slot.Current);
            Volatile.Write(ref slot.Current, null);
        }
        current?.Release();
    }

    public Task ShutDown()
    {
        _shutDown = true;
        var retiring = new List<Task>();
        foreach (var slot in _apps.Values)
        {
            AppGeneration? current;
            lock (slot)
            {
                current = Volatile.Read(ref slot.Current);
                Volatile.Write(ref slot.Current, null);
            }
            if (current is null)
                continue;
            current.Release();
            retiring.Add(current.Retired);
        }
        return Task.WhenAll(retiring);
    }
}
