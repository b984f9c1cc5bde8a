using AccessHooks.Integration.Tests.Infrastructure;
using AccessHooks.TestSupport;

namespace AccessHooks.Integration.Tests.Packaging;

/// <summary>
/// The project's NuGet packages, packed once per test run (as `make pack` does) into a local
/// folder feed, under a version of this run's own: NuGet's global cache would otherwise hand
/// back an older package of the same version. This run's versions are taken out of that cache
/// when the run ends.
/// </summary>
internal sealed class LocalFeed
{
    public static readonly string[] Libraries =
    [
        "AccessHooks.Abstractions", "AccessHooks.Providers.Common", "AccessHooks.Providers.Htpasswd",
        "AccessHooks.Providers.GroupFile", "AccessHooks.Providers.Ldap",
    ];

    private static readonly string[] LibraryProjects =
    [
        "src/Hooks.Abstractions/Hooks.Abstractions.csproj",
        "src/Providers/Common/Providers.Common.csproj",
        "src/Providers/Htpasswd/Providers.Htpasswd.csproj",
        "src/Providers/GroupFile/Providers.GroupFile.csproj",
        "src/Providers/Ldap/Providers.Ldap.csproj",
    ];

    private static readonly Lazy<LocalFeed> Packed = new(() => new LocalFeed());

    public static LocalFeed Instance => Packed.Value;

    public string Path { get; }
    public string Version { get; }
    public string TemplatePackage => System.IO.Path.Combine(Path, $"AccessHooks.Templates.{Version}.nupkg");

    private LocalFeed()
    {
        Path = System.IO.Path.Combine(TestRun.NewDirectory("feed"), "packages");
        var suffix = $"test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        Version = $"1.0.0-{suffix}";
        AppDomain.CurrentDomain.ProcessExit += (_, _) => RemoveFromGlobalCache(Version);
        // The libraries were built by `make build`; the templates are content only.
        foreach (var project in LibraryProjects.Append("templates/AccessHooks.Templates.csproj"))
        {
            List<string> arguments = ["pack", System.IO.Path.Combine(RepoPaths.Root, project), "-c", "Release", "-nologo", "-v:q",
                $"-p:VersionSuffix={suffix}", "-o", Path];
            if (project.StartsWith("src/", StringComparison.Ordinal))
                arguments.Add("--no-build");
            ExternalTool.Run("dotnet", arguments, timeout: TimeSpan.FromMinutes(3), environment: AppBuilds.Env)
                .EnsureSuccess($"dotnet pack {project}");
        }
    }

    /// <summary>A nuget.config adding this feed, and empty Directory.*.props so nothing of this repository's build settings applies.</summary>
    public static void WriteConsumerSettings(string directory, string feed)
    {
        Directory.CreateDirectory(directory);
        AppBuilds.IsolateFromRepository(directory);
        File.WriteAllText(System.IO.Path.Combine(directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="accesshooks-local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
    }

    public static string NuGetPackagesRoot() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    private static void RemoveFromGlobalCache(string version)
    {
        try
        {
            foreach (var directory in Directory.Exists(NuGetPackagesRoot()) ? Directory.GetDirectories(NuGetPackagesRoot(), "accesshooks.*") : [])
            {
                var mine = System.IO.Path.Combine(directory, version);
                if (Directory.Exists(mine))
                    Directory.Delete(mine, recursive: true);
            }
        }
        catch (IOException)
        {
            // Best effort at process exit.
        }
    }
}
