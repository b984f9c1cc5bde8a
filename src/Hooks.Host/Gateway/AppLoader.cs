using System.Reflection;
using AccessHooks.Host.Interop;
using AccessHooks.Host.Scripts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AccessHooks.Host.Gateway;

/// <summary>
/// Starts one generation of an app. A script app (.cs) is compiled like a hook script and runs
/// on a WebApplication the gateway builds: <c>Application(HttpContext)</c> is its whole pipeline,
/// <c>Configure(WebApplication)</c> sets it up (routing, middleware, minimal APIs), an optional
/// <c>ConfigureServices(IServiceCollection)</c> adds services. A .dll app runs its own Main
/// (<see cref="AssemblyApp"/>). A failure becomes the generation's load error.
/// </summary>
internal static class AppLoader
{
    /// <summary>How long a start may take before the request fails (ANCM's startupTimeLimit is 120 s).</summary>
    internal static TimeSpan StartLimit { get; set; } = TimeSpan.FromSeconds(120);

    public static AppGeneration Start(string path, string appKey, string groupName, GroupReferences references, int number)
    {
        var generation = new AppGeneration(path, groupName, number);
        try
        {
            if (path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
                AssemblyApp.Start(generation, appKey);
            else
                StartScriptApp(generation, appKey, references);
        }
        catch (Exception e)
        {
            generation.Fail(ErrorCode.AppLoadError, $"app '{path}' failed to start:\n{(e is TargetInvocationException { InnerException: { } inner } ? inner : e)}");
        }
        return generation;
    }

    private static void StartScriptApp(AppGeneration generation, string appKey, GroupReferences references)
    {
        var path = generation.Path;
        var image = ScriptLoader.Load(path);
        if (image.Error != ErrorCode.None || image.Image is null)
        {
            generation.Fail(image.Error == ErrorCode.None ? ErrorCode.AppLoadError : image.Error, image.Message ?? $"app '{path}' could not be loaded");
            return;
        }
        var conflicts = references.Add(image.References);
        if (conflicts.Count > 0)
        {
            generation.Fail(ErrorCode.ReferenceConflict, ReferenceConflicts.Message($"app '{path}'", generation.DisplayGroup, conflicts));
            return;
        }
        var context = new ScriptLoadContext($"AccessHooks app '{path}' #{generation.Number} in group '{generation.DisplayGroup}'", references);
        generation.Context = context;
        Assembly assembly;
        using (var stream = new MemoryStream(image.Image, writable: false))
            assembly = context.LoadFromStream(stream);

        var (application, configure, configureServices) = FindEntryPoints(assembly);
        if (application is null && configure is null)
        {
            generation.Fail(ErrorCode.MissingFunction,
                $"app '{path}' has no public static Task Application(HttpContext context) and no public static void Configure(WebApplication app) in a public static class");
            return;
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = Path.GetFileNameWithoutExtension(path),
            ContentRootPath = Path.GetDirectoryName(path),
        });
        // Without an appsettings.json saying otherwise, ASP.NET Core's per-request information
        // lines would reach the error log on every request.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        configureServices?.Invoke(null, [builder.Services]);
        var server = new GatewayServer();
        AppServices.AddGateway(builder.Services, server, appKey);
        var app = builder.Build();
        generation.Host = app;
        generation.Server = server;
        generation.Stop = token => app.StopAsync(token);
        if (configure is not null)
            configure.Invoke(null, [app]);
        else
            app.Run(application!.CreateDelegate<RequestDelegate>());
        if (!app.StartAsync().Wait(StartLimit))
            throw new TimeoutException($"the app did not start within {StartLimit.TotalSeconds} s");
    }

    private static (MethodInfo? Application, MethodInfo? Configure, MethodInfo? ConfigureServices) FindEntryPoints(Assembly assembly)
    {
        MethodInfo? application = null, configure = null, configureServices = null;
        foreach (var type in assembly.GetExportedTypes())
        {
            if (!type.IsAbstract || !type.IsSealed)
                continue; // static classes only
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Static))
            {
                var parameters = method.GetParameters();
                if (parameters.Length != 1)
                    continue;
                if (method.Name == "Application" && parameters[0].ParameterType == typeof(HttpContext) && method.ReturnType == typeof(Task))
                    application ??= method;
                else if (method.Name == "Configure" && parameters[0].ParameterType == typeof(WebApplication) && method.ReturnType == typeof(void))
                    configure ??= method;
                else if (method.Name == "ConfigureServices" && parameters[0].ParameterType == typeof(IServiceCollection) && method.ReturnType == typeof(void))
                    configureServices ??= method;
            }
        }
        return (application, configure, configureServices);
    }
}
