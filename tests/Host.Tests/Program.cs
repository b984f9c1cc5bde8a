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
        Console.Error.WriteLine("usage: AccessHooks.Host.Tests --cache-probe script.cs");
        return 2;
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
