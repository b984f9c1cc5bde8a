using System.Reflection;
using AccessHooks.Host.Hooks;
using AccessHooks.Host.Interop;
using AccessHooks.Host.Logging;
using AccessHooks.Host.Scripts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AccessHooks.Host.Groups;

/// <summary>
/// Loads every script of a group into a new context, runs their ConfigureServices into one
/// container and binds each script's hooks. Failures are per script where possible (a compile
/// error in one script does not take its siblings down), and are reported when the failing
/// script's hooks are called.
/// </summary>
internal static class GenerationBuilder
{
    public static Generation Build(string groupName, int number, IReadOnlyList<string> paths)
    {
        var context = new ScriptLoadContext($"AccessHooks group '{groupName}' #{number}");
        var units = new Dictionary<string, ScriptUnit>(StringComparer.Ordinal);
        var hooks = new List<(ScriptUnit Unit, ScriptHooks Hooks)>();
        var assemblies = new Dictionary<string, Assembly>(StringComparer.Ordinal);

        foreach (var path in paths)
        {
            var image = ScriptLoader.Load(path);
            var unit = new ScriptUnit(path, image.Mtime);
            units[path] = unit;
            if (image.Error != ErrorCode.None || image.Image is null)
            {
                unit.Fail(image.Error, image.Message ?? $"script '{path}' could not be loaded");
                continue;
            }
            try
            {
                context.AddReferences(image.References);
                if (path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
                    context.AddReferences(NeighbourAssemblies(path));
                // Two script files with identical source share one image (and assembly name).
                if (!assemblies.TryGetValue(image.Key, out var assembly))
                {
                    using var stream = new MemoryStream(image.Image, writable: false);
                    assemblies[image.Key] = assembly = context.LoadFromStream(stream);
                }
                var bound = HookBinder.Bind(assembly, path);
                if (bound.ConfigureServicesError is not null)
                    unit.Fail(ErrorCode.WrongReturnType, bound.ConfigureServicesError);
                else
                    hooks.Add((unit, bound));
            }
            catch (Exception e)
            {
                unit.Fail(ErrorCode.ScriptLoadError, $"script '{path}' failed to load:\n{e}");
            }
        }

        var services = BuildServices(groupName, hooks, out var shared);
        foreach (var (unit, bound) in hooks)
        {
            if (unit.LoadError != ErrorCode.None)
                continue;
            unit.CheckPassword = Choose(bound.CheckPassword, shared.PasswordChecker is { } checker ? ServiceAdapters.For(checker) : null, nameof(IPasswordChecker), "CheckPassword", unit.Path);
            unit.GetRealmHash = Choose(bound.GetRealmHash, shared.RealmHash is { } realm ? ServiceAdapters.For(realm) : null, nameof(IRealmHashProvider), "GetRealmHash", unit.Path);
            unit.GroupsForUser = Choose(bound.GroupsForUser, shared.Groups is { } groups ? ServiceAdapters.For(groups) : null, nameof(IGroupProvider), "GroupsForUser", unit.Path);
            unit.AllowAccess = Choose(bound.AllowAccess, shared.Access is { } access ? ServiceAdapters.For(access) : null, nameof(IHostAccessPolicy), "AllowAccess", unit.Path);
        }
        return new Generation(groupName, number, units, context, services);
    }

    /// <summary>A compiled script's private dependencies live beside it, as an app's do.</summary>
    private static string[] NeighbourAssemblies(string path)
    {
        var directory = Path.GetDirectoryName(path);
        return string.IsNullOrEmpty(directory) || !Directory.Exists(directory) ? [] : Directory.GetFiles(directory, "*.dll");
    }

    private readonly record struct SharedServices(IPasswordChecker? PasswordChecker, IRealmHashProvider? RealmHash, IGroupProvider? Groups, IHostAccessPolicy? Access);

    private static ServiceProvider? BuildServices(string groupName, List<(ScriptUnit Unit, ScriptHooks Hooks)> hooks, out SharedServices shared)
    {
        shared = default;
        var any = false;
        foreach (var (_, bound) in hooks)
            any |= bound.ConfigureServices is not null;
        if (!any)
            return null;

        var services = new ServiceCollection();
        // Providers may ask for ILogger<T>; their lines go to the server's error log.
        services.AddLogging(logging => logging.SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Trace).AddProvider(new ServerLoggerProvider()));
        foreach (var (unit, bound) in hooks)
        {
            if (bound.ConfigureServices is null)
                continue;
            var before = services.Count;
            try
            {
                bound.ConfigureServices.Invoke(null, [services]);
            }
            catch (TargetInvocationException e)
            {
                // Drop what the failed call half-registered, so siblings get a consistent container.
                while (services.Count > before)
                    services.RemoveAt(services.Count - 1);
                unit.Fail(ErrorCode.ScriptLoadError, $"ConfigureServices in script '{unit.Path}' threw:\n{e.InnerException ?? e}");
            }
        }

        ServiceProvider? provider = null;
        try
        {
            provider = services.BuildServiceProvider();
            // Resolved once per generation, not per call: the hot path never touches the container.
            shared = new SharedServices(
                provider.GetService<IPasswordChecker>(),
                provider.GetService<IRealmHashProvider>(),
                provider.GetService<IGroupProvider>(),
                provider.GetService<IHostAccessPolicy>());
            return provider;
        }
        catch (Exception e)
        {
            foreach (var (unit, _) in hooks)
            {
                if (unit.LoadError == ErrorCode.None)
                    unit.Fail(ErrorCode.ScriptLoadError, $"the services of application group '{groupName}' could not be created:\n{e}");
            }
            provider?.Dispose();
            return null;
        }
    }

    private static HookSlot<TResult>? Choose<TResult>(HookSlot<TResult>? function, HookFn<TResult>? service, string serviceName, string phase, string path)
    {
        if (function is not null && service is not null)
        {
            return HookSlot<TResult>.Failed(ErrorCode.ScriptLoadError,
                $"script '{path}' defines {phase} and its application group also has an {serviceName} service registered by ConfigureServices; use one or the other");
        }
        if (function is not null)
            return function;
        return service is null ? null : HookSlot<TResult>.Bound(service, $"{serviceName} service of application group");
    }
}
