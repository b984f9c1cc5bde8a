using System.Reflection;
using System.Runtime.Loader;

namespace AccessHooks.Host.Scripts;

/// <summary>
/// The assemblies the scripts of one application group reference (<c>#r</c> files, a .dll
/// script's neighbours), loaded once per group and shared by every script in it: sharing a group
/// shares memory and statics of these assemblies, never a script's own types or services.
/// Lives as long as the group; an assembly loaded here is not replaced when its file changes.
/// Everything the default context resolves (the host's deps.json, the frameworks) is shared from
/// there instead, so types stay identical across scripts, providers and the host.
/// </summary>
internal sealed class GroupReferences(string name) : AssemblyLoadContext(name, isCollectible: false)
{
    private static readonly Lazy<HashSet<string>> s_platform = new(PlatformAssemblyNames);
    private readonly Dictionary<string, string> _paths = new(StringComparer.OrdinalIgnoreCase);
    private readonly object _gate = new();

    /// <summary>
    /// Assemblies this group may load. A simple name the group already has from a different
    /// file is a conflict, returned and not added: one context holds one assembly of a name, and
    /// taking the first silently would run one script's copy for another (two sites in
    /// %{GLOBAL} each shipping their own Helpers.dll). The same bytes at another path are fine.
    /// </summary>
    public IReadOnlyList<string> Add(IEnumerable<string> paths)
    {
        List<string>? conflicts = null;
        lock (_gate)
        {
            foreach (var path in paths)
            {
                var simple = Path.GetFileNameWithoutExtension(path);
                if (s_platform.Value.Contains(simple))
                    continue; // always the default context's
                if (!_paths.TryGetValue(simple, out var existing))
                    _paths.Add(simple, path);
                else if (!SameFile(existing, path))
                    (conflicts ??= []).Add($"{path} (the group has {simple} from {existing})");
            }
        }
        return conflicts ?? [];
    }

    private static bool SameFile(string a, string b)
    {
        if (string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), StringComparison.Ordinal))
            return true;
        try
        {
            var first = new FileInfo(a);
            var second = new FileInfo(b);
            return first.Length == second.Length && File.ReadAllBytes(a).AsSpan().SequenceEqual(File.ReadAllBytes(b));
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The group's copy of a referenced assembly, or null to let the default context resolve it.</summary>
    public Assembly? Resolve(AssemblyName assemblyName)
    {
        var simple = assemblyName.Name;
        if (simple is null || s_platform.Value.Contains(simple))
            return null;
        lock (_gate)
        {
            if (!_paths.ContainsKey(simple))
                return null;
        }
        return LoadFromAssemblyName(assemblyName);
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var simple = assemblyName.Name;
        string? path;
        lock (_gate)
        {
            if (simple is null || !_paths.TryGetValue(simple, out path))
                return null;
        }
        return s_platform.Value.Contains(simple) ? null : LoadFromAssemblyPath(path);
    }

    /// <summary>Whether the default context has this assembly (host, frameworks): shared, never loaded twice.</summary>
    internal static bool IsPlatform(string simpleName) => s_platform.Value.Contains(simpleName);

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
