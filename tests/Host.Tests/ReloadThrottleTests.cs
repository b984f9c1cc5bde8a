using AccessHooks.Host.Groups;
using AccessHooks.Host.Tests.Infrastructure;

namespace AccessHooks.Host.Tests;

[Collection(SerialTests.Name)]
public sealed class ReloadThrottleTests : IDisposable
{
    private readonly ScriptDir _dir = new();

    public void Dispose()
    {
        GroupRegistry.ReloadCheckInterval = TimeSpan.Zero;
        _dir.Dispose();
    }

    [Fact]
    public void MtimeIsCheckedAtMostOncePerSecond()
    {
        TestHost.EnsureInitialized();
        GroupRegistry.ReloadCheckInterval = TimeSpan.FromSeconds(1);
        var marker = Guid.NewGuid().ToString("N");
        var path = _dir.Write("auth.cs", $"// {marker}\npublic static class Auth {{ public static string CheckPassword(HookRequest r, string u, string p) => \"v1\"; }}");
        var invoker = new HookInvoker(path);
        Assert.Equal("v1", invoker.CheckPassword("u", "p").Text);
        File.WriteAllText(path, $"// {marker}\npublic static class Auth {{ public static string CheckPassword(HookRequest r, string u, string p) => \"v2\"; }}");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));
        Assert.Equal("v1", invoker.CheckPassword("u", "p").Text);   // within the second: not looked at
        Thread.Sleep(1100);
        Assert.Equal("v2", invoker.CheckPassword("u", "p").Text);
    }
}
