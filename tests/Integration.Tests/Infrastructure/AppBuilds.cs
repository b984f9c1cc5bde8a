using AccessHooks.TestSupport;

namespace AccessHooks.Integration.Tests.Infrastructure;

/// <summary>
/// ASP.NET Core apps built at test time with the real SDK: the SDK's own templates (apps nobody
/// here wrote), built once per SDK version into build/app-cache (ignored by git) so that a second
/// run and CI's later classes reuse them, and served unmodified.
/// </summary>
public static class AppBuilds
{
    private static readonly object Gate = new();
    private static readonly Lazy<string> SdkVersion = new(() =>
        ExternalTool.Run("dotnet", ["--version"], timeout: TimeSpan.FromSeconds(60)).EnsureSuccess("dotnet --version").StandardOutput.Trim());

    /// <summary>The built main .dll of `dotnet new <paramref name="template"/>` named <paramref name="name"/>.</summary>
    public static string Template(string template, string name)
    {
        var cache = Path.Combine(RepoPaths.Root, "build", "app-cache", SdkVersion.Value);
        var root = Path.Combine(cache, name);
        var dll = Path.Combine(root, "bin", "Release", "net10.0", name + ".dll");
        lock (Gate)
        {
            if (File.Exists(dll) && File.Exists(Path.Combine(root, ".built")))
                return dll;
            if (Directory.Exists(root))
                Directory.Delete(root, recursive: true);
            Directory.CreateDirectory(root);
            IsolateFromRepository(cache);
            ExternalTool.Run("dotnet", ["new", template, "-n", name, "-o", root, "--no-restore"], timeout: TimeSpan.FromMinutes(2), environment: Env)
                .EnsureSuccess($"dotnet new {template}");
            return BuildAndMark(root, dll, template);
        }
    }

    internal static readonly Dictionary<string, string?> Env = new() { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" };

    /// <summary>The apps are not this repository's projects: stop MSBuild's walk up to its
    /// Directory.Build.props and central package versions.</summary>
    internal static void IsolateFromRepository(string cache)
    {
        foreach (var file in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
            File.WriteAllText(Path.Combine(cache, file), "<Project />\n");
    }

    /// <summary>`dotnet build -c Release`, then the mark that makes the build reusable.</summary>
    internal static string BuildAndMark(string root, string dll, string what)
    {
        ExternalTool.Run("dotnet", ["build", root, "-c", "Release", "-nologo", "-v:q"], timeout: TimeSpan.FromMinutes(5), environment: Env)
            .EnsureSuccess($"dotnet build ({what})");
        File.WriteAllText(Path.Combine(root, ".built"), DateTime.UtcNow.ToString("O"));
        return dll;
    }
}

public static class AppProjects
{
    private static readonly object Gate = new();

    /// <summary>
    /// The built main .dll of a project made of <paramref name="files"/> (relative path -> text),
    /// cached under build/app-cache by a hash of its files: a changed source is a new build.
    /// </summary>
    public static string Build(string name, IReadOnlyDictionary<string, string> files)
    {
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            string.Join("\0", files.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => f.Key + "\0" + f.Value)))))[..12];
        var cache = Path.Combine(RepoPaths.Root, "build", "app-cache", "projects");
        var root = Path.Combine(cache, $"{name}-{hash}");
        var dll = Path.Combine(root, "bin", "Release", "net10.0", name + ".dll");
        lock (Gate)
        {
            if (File.Exists(dll) && File.Exists(Path.Combine(root, ".built")))
                return dll;
            if (Directory.Exists(root))
                Directory.Delete(root, recursive: true);
            Directory.CreateDirectory(root);
            AppBuilds.IsolateFromRepository(cache);
            foreach (var (path, text) in files)
            {
                var full = Path.Combine(root, path);
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                File.WriteAllText(full, text);
            }
            return AppBuilds.BuildAndMark(root, dll, name);
        }
    }

    /// <summary>An SDK-style web project file with the given package references (id -> version).</summary>
    public static string WebProject(params (string Id, string Version)[] packages) => $"""
        <Project Sdk="Microsoft.NET.Sdk.Web">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
          </PropertyGroup>
          <ItemGroup>
        {string.Concat(packages.Select(p => $"    <PackageReference Include=\"{p.Id}\" Version=\"{p.Version}\" />\n"))}  </ItemGroup>
        </Project>
        """;
}

/// <summary>An app on Kestrel (`dotnet App.dll --urls ...`), started and stopped by the test by its pid.</summary>
public sealed class KestrelApp : IDisposable
{
    private readonly System.Diagnostics.Process _process;

    public KestrelApp(string dll, string environment = "Production")
    {
        Port = LoopbackPort.Free();
        var start = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{Port}");
        start.Environment["ASPNETCORE_ENVIRONMENT"] = environment;
        _process = System.Diagnostics.Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!LoopbackPort.Accepts(Port))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                Dispose();
                throw new InvalidOperationException($"Kestrel did not start {dll} on port {Port}");
            }
            Thread.Sleep(100);
        }
    }

    public int Port { get; }
    public string BaseUrl => $"http://127.0.0.1:{Port}";

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
