using System.Net;
using System.Net.Sockets;

namespace AccessHooks.Integration.Tests.Infrastructure;

/// <summary>
/// State shared by the whole test run: one root temp directory and ONE script cache, so every
/// script compiles once per run whatever the number of servers and children.
/// </summary>
public static class TestRun
{
    public const string ApacheUser = "www-data";

    // The run's root: a TestSupport TempDirectory (0755), deleted when the test process exits
    // unless AH_KEEP_TEST_DIRS=1 (then configs and logs stay for a post-mortem).
    private static readonly Lazy<AccessHooks.TestSupport.TempDirectory> RootLazy = new(() =>
    {
        RemoveStaleRuns();
        var root = new AccessHooks.TestSupport.TempDirectory("ah-it-");
        File.WriteAllText(Path.Combine(root.Path, OwnerFile), Environment.ProcessId.ToString());
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            if (Environment.GetEnvironmentVariable("AH_KEEP_TEST_DIRS") == "1")
                return;
            // owner.pid goes last: if the host is torn down half-way, the next run still recognises
            // the remains as a stale run of ours and removes them.
            try
            {
                foreach (var d in Directory.EnumerateDirectories(root.Path))
                    Directory.Delete(d, recursive: true);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            root.Dispose();
        };
        return root;
    });

    private const string OwnerFile = "owner.pid";

    /// <summary>The exit handler may not finish deleting a large tree before the test host is torn down:
    /// remove earlier runs' directories (marked with owner.pid) whose process is gone.</summary>
    private static void RemoveStaleRuns()
    {
        foreach (var dir in Directory.EnumerateDirectories(Path.GetTempPath(), "ah-it-*"))
        {
            try
            {
                var owner = Path.Combine(dir, OwnerFile);
                if (!File.Exists(owner) || !int.TryParse(File.ReadAllText(owner).Trim(), out var pid))
                    continue;
                if (Directory.Exists($"/proc/{pid}"))
                    continue;
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    private static readonly Lazy<string> CacheLazy = new(() =>
    {
        var dir = Path.Combine(Root, "script-cache");
        Directory.CreateDirectory(dir);
        ChownToApache(dir);
        return dir;
    });

    private static readonly Lazy<string> ModuleLazy = new(SnapshotModule);

    private static int _counter;

    /// <summary>
    /// A copy of build/modules (mod_dotnet.so and mod_dotnet/) taken once per run. Servers load the copy,
    /// so a `make native` or `dotnet publish` running meanwhile cannot rewrite a .so under a live Apache
    /// (children forked from a parent whose mapped module changed on disk crash with SIGSEGV).
    /// </summary>
    public static string ModuleSnapshot => ModuleLazy.Value;

    private static string SnapshotModule()
    {
        RepoPaths.RequireModule();
        var dest = Path.Combine(Root, "modules");
        for (var attempt = 0; ; attempt++)
        {
            if (Directory.Exists(dest))
                Directory.Delete(dest, recursive: true);
            var before = Stamp();
            CopyTree(RepoPaths.ModulesDir, dest);
            if (Stamp() == before)
                break;
            if (attempt == 5)
                throw new InvalidOperationException("build/modules keeps changing while being copied (a build is running)");
            Thread.Sleep(2000);
        }
        return Path.Combine(dest, "mod_dotnet.so");

        static string Stamp() => string.Join("|", new[] { RepoPaths.ModuleSo, RepoPaths.HostDll }
            .Select(f => new FileInfo(f)).Select(f => $"{f.Length}:{f.LastWriteTimeUtc.Ticks}"));
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        MakeReadable(to);
        foreach (var f in Directory.EnumerateFiles(from))
            File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        foreach (var d in Directory.EnumerateDirectories(from))
            CopyTree(d, Path.Combine(to, Path.GetFileName(d)));
    }

    /// <summary>The run's root directory (0755).</summary>
    public static string Root => RootLazy.Value.Path;

    /// <summary>The DotNetScriptCache every server of the run shares (owned by www-data).</summary>
    public static string ScriptCache => CacheLazy.Value;

    /// <summary>A new 0755 directory under the run's root.</summary>
    public static string NewDirectory(string prefix)
    {
        var dir = Path.Combine(Root, $"{prefix}-{Interlocked.Increment(ref _counter)}");
        Directory.CreateDirectory(dir);
        MakeReadable(dir);
        return dir;
    }

    public static void MakeReadable(string dir) =>
        File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                                  UnixFileMode.GroupRead | UnixFileMode.GroupExecute |
                                  UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

    public static void ChownToApache(string path) =>
        ProcessRunner.Check("chown", "-R", $"{ApacheUser}:{ApacheUser}", path);

    /// <summary>Waits, bounded, until something accepts TCP connections on 127.0.0.1:port.</summary>
    public static async Task<bool> WaitForPortAsync(int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var c = new TcpClient();
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await c.ConnectAsync(IPAddress.Loopback, port, cts.Token);
                return true;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                await Task.Delay(50);
            }
        }
        return false;
    }

    /// <summary>Polls a condition until it holds or the timeout passes.</summary>
    public static async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout, int pollMs = 50)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (condition())
                return true;
            if (DateTime.UtcNow >= deadline)
                return false;
            await Task.Delay(pollMs);
        }
    }
}
