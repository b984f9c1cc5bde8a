using System.Reflection;
using AccessHooks.Host.Hooks;
using AccessHooks.Host.Interop;
using AccessHooks.Host.Logging;
using AccessHooks.Host.Scripts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AccessHooks.Host.Groups;

/// <summary>
/// Builds one generation of one script: loads its image into a new collectible context, runs its
/// own ConfigureServices into its own container and binds its hooks, each phase to the script's
/// function or to the service its own container resolves (both is a load error). Nothing another
/// script registered can answer for this one. Failures become the unit's load error, reported
/// when its hooks are called.
/// </summary>
internal static class ScriptGenerationBuilder
{
    public static ScriptGeneration Build(string groupName, GroupReferences references, string path, int number)
    {
        var image = ScriptLoader.Load(path);
        var unit = new ScriptUnit(path, image.Mtime);
        if (image.Error != ErrorCode.None || image.Image is null)
        {
            unit.Fail(image.Error, image.Message ?? $"script '{path}' could not be loaded");
            return new ScriptGeneration(groupName, number, unit, null, null);
        }

        ScriptLoadContext? context = null;
        ServiceProvider? services = null;
        try
        {
            var conflicts = references.Add(image.References).ToList();
            if (path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
                conflicts.AddRange(references.Add(NeighbourAssemblies(path)));
            if (conflicts.Count > 0)
            {
                unit.Fail(ErrorCode.ReferenceConflict, ReferenceConflicts.Message($"script '{path}'", groupName, conflicts));
                return new ScriptGeneration(groupName, number, unit, null, null);
            }
            context = new ScriptLoadContext($"AccessHooks script '{path}' #{number} in group '{groupName}'", references);
            Assembly assembly;
            using (var stream = new MemoryStream(image.Image, writable: false))
                assembly = context.LoadFromStream(stream);
            var bound = HookBinder.Bind(assembly, path);
            if (bound.ConfigureServicesError is not null)
            {
                unit.Fail(ErrorCode.WrongReturnType, bound.ConfigureServicesError);
                return new ScriptGeneration(groupName, number, unit, context, null);
            }
            services = BuildServices(unit, bound.ConfigureServices);
            if (unit.LoadError == ErrorCode.None)
                BindPhases(unit, bound, services);
        }
        catch (Exception e)
        {
            unit.Fail(ErrorCode.ScriptLoadError, $"script '{path}' failed to load:\n{e}");
        }
        return new ScriptGeneration(groupName, number, unit, context, services);
    }

    private static void BindPhases(ScriptUnit unit, ScriptHooks bound, ServiceProvider? services)
    {
        var checker = services?.GetService<IPasswordChecker>();
        var realm = services?.GetService<IRealmHashProvider>();
        var groups = services?.GetService<IGroupProvider>();
        var access = services?.GetService<IHostAccessPolicy>();
        unit.CheckPassword = Choose(bound.CheckPassword, checker is null ? null : ServiceAdapters.For(checker), InlineProviders.AnswersInline(checker), nameof(IPasswordChecker), "CheckPassword", unit.Path);
        unit.GetRealmHash = Choose(bound.GetRealmHash, realm is null ? null : ServiceAdapters.For(realm), InlineProviders.AnswersInline(realm), nameof(IRealmHashProvider), "GetRealmHash", unit.Path);
        unit.GroupsForUser = Choose(bound.GroupsForUser, groups is null ? null : ServiceAdapters.For(groups), InlineProviders.AnswersInline(groups), nameof(IGroupProvider), "GroupsForUser", unit.Path);
        unit.AllowAccess = Choose(bound.AllowAccess, access is null ? null : ServiceAdapters.For(access), runsInline: false, nameof(IHostAccessPolicy), "AllowAccess", unit.Path);
    }

    /// <summary>A compiled script's private dependencies live beside it, as an app's do. Not the
    /// script itself: it loads into its own context, so two sites' Hooks.dll never clash.</summary>
    private static string[] NeighbourAssemblies(string path)
    {
        var directory = Path.GetDirectoryName(path);
        return string.IsNullOrEmpty(directory) || !Directory.Exists(directory) ? []
            : Directory.GetFiles(directory, "*.dll").Where(f => !string.Equals(Path.GetFullPath(f), Path.GetFullPath(path), StringComparison.Ordinal)).ToArray();
    }

    /// <summary>The script's own container, or null when it has no ConfigureServices (or it failed: the unit says why).</summary>
    private static ServiceProvider? BuildServices(ScriptUnit unit, MethodInfo? configureServices)
    {
        if (configureServices is null)
            return null;
        var services = new ServiceCollection();
        // Providers may ask for ILogger<T>; their lines go to the server's error log.
        services.AddLogging(logging => logging.SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Trace).AddProvider(new ServerLoggerProvider()));
        try
        {
            configureServices.Invoke(null, [services]);
        }
        catch (TargetInvocationException e)
        {
            unit.Fail(ErrorCode.ScriptLoadError, $"ConfigureServices in script '{unit.Path}' threw:\n{e.InnerException ?? e}");
            return null;
        }
        try
        {
            return services.BuildServiceProvider();
        }
        catch (Exception e)
        {
            unit.Fail(ErrorCode.ScriptLoadError, $"the services of script '{unit.Path}' could not be created:\n{e}");
            return null;
        }
    }

    private static HookSlot<TResult>? Choose<TResult>(HookSlot<TResult>? function, HookFn<TResult>? service, bool runsInline, string serviceName, string phase, string path)
    {
        if (function is not null && service is not null)
        {
            return HookSlot<TResult>.Failed(ErrorCode.ScriptLoadError,
                $"script '{path}' defines {phase} and also registers an {serviceName} service in its ConfigureServices; use one or the other");
        }
        if (function is not null)
            return function;
        // The providers that answer inline are the bundled ones, and none of them reads the request.
        return service is null ? null : HookSlot<TResult>.Bound(service, $"{serviceName} service of '{path}'", runsInline, readsRequest: !runsInline);
    }
}
