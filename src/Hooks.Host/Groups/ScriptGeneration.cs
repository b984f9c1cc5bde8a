using AccessHooks.Host.Interop;
using AccessHooks.Host.Logging;
using AccessHooks.Host.Scripts;

namespace AccessHooks.Host.Groups;

/// <summary>
/// One generation of one script: its collectible load context, its own service provider (only
/// its own ConfigureServices fed it) and its bound hooks. Reference counted: the group holds one
/// reference while the generation is current and each call holds one (its <see cref="Lease"/>)
/// while in flight, so calls started before a reload finish here; the last release disposes the
/// container and unloads the context.
/// </summary>
internal sealed class ScriptGeneration
{
    private static readonly TimeSpan DisposeLimit = TimeSpan.FromSeconds(5);
    private readonly IDisposable? _owned;
    private ScriptLoadContext? _context;
    private IServiceProvider? _services;
    private RefCount _refs = new();
    private readonly TaskCompletionSource _retired = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ScriptGeneration(string groupName, int number, ScriptUnit unit, ScriptLoadContext? context, IServiceProvider? services)
    {
        GroupName = groupName;
        Number = number;
        Unit = unit;
        _context = context;
        _services = services;
        _owned = services as IDisposable;
    }

    public string GroupName { get; }
    public int Number { get; }
    public ScriptUnit Unit { get; }
    public DateTimeOffset LoadedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>What the script's services report for the status page; the caller holds a reference.</summary>
    public IEnumerable<IStatusSource> StatusSources() =>
        _services?.GetService(typeof(IEnumerable<IStatusSource>)) as IEnumerable<IStatusSource> ?? [];

    /// <summary>Completes once the generation is disposed and its context asked to unload.</summary>
    public Task Retired => _retired.Task;

    /// <summary>False when the generation is already retiring (the caller re-reads the script's current one).</summary>
    public bool TryAddRef() => _refs.TryAddRef();

    /// <summary>References held now: the group's while current, plus one per call in flight.</summary>
    public int References => _refs.Count;

    public void Release()
    {
        if (_refs.Release())
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
                if (!asyncDisposable.DisposeAsync().AsTask().Wait(DisposeLimit))
                    ApacheLog.Server(ApacheLevel.Warning, ErrorCode.ServicesDisposeSlow,
                        $"script '{Unit.Path}' generation {Number} (application group '{GroupName}'): disposing its services took longer than {DisposeLimit.TotalSeconds} s; unloading anyway");
            }
            else
            {
                _owned?.Dispose();
            }
        }
        catch (Exception e)
        {
            ApacheLog.Server(ApacheLevel.Warning, ErrorCode.ServicesDisposeSlow,
                $"script '{Unit.Path}' generation {Number} (application group '{GroupName}'): disposing its services failed: {e}");
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
