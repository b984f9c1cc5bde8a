using System.Diagnostics;
using AccessHooks.Host.Groups;
using AccessHooks.Host.Tests.Infrastructure;

namespace AccessHooks.Host.Tests;

[Collection(SerialTests.Name)]
public sealed class ShutdownTests : IDisposable
{
    private readonly ScriptDir _dir = new();

    public void Dispose()
    {
        GroupRegistry.ResetAfterShutDown();
        _dir.Dispose();
    }

    [Fact]
    public unsafe void ShutdownDisposesServicesAndIsBounded()
    {
        var marker = Guid.NewGuid().ToString("N");
        var path = _dir.Write("svc.cs", $$"""
            public static class Site
            {
                public static void ConfigureServices(IServiceCollection s) => s.AddSingleton<IPasswordChecker, Checker>();
            }
            public sealed class Checker : IPasswordChecker, IDisposable
            {
                public ValueTask<AuthResult> CheckPasswordAsync(HookRequest r, string u, string p, CancellationToken ct) => new(AuthResult.Granted);
                public void Dispose() => Console.Error.WriteLine("disposed {{marker}}");
            }
            """);
        var invoker = new HookInvoker(path);
        Assert.Equal(1, invoker.CheckPassword("u", "p").Outcome);
        var watch = Stopwatch.StartNew();
        TestHost.Exports->Shutdown();
        // Bounded by the shutdown limit (3 s; other tests' hooks may still hold it) plus slack.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(8), $"shutdown took {watch.Elapsed}");
        Assert.True(SpinWait.SpinUntil(() => TestLog.Server("disposed " + marker).Count == 1, 5000));
        // After shutdown calls fail closed instead of loading again.
        Assert.Equal(214, invoker.CheckPassword("u", "p").Error);
    }
}
