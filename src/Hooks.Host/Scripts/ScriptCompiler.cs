using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using AccessHooks.Host.Interop;
using AccessHooks.Host.Logging;

namespace AccessHooks.Host.Scripts;

/// <summary>The outcome of a compile: an image, or the error diagnostics formatted file:line:col.</summary>
internal sealed record CompileOutput(byte[]? Image, IReadOnlyList<string> Errors);

/// <summary>
/// Runs Roslyn in an AssemblyLoadContext of its own, loaded on a child's first compile. The
/// metadata of the ~250 assemblies a script compiles against is most of the compiler's memory
/// (over 100 MB, copied into native memory); a child compiles rarely (first use of a script that
/// is not in the cache, or an edit), so once compiles stop coming (<see cref="IdleReleaseDelay"/>)
/// the compiler drops those references and the host collects them. Roslyn's code stays loaded
/// (a child that compiled keeps 20-25 MB more private memory than its siblings, measured):
/// unloading it too, in a collectible context, and loading it again for a later compile crashed
/// that compile inside Roslyn in about one test run in ten (an access violation, or a
/// dictionary's null key, in the second copy), so a process loads Roslyn once. The host talks to AccessHooks.Host.Compiler through delegates with BCL
/// types only, so no Roslyn object is referenced from outside the context.
/// </summary>
internal static class ScriptCompiler
{
    private const string CompilerAssembly = "AccessHooks.Host.Compiler";

    // The usings internals.md promises, as global usings in a tree of their own so that line
    // numbers in the script stay the script's.
    private const string ImplicitUsings =
        "global using System;\n" +
        "global using System.IO;\n" +
        "global using System.Linq;\n" +
        "global using System.Collections.Generic;\n" +
        "global using System.Threading;\n" +
        "global using System.Threading.Tasks;\n" +
        "global using AccessHooks;\n" +
        "global using Microsoft.Extensions.DependencyInjection;\n" +
        // Script apps: what an ASP.NET Core project's implicit usings give.
        "global using Microsoft.AspNetCore.Builder;\n" +
        "global using Microsoft.AspNetCore.Http;\n" +
        "global using Microsoft.AspNetCore.Routing;\n" +
        "global using Microsoft.Extensions.Configuration;\n" +
        "global using Microsoft.Extensions.Hosting;\n" +
        "global using Microsoft.Extensions.Logging;\n";

    private delegate (byte[]? Image, string[] Errors) CompileFn(
        string path, string text, string implicitUsings, string[] baseReferences, string[] extraReferences, string assemblyName);

    private static readonly object s_gate = new();
    private static readonly Lazy<string[]> s_baseReferences = new(ManagedReferences);
    private static CompilerLoadContext? s_context;
    private static CompileFn? s_compile;
    private static Action? s_releaseReferences;
    private static int s_busy;
    private static bool s_holdsReferences;
    private static long s_lastUse;
    private static Timer? s_idleTimer;
    private static int s_compileCount;
    private static int s_releaseCount;

    /// <summary>How many compiles this process ran (tests check a cache hit does none).</summary>
    public static int CompileCount => Volatile.Read(ref s_compileCount);

    /// <summary>How many times the idle compiler dropped its references (tests).</summary>
    public static int ReleaseCount => Volatile.Read(ref s_releaseCount);

    /// <summary>The compiler's load context, once made: it is made once and kept (tests).</summary>
    internal static AssemblyLoadContext? Context
    {
        get
        {
            lock (s_gate)
                return s_context;
        }
    }

    /// <summary>Whether the compiler holds the framework's metadata right now.</summary>
    public static bool HoldsReferences
    {
        get
        {
            lock (s_gate)
                return s_holdsReferences;
        }
    }

    /// <summary>
    /// How long the compiler keeps its references after its last compile: long enough that a
    /// burst (a group of scripts, several edits in a row) reads them once, short enough that a
    /// child does not carry them. Internal so tests can shorten it.
    /// </summary>
    internal static TimeSpan IdleReleaseDelay { get; set; } = TimeSpan.FromSeconds(10);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static CompileOutput Compile(ScriptSource source, string assemblyName)
    {
        Interlocked.Increment(ref s_compileCount);
        var compile = Enter();
        try
        {
            var (image, errors) = compile(source.Path, BlankReferenceLines(source), ImplicitUsings,
                s_baseReferences.Value, source.References, assemblyName);
            return new CompileOutput(image, errors);
        }
        finally
        {
            Leave();
        }
    }

    /// <summary>
    /// Drops the compiler's references now unless a compile is running, and collects them.
    /// False when there was nothing to drop or a compile is running.
    /// </summary>
    internal static bool ReleaseNow()
    {
        lock (s_gate)
        {
            if (!s_holdsReferences || s_busy > 0)
                return false;
            ReleaseLocked();
        }
        Collect();
        return true;
    }

