using System.Diagnostics;
using AccessHooks.Host.Scripts;
using AccessHooks.Host.Tests.Infrastructure;

namespace AccessHooks.Host.Tests;

/// <summary>
/// Children starting at once compile a script once: the compile of one cache key is behind an
/// exclusive lock shared through the cache directory, and a loader that waited for it loads
/// the image the holder stored instead of compiling again.
/// </summary>
[Collection(SerialTests.Name)]
public sealed class CompileLockTests : IDisposable
{
    private readonly ScriptDir _dir = new();

    public void Dispose()
    {
        ScriptCache.CompileWait = TimeSpan.FromSeconds(120);
        _dir.Dispose();
    }

    [Fact]
    public void A_held_compile_lock_makes_another_loader_wait_and_is_free_once_released()
    {
        TestHost.EnsureInitialized();
        var key = Guid.NewGuid().ToString("N");
        ScriptCache.CompileWait = TimeSpan.FromMilliseconds(400);
        using (var held = ScriptCache.LockForCompile(key))
        {
            Assert.NotNull(held);
            var sw = Stopwatch.StartNew();
            using var second = ScriptCache.LockForCompile(key);
            Assert.Null(second); // gave up after the wait: the caller compiles by itself
            Assert.True(sw.ElapsedMilliseconds >= 350, $"waited only {sw.ElapsedMilliseconds} ms");
        }
        using var free = ScriptCache.LockForCompile(key);
        Assert.NotNull(free);
    }

    [Fact]
    public async Task A_loader_that_waited_loads_the_image_the_holder_stored()
    {
        TestHost.EnsureInitialized();
        var path = _dir.Write("locked.cs", $"// {Guid.NewGuid():N}\npublic static class Auth {{ public static string CheckPassword(HookRequest r, string u, string p) => \"genuine\"; }}\n");
        var source = ScriptSource.Read(path);
        var key = ScriptCache.ComputeKey(source);
        var image = ScriptCompiler.Compile(source, "Locked" + Guid.NewGuid().ToString("N")).Image!;
        Task<LoadedImage> loading;
        using (ScriptCache.LockForCompile(key))
        {
            loading = Task.Run(() => ScriptLoader.Load(path));
            await Task.Delay(300);
            Assert.False(loading.IsCompleted); // waiting for the holder
            ScriptCache.Write(key, image);
        }
        var loaded = await loading.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(image, loaded.Image); // the stored bytes, not a compile of its own
    }
}
