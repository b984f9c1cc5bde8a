using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Hosting;

namespace AccessHooks.Host.Gateway;

/// <summary>
/// The IServer an app runs on in place of Kestrel: it listens on nothing; Apache hands it
/// requests (<see cref="ProcessAsync"/>). StartAsync records the app's pipeline and tells the
/// waiting loader that the app is up.
/// </summary>
internal sealed class GatewayServer : IServer
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Func<AppRequest, Task>? _pipeline;

    public GatewayServer()
    {
        Features.Set<IServerAddressesFeature>(new ServerAddressesFeature());
    }

    public IFeatureCollection Features { get; } = new FeatureCollection();

    /// <summary>Completes when the app's host has started this server.</summary>
    public Task Started => _started.Task;

    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken) where TContext : notnull
    {
        _pipeline = request => Run(application, request);
        _started.TrySetResult();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _pipeline = null;
        return Task.CompletedTask;
    }

    public void Dispose()
    {
    }

    /// <summary>Runs one request through the app, to the end of its response. Throws what the app threw.</summary>
    public Task ProcessAsync(AppRequest request) =>
        _pipeline is { } pipeline ? pipeline(request) : throw new InvalidOperationException("the application is not running (it stopped, or never started its server)");

    private static async Task Run<TContext>(IHttpApplication<TContext> application, AppRequest request) where TContext : notnull
    {
        var context = application.CreateContext(request);
        Exception? error = null;
        try
        {
            await application.ProcessRequestAsync(context);
            await request.CompleteAsync();
        }
        catch (Exception e)
        {
            error = e;
            throw;
        }
        finally
        {
            application.DisposeContext(context, error);
            await request.FireOnCompletedAsync();
        }
    }

    private sealed class ServerAddressesFeature : IServerAddressesFeature
    {
        public ICollection<string> Addresses { get; } = [];
        public bool PreferHostingUrls { get; set; }
    }
}

/// <summary>
/// The app's IHostLifetime: no console, no signals (SIGTERM belongs to Apache). The host stops
/// the app itself, at reload or child exit.
/// </summary>
internal sealed class GatewayLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