    private static CompileFn Enter()
    {
        lock (s_gate)
        {
            s_busy++;
            if (s_compile is not null)
            {
                s_holdsReferences = true;
                return s_compile;
            }
            try
            {
                // One context for the process's life, even when loading into it failed once:
                // a retry must not load a second copy of Roslyn.
                var context = s_context ??= new CompilerLoadContext(CompilerDirectory());
                var type = context.LoadFromAssemblyName(new AssemblyName(CompilerAssembly))
                    .GetType("AccessHooks.Host.Compiler.RoslynCompiler", throwOnError: true)!;
                var compile = type.GetMethod("Compile", BindingFlags.Public | BindingFlags.Static)
                    ?? throw new MissingMethodException(type.FullName, "Compile");
                var release = type.GetMethod("ReleaseReferences", BindingFlags.Public | BindingFlags.Static)
                    ?? throw new MissingMethodException(type.FullName, "ReleaseReferences");
                s_releaseReferences = release.CreateDelegate<Action>();
                s_compile = compile.CreateDelegate<CompileFn>();
                s_holdsReferences = true;
                return s_compile;
            }
            catch
            {
                s_busy--;
                throw;
            }
        }
    }

    private static void Leave()
    {
        lock (s_gate)
        {
            s_busy--;
            s_lastUse = Environment.TickCount64;
            if (s_busy == 0)
            {
                // One timer, re-armed by every compile: it fires once the compiler has been idle.
                s_idleTimer ??= new Timer(static _ => IdleCheck(), null, Timeout.Infinite, Timeout.Infinite);
                s_idleTimer.Change(IdleReleaseDelay, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private static void IdleCheck()
    {
        try
        {
            lock (s_gate)
            {
                if (!s_holdsReferences || s_busy > 0)
                    return;
                var idle = TimeSpan.FromMilliseconds(Environment.TickCount64 - s_lastUse);
                if (idle < IdleReleaseDelay)
                {
                    s_idleTimer?.Change(IdleReleaseDelay - idle, Timeout.InfiniteTimeSpan);
                    return;
                }
                ReleaseLocked();
            }
            Collect();
        }
        catch (Exception e)
        {
            // A timer callback must not throw: that would end the process.
            ApacheLog.Server(ApacheLevel.Warning, ErrorCode.InternalError, $"releasing the script compiler's references failed: {e}");
        }
    }

    private static void ReleaseLocked()
    {
        s_releaseReferences?.Invoke();
        s_holdsReferences = false;
        s_idleTimer?.Change(Timeout.Infinite, Timeout.Infinite);
        Interlocked.Increment(ref s_releaseCount);
    }

    /// <summary>
    /// The dropped metadata goes only when collections find nothing referencing it and its
    /// finalizers have freed the native copies, which takes more than one; the child would
    /// otherwise keep the garbage until its small steady allocation rate triggers a gen2, which
    /// can be hours. The aggressive mode also returns the freed memory to the OS.
    /// </summary>
    private static void Collect()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        TrimNativeHeap();
    }

    /// <summary>
    /// Roslyn copies the metadata of every reference into malloc'd memory (System.Reflection.Metadata
    /// prefetch); the finalizers above free it, but glibc keeps freed chunks inside the arena of
    /// the thread that allocated them: ~30 MB stayed resident per compiling child, measured.
    /// malloc_trim hands the free pages of every arena back. Absent on other C libraries (musl):
    /// then the memory stays, as before.
    /// </summary>
    private static void TrimNativeHeap()
    {
        if (!OperatingSystem.IsLinux())
            return;
        try
        {
            _ = LibC.MallocTrim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc.
        }
    }

    private static string CompilerDirectory() =>
        Path.GetDirectoryName(typeof(ScriptCompiler).Assembly.Location) is { Length: > 0 } directory ? directory : AppContext.BaseDirectory;

    /// <summary><c>#r</c> is not C# outside scripting mode; its lines become blank so positions stay.</summary>
    private static string BlankReferenceLines(ScriptSource source)
    {
        if (source.ReferenceLines.Length == 0)
            return source.Text;
        var lines = source.Text.Split('\n');
        foreach (var line in source.ReferenceLines)
            lines[line] = lines[line].EndsWith('\r') ? "\r" : string.Empty;
        return string.Join('\n', lines);
    }

    /// <summary>The framework and bundled assemblies that carry metadata (native files in those directories are skipped).</summary>
    private static string[] ManagedReferences()
    {
        var managed = new List<string>();
        foreach (var path in ScriptReferences.All())
        {
            if (IsManagedAssembly(path))
                managed.Add(path);
        }
        return managed.ToArray();
    }

    private static bool IsManagedAssembly(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var reader = new System.Reflection.PortableExecutable.PEReader(stream);
            return reader.HasMetadata;
        }
        catch (Exception e) when (e is IOException or BadImageFormatException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Loads the compiler and Roslyn from the host's directory; everything else they need (the
    /// BCL, System.Collections.Immutable, System.Reflection.Metadata) comes from the default
    /// context. Roslyn is also in the host's deps.json, but a context's own Load runs first, so
    /// these copies are private to it. Not collectible: it is loaded once and kept.
    /// </summary>
    private sealed class CompilerLoadContext(string directory) : AssemblyLoadContext("AccessHooks script compiler", isCollectible: false)
    {
        protected override Assembly? Load(AssemblyName assemblyName)
        {
            var name = assemblyName.Name;
            if (name is null || !(name == CompilerAssembly || name.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal)))
                return null;
            var path = Path.Combine(directory, name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
