namespace AccessHooks.Integration.Tests.Infrastructure;

/// <summary>Where the repository and its build output are, found by walking up from the test binaries.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> RootLazy = new(FindRoot);

    /// <summary>The directory holding AccessHooks.sln.</summary>
    public static string Root => RootLazy.Value;

    public static string ModulesDir => Path.Combine(Root, "build", "modules");

    /// <summary>build/modules/mod_dotnet.so (make native).</summary>
    public static string ModuleSo => Path.Combine(ModulesDir, "mod_dotnet.so");

    /// <summary>build/modules/mod_dotnet/AccessHooks.Host.dll (dotnet publish src/Hooks.Host).</summary>
    public static string HostDll => Path.Combine(ModulesDir, "mod_dotnet", "AccessHooks.Host.dll");

    /// <summary>Scripts/*.cs, copied next to the test assembly.</summary>
    public static string ScriptsDir => Path.Combine(AppContext.BaseDirectory, "Scripts");

    public const string ApacheBinary = "/usr/sbin/apache2";
    public const string ApacheModules = "/usr/lib/apache2/modules";

    /// <summary>Fails the calling test with a clear message when the module has not been built.</summary>
    public static void RequireModule()
    {
        if (!File.Exists(ModuleSo))
            throw new InvalidOperationException($"mod_dotnet is not built: {ModuleSo} is missing (run `make native`).");
        if (!File.Exists(HostDll))
            throw new InvalidOperationException($"the managed host is not published: {HostDll} is missing " +
                "(run `dotnet publish src/Hooks.Host -c Release -o build/modules/mod_dotnet`).");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AccessHooks.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"AccessHooks.sln not found above {AppContext.BaseDirectory}");
    }
}
