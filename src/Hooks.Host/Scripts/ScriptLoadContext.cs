using System.Reflection;
using System.Runtime.Loader;

namespace AccessHooks.Host.Scripts;

/// <summary>
/// One generation of an application group: a collectible context holding the group's script
/// assemblies and their <c>#r</c> references. Everything else (Abstractions, providers,
/// Microsoft.Extensions.*, ASP.NET Core) resolves to the default context, so types are
/// identical across scripts and the host and the container can hand out provider instances.
/// </summary>
internal sealed class ScriptLoadContext(string name) : AssemblyLoadContext(name, isCollectible: true)
{
    private static readonly Lazy<HashSet<string>> s_platform = new(PlatformAssemblyNames);
    private readonly Dictionary<string, string> _references = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Assemblies this context may load itself: <c>#r</c> files, a .dll script's neighbours.</summary>
    public void AddReferences(IEnumerable<string> paths)
    {
        foreach (var path in paths)
            _references.TryAdd(Path.GetFileNameWithoutExtension(path), path);
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var simple = assemblyName.Name;
        if (simple is null || !_references.TryGetValue(simple, out var path))
            return null;
        // An assembly the default context can resolve (the host's deps.json, the frameworks) is
        // shared from there even when a script names it with #r: one type identity per process.
        if (s_platform.Value.Contains(simple))
            return null;
        return LoadFromAssemblyPath(path);
    }

    private static HashSet<string> PlatformAssemblyNames()
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string list)
        {
            foreach (var file in list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
                names.Add(Path.GetFileNameWithoutExtension(file));
        }
        return names;
    }
}
