using System.Diagnostics;
using AccessHooks.Host.Interop;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AccessHooks.Host.Gateway;

/// <summary>
/// Runs an unmodified ASP.NET Core app's Main on the gateway's server. An IHostingStartup cannot
/// replace Kestrel (its services come before the app's, and slim builders skip it); what works is
/// what WebApplicationFactory and HostFactoryResolver do: listen to the "HostBuilding" event of
/// the Microsoft.Extensions.Hosting diagnostic source, raised on the thread that builds the host,
/// and add the gateway's IServer and IHostLifetime after the app's own services. Main runs on a
/// thread of its own (its app.Run() blocks there until the gateway stops the app), with the app's
/// content root and name as arguments and environment, and with its load context as the
/// contextual reflection context so that MVC finds the app's controllers.
/// </summary>
internal static class AssemblyApp
{
    private const string HostingSource = "Microsoft.Extensions.Hosting";
    private static readonly AsyncLocal<Starting?> s_starting = new();
    private static readonly object s_gate = new();
    private static IDisposable? s_subscription;

    /// <summary>The app being started on this thread: what HostBuilding registers, what HostBuilt reports.</summary>
    private sealed class Starting(GatewayServer server, string appKey)
    {
        public GatewayServer Server { get; } = server;
        public string AppKey { get; } = appKey;
        public readonly TaskCompletionSource<IHost> Built = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly TaskCompletionSource MainEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public static void Start(AppGeneration generation, string appKey)
    {
        Subscribe();
        var path = Path.GetFullPath(generation.Path);
        var directory = Path.GetDirectoryName(path)!;
        var context = new AppLoadContext(path, $"AccessHooks app '{path}' #{generation.Number} in group '{generation.DisplayGroup}'");
        generation.Context = context;
        var assembly = context.LoadFromAssemblyPath(path);
        var entry = assembly.EntryPoint ?? throw new InvalidOperationException($"'{path}' has no Main: it is a library, not an application");
        var name = assembly.GetName().Name ?? Path.GetFileNameWithoutExtension(path);
        var server = new GatewayServer();
        var starting = new Starting(server, appKey);
        string[] args = [$"--contentRoot={directory}", $"--applicationName={name}"];

        var main = new Thread(() =>
        {
            s_starting.Value = starting;
            using var reflection = context.EnterContextualReflection();
            try
            {
                var result = entry.Invoke(null, entry.GetParameters().Length == 0 ? null : [args]);
                if (result is Task task)
                    task.GetAwaiter().GetResult();
                starting.MainEnded.TrySetResult();
            }
            catch (Exception e)
            {
                starting.MainEnded.TrySetException(e is System.Reflection.TargetInvocationException { InnerException: { } inner } ? inner : e);
            }
        })
        { IsBackground = true, Name = $"{name} Main" };

        // Process-wide settings an app reads while it builds its host: one app starts at a time.
        lock (s_gate)
        {
            var saved = new Dictionary<string, string?>();
            void SetEnv(string key, string value)
            {
                saved[key] = Environment.GetEnvironmentVariable(key);
                Environment.SetEnvironmentVariable(key, value);
            }
            SetEnv("ASPNETCORE_CONTENTROOT", directory);
            SetEnv("DOTNET_CONTENTROOT", directory);
            SetEnv("ASPNETCORE_APPLICATIONNAME", name);
            SetEnv("DOTNET_APPLICATIONNAME", name);
            // Static web assets and MapStaticAssets find their manifests under the base directory.
            var baseDirectory = AppContext.GetData("APP_CONTEXT_BASE_DIRECTORY");
            AppContext.SetData("APP_CONTEXT_BASE_DIRECTORY", directory + Path.DirectorySeparatorChar);
            try
            {
                main.Start();
                var first = Task.WaitAny([server.Started, starting.MainEnded.Task], AppLoader.StartLimit);
                if (first < 0)
                    throw new TimeoutException($"the app did not start its server within {AppLoader.StartLimit.TotalSeconds} s");
            }
            finally
            {
                AppContext.SetData("APP_CONTEXT_BASE_DIRECTORY", baseDirectory);
                foreach (var (key, value) in saved)
                    Environment.SetEnvironmentVariable(key, value);
            }
        }
        if (!server.Started.IsCompleted)
        {
            starting.MainEnded.Task.GetAwaiter().GetResult(); // rethrows Main's exception
            throw new InvalidOperationException("Main returned without starting a web host");
        }
        generation.Server = server;
        var host = starting.Built.Task.IsCompletedSuccessfully ? starting.Built.Task.Result : null;
        generation.Stop = async token =>
        {
            if (host is not null)
                await host.StopAsync(token);
            // Main's app.Run() returns once the host stopped; wait for it within the same limit.
            await starting.MainEnded.Task.WaitAsync(token).ContinueWith(static _ => { }, TaskScheduler.Default);
        };
    }

    private static void Subscribe()
    {
        lock (s_gate)
            s_subscription ??= DiagnosticListener.AllListeners.Subscribe(new ListenerObserver());
    }

    private sealed class ListenerObserver : IObserver<DiagnosticListener>
    {
        public void OnNext(DiagnosticListener listener)
        {
            if (listener.Name == HostingSource)
                listener.Subscribe(new HostingObserver());
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }

    private sealed class HostingObserver : IObserver<KeyValuePair<string, object?>>
    {
        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (s_starting.Value is not { } starting)
                return; // another host in this process (a script app's), not an app's Main
            if (value.Key == "HostBuilding" && value.Value is IHostBuilder builder)
                builder.ConfigureServices((_, services) => AppServices.AddGateway(services, starting.Server, starting.AppKey));
            else if (value.Key == "HostBuilt" && value.Value is IHost host)
                starting.Built.TrySetResult(host);
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }
}
