using System.Runtime.Loader;
using AccessHooks.Host.Groups;
using AccessHooks.Host.Interop;
using AccessHooks.Host.Logging;
using AccessHooks.Host.Scripts;

namespace AccessHooks.Host.Gateway;

/// <summary>
/// One generation of one app in one application group: its load context, its started host and
/// the server it runs on, or why it could not start. Reference counted like a script generation:
/// the group holds one reference while the generation is current and every request one while in
/// flight, so requests started before a reload finish on the old generation; the last release
/// stops the app (bounded by <see cref="StopLimit"/>) and unloads its context.
/// </summary>
internal sealed class AppGeneration
{
    internal static TimeSpan StopLimit { get; set; } = TimeSpan.FromSeconds(10);

    private readonly FileWatch _watch;
    private RefCount _refs = new();
    private readonly TaskCompletionSource _retired = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public AppGeneration(string path, string groupName, int number)
    {
        _watch = new FileWatch(path, ScriptSource.GetMtime(path));
        GroupName = groupName;
        Number = number;
    }

    public string Path => _watch.Path;
    public string GroupName { get; }
    public int Number { get; }

    public GatewayServer? Server { get; set; }
    /// <summary>The app's host (WebApplication or IHost), stopped and disposed at retirement.</summary>
    public IAsyncDisposable? Host { get; set; }
    public Func<CancellationToken, Task>? Stop { get; set; }
    public AssemblyLoadContext? Context { get; set; }

    public ErrorCode LoadError { get; private set; }
    public string? LoadMessage { get; private set; }

    public Task Retired => _retired.Task;

    public void Fail(ErrorCode code, string message)
    {
        LoadError = code;
        LoadMessage = message;
    }

    public bool HasChanged() => _watch.HasChanged();

    public bool TryAddRef() => _refs.TryAddRef();

    /// <summary>References held now: the group's while current, plus one per request in flight.</summary>
    public int References => _refs.Count;

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    public void Release()
    {
        if (_refs.Release())
            ThreadPool.UnsafeQueueUserWorkItem(static generation => generation.Retire(), this, preferLocal: false);
    }

    private void Retire()
    {
        try
        {
            using var limit = new CancellationTokenSource(StopLimit);
            var stopping = Task.Run(async () =>
            {
                if (Stop is { } stop)
                    await stop(limit.Token);
                if (Host is { } host)
                    await host.DisposeAsync();
            });
            if (!stopping.Wait(StopLimit + TimeSpan.FromSeconds(1)))
                ApacheLog.Server(ApacheLevel.Warning, ErrorCode.AppStopSlow,
                    $"app '{Path}' generation {Number} (application group '{DisplayGroup}') did not stop within {StopLimit.TotalSeconds} s; unloading anyway");
        }
        catch (Exception e)
        {
            ApacheLog.Server(ApacheLevel.Warning, ErrorCode.AppStopSlow,
                $"app '{Path}' generation {Number} (application group '{DisplayGroup}'): stopping it failed:\n{e}");
        }
        finally
        {
            Host = null;
            Stop = null;
            Server = null;
            var context = Context;
            Context = null;
            if (context is { IsCollectible: true })
            {
                context.Unload();
                UnloadWatch.Watch(context, $"app '{Path}' generation {Number} (application group '{DisplayGroup}')");
            }
            _retired.TrySetResult();
        }
    }

    public string DisplayGroup => GroupName.Length == 0 ? "%{GLOBAL}" : GroupName;
}
