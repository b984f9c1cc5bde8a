using AccessHooks.Host.Interop;
using AccessHooks.Host.Logging;
using AccessHooks.Host.Scripts;

namespace AccessHooks.Host.Groups;

/// <summary>
/// One generation of an application group: a collectible load context with every script of the
/// group, and one service provider from all their ConfigureServices. Reference counted: the
/// group holds one reference while the generation is current and each call holds one while in
/// flight, so calls started before a reload finish here; the last release disposes the
/// container and unloads the context.
/// </summary>
internal sealed class Generation
{
    private readonly Dictionary<string, ScriptUnit> _units;
    private readonly IDisposable? _owned;
    private ScriptLoadContext? _context;
    private IServiceProvider? _services;
    private int _refs = 1;
    private readonly TaskCompletionSource _retired = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Generation(string groupName, int number, Dictionary<string, ScriptUnit> units, ScriptLoadContext context, IServiceProvider? services)
    {
        GroupName = groupName;
        Number = number;
        _units = units;
        _context = context;
        _services = services;
        _owned = services as IDisposable;
    }

    public string GroupName { get; }
    public int Number { get; }
    public IEnumerable<string> ScriptPaths => _units.Keys;

    /// <summary>Completes once the generation is disposed and its context asked to unload.</summary>
    public Task Retired => _retired.Task;

    public bool TryGetUnit(string path, out ScriptUnit unit) => _units.TryGetValue(path, out unit!);

    /// <summary>False when the generation is already retiring (the caller re-reads the group's current one).</summary>
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

    public void Release()
    {
        if (Interlocked.Decrement(ref _refs) == 0)
        {
            // Not on the worker thread: disposing services (an LDAP pool, say) may take a while.
            ThreadPool.UnsafeQueueUserWorkItem(static generation => generation.Retire(), this, preferLocal: false);
        }
    }

    private void Retire()
    {
        try
        {
            var services = _services;
            _services = null;
            if (services is IAsyncDisposable asyncDisposable)
            {
                if (!asyncDisposable.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5)))
                    ApacheLog.Server(ApacheLevel.Warning, ErrorCode.InternalError,
                        $"application group '{GroupName}' generation {Number}: disposing services took longer than 5 s; unloading anyway");
            }
            else
            {
                _owned?.Dispose();
            }
        }
        catch (Exception e)
        {
            ApacheLog.Server(ApacheLevel.Warning, ErrorCode.InternalError,
                $"application group '{GroupName}' generation {Number}: disposing services failed: {e}");
        }
        finally
        {
            var context = _context;
            _context = null;
            context?.Unload();
            _retired.TrySetResult();
        }
    }
}
