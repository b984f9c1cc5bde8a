using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using AccessHooks.Host.Scripts;
using AccessHooks.Host.Tests.Infrastructure;

namespace AccessHooks.Host.Tests;

/// <summary>
/// Roslyn runs in a collectible context that is unloaded after use (DESIGN: memory per child):
/// after an unload and a few collections nothing of it may remain, and the next compile loads it
/// again.
/// </summary>
[Collection(SerialTests.Name)]
public sealed class CompilerUnloadTests : IDisposable
{
    private readonly ScriptDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Script(string name, string body) =>
        _dir.Write(name, $"// {Guid.NewGuid():N}\npublic static class Auth {{ public static string CheckPassword(HookRequest r, string u, string p) => {body}; }}\n");

    [Fact]
    public void TheCompilerContextIsCollectedAfterUnloadAndTheNextCompileLoadsItAgain()
    {
        TestHost.EnsureInitialized();
        Assert.Equal("one", new HookInvoker(Script("one.cs", "\"one\"")).CheckPassword("u", "p").Text);
        var compiles = ScriptCompiler.CompileCount;

        var unloaded = UnloadAndCollect();
        Assert.False(unloaded.IsAlive, "the compiler's load context is still reachable after unload and 20 collections");
        Assert.DoesNotContain(AssemblyLoadContext.Default.Assemblies,
            assembly => assembly.GetName().Name!.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal));

        Assert.Equal("two", new HookInvoker(Script("two.cs", "\"two\"")).CheckPassword("u", "p").Text);
        Assert.Equal(compiles + 1, ScriptCompiler.CompileCount);
        Assert.True(ScriptCompiler.IsLoaded);
    }

    [Fact]
    public void ACompileErrorDoesNotKeepTheCompilerAlive()
    {
        TestHost.EnsureInitialized();
        var result = new HookInvoker(Script("broken.cs", "undefined_name")).CheckPassword("u", "p");
        Assert.Equal(201, result.Error);
        var unloaded = UnloadAndCollect();
        Assert.False(unloaded.IsAlive, "the compiler's load context is still reachable after a failed compile");
    }

    [Fact]
    public void TheCompilerUnloadsItselfWhenIdle()
    {
        TestHost.EnsureInitialized();
        var delay = ScriptCompiler.IdleUnloadDelay;
        ScriptCompiler.IdleUnloadDelay = TimeSpan.FromMilliseconds(200);
        try
        {
            var unloads = ScriptCompiler.UnloadCount;
            Assert.Equal("idle", new HookInvoker(Script("idle.cs", "\"idle\"")).CheckPassword("u", "p").Text);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (ScriptCompiler.UnloadCount == unloads && DateTime.UtcNow < deadline)
                Thread.Sleep(50);
            Assert.True(ScriptCompiler.UnloadCount > unloads, "the idle compiler was not unloaded");
        }
        finally
        {
            ScriptCompiler.IdleUnloadDelay = delay;
        }
    }

    /// <summary>Other test classes may be compiling in parallel: retry until the compiler is idle.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference UnloadAndCollect()
    {
        WeakReference? unloaded = null;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (unloaded is null && DateTime.UtcNow < deadline)
        {
            unloaded = ScriptCompiler.UnloadNow();
            if (unloaded is null)
                Thread.Sleep(20);
        }
        Assert.NotNull(unloaded);
        for (var i = 0; i < 20 && unloaded.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        return unloaded;
    }
}
