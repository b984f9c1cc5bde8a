using AccessHooks.Host.Interop;

namespace AccessHooks.Host.Scripts;

/// <summary>
/// What a script compiles against: the running shared frameworks (Microsoft.NETCore.App and
/// Microsoft.AspNetCore.App, which carries Microsoft.Extensions.DependencyInjection),
/// AccessHooks.Abstractions and the bundled providers beside the host. Paths only: Roslyn types
/// stay in ScriptCompiler.
/// </summary>
internal static class ScriptReferences
{
    public static IEnumerable<string> FrameworkDirectories()
    {
        var core = Path.GetDirectoryName(typeof(object).Assembly.Location);
        var aspNet = Path.GetDirectoryName(typeof(Microsoft.Extensions.DependencyInjection.ServiceCollection).Assembly.Location);
        if (!string.IsNullOrEmpty(core))
            yield return core;
        if (!string.IsNullOrEmpty(aspNet) && aspNet != core)
            yield return aspNet;
    }

    /// <summary>AccessHooks.Abstractions and AccessHooks.Providers.*, as deployed beside the host.</summary>
    public static IEnumerable<string> BundledAssemblies()
    {
        var abstractions = typeof(HookRequest).Assembly.Location;
        if (!string.IsNullOrEmpty(abstractions))
            yield return abstractions;
        var directory = Path.GetDirectoryName(typeof(ErrorCode).Assembly.Location);
        if (string.IsNullOrEmpty(directory))
            directory = AppContext.BaseDirectory;
        var providers = Directory.GetFiles(directory, "AccessHooks.Providers.*.dll");
        Array.Sort(providers, StringComparer.Ordinal);
        foreach (var provider in providers)
            yield return provider;
    }

    public static List<string> All()
    {
        var files = new List<string>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        // Later directories (ASP.NET Core) do not override earlier ones (the core framework).
        foreach (var directory in FrameworkDirectories())
        {
            var dlls = Directory.GetFiles(directory, "*.dll");
            Array.Sort(dlls, StringComparer.Ordinal);
            foreach (var dll in dlls)
            {
                if (names.Add(Path.GetFileName(dll)))
                    files.Add(dll);
            }
        }
        foreach (var bundled in BundledAssemblies())
        {
            if (names.Add(Path.GetFileName(bundled)))
                files.Add(bundled);
        }
        return files;
    }
}
