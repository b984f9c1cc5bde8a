using AccessHooks.Host.Tests.Infrastructure;

namespace AccessHooks.Host.Tests;

/// <summary>
/// Not used by the test runner (it hosts the assembly itself). `dotnet AccessHooks.Host.Tests.dll
/// --cache-probe script.cs` runs one check_password in a fresh process and prints what it saw,
/// so a test can observe that a cache hit never loads Roslyn.
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 2 && args[0] == "--cache-probe")
            return CacheProbe(args[1]);
        if (args.Length == 2 && args[0] == "--call-cost")
            return CallCost(int.Parse(args[1]));
        Console.Error.WriteLine("usage: AccessHooks.Host.Tests --cache-probe script.cs | --call-cost seconds");
        return 2;
    }

    /// <summary>
    /// ns per check_password through the real exports, for a hook that answers at once: inline
    /// (DotNetHookTimeout 0) and on the worker's hook thread (a deadline), and AddHtpasswd over a
    /// {SHA} file under a deadline (on the worker: a bundled provider), measured alternately.
    /// A measurement for docs/internals.md, not a test.
    /// </summary>
    private static int CallCost(int seconds)
    {
        var dir = Path.Combine(Path.GetTempPath(), "ah-call-cost-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        var script = Path.Combine(dir, "fast.cs");
        File.WriteAllText(script, "public static class Auth { public static bool CheckPassword(HookRequest r, string u, string p) => u == \"alice\"; }");
        var htpasswd = Path.Combine(dir, "users.htpasswd");
        File.WriteAllText(htpasswd, "alice:{SHA}" + Convert.ToBase64String(System.Security.Cryptography.SHA1.HashData("x"u8)) + "\n");
        var provider = Path.Combine(dir, "provider.cs");
        File.WriteAllText(provider, "public static class Site { public static void ConfigureServices(IServiceCollection s) => s.AddHtpasswd(\"" + htpasswd + "\"); }");
        var inline = new HookInvoker(script, "cost") { TimeoutMs = 0 };
        var limited = new HookInvoker(script, "cost") { TimeoutMs = 30_000 };
        var bundled = new HookInvoker(provider, "cost-provider") { TimeoutMs = 30_000 };
        inline.CheckPassword("alice", "x");
        limited.CheckPassword("alice", "x");
        if (bundled.CheckPassword("alice", "x").Outcome != 1)
            throw new InvalidOperationException("the htpasswd script did not grant alice");
        using var stdout = new StreamWriter(Console.OpenStandardOutput());
        for (var round = 0; round < 5; round++)
        {
            foreach (var (name, invoker) in new[] { ("inline", inline), ("hook thread", limited), ("AddHtpasswd", bundled) })
            {
                var calls = 0;
                var watch = System.Diagnostics.Stopwatch.StartNew();
                while (watch.Elapsed.TotalSeconds < seconds / 10.0)
                {
                    invoker.CheckPassword("alice", "x");
                    calls++;
                }
                stdout.WriteLine($"round {round} {name,-12} {watch.Elapsed.TotalNanoseconds / calls,8:F0} ns/call");
            }
        }
        Directory.Delete(dir, recursive: true);
        return 0;
    }

    private static int CacheProbe(string script)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = new HookInvoker(script).CheckPassword("alice", "x");
        watch.Stop();
        var roslyn = AppDomain.CurrentDomain.GetAssemblies()
            .Any(assembly => assembly.GetName().Name?.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) == true);
        // Console.Out belongs to the error log now (DotNetRestrictStdout Off); answer on a raw stream.
        using var stdout = new StreamWriter(Console.OpenStandardOutput());
        stdout.WriteLine($"rc={result.Rc} outcome={result.Outcome} text={result.Text} compiles={Scripts.ScriptCompiler.CompileCount} roslyn={roslyn} ms={watch.ElapsedMilliseconds}");
        return 0;
    }
}
