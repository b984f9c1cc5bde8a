using System.Reflection;
using System.Runtime.Loader;
using AccessHooks.Host.Scripts;

namespace AccessHooks.Host.Gateway;

/// <summary>
/// A .dll app's assemblies: its private dependencies from its own folder (its deps.json, through
/// AssemblyDependencyResolver), everything the process already has (the shared frameworks, the
/// host) from the default context, so the types the gateway and the app exchange (IServer,
/// HttpContext, IApacheRequestFeature) are one. AccessHooks.Abstractions always binds to the
/// host's copy; an app built against a newer one cannot run here.
/// </summary>
internal sealed class AppLoadContext(string mainAssembly, string name) : AssemblyLoadContext(name, isCollectible: true)
{
    private static readonly Version HostAbstractions = typeof(IApacheRequestFeature).Assembly.GetName().Version ?? new Version();
    private readonly AssemblyDependencyResolver _resolver = new(mainAssembly);

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var simple = assemblyName.Name;
        if (simple is null)
            return null;
        if (simple == "AccessHooks.Abstractions")
        {
            if (assemblyName.Version is { } wanted && wanted > HostAbstractions)
                throw new FileLoadException($"the app was built against AccessHooks.Abstractions {wanted}, newer than this host's {HostAbstractions} (DOTNET0232): update mod_dotnet or build the app against {HostAbstractions}");
            return null;
        }
        if (GroupReferences.IsPlatform(simple))
            return null;
        var path = _resolver.ResolveAssemblyToPath(assemblyName);
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    protected override nint LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
        return path is null ? 0 : LoadUnmanagedDllFromPath(path);
    }
}
