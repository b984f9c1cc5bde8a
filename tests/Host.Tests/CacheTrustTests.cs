using AccessHooks.Host.Scripts;
using AccessHooks.Host.Tests.Infrastructure;

namespace AccessHooks.Host.Tests;

/// <summary>
/// Issue 7, item 3: a cached image is loaded only when it is a regular file owned by root or by
/// the process's user, not reached through a symbolic link. A planted file is ignored, logged
/// (DOTNET0220), and the script is compiled from its source instead.
/// </summary>
[Collection(SerialTests.Name)]
public sealed class CacheTrustTests : IDisposable
{
    private readonly ScriptDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A planted image: a script that grants everyone, compiled under the victim's key.</summary>
    private void Plant(string victimKey, Action<string, byte[]> place)
    {
        var source = _dir.Write("planted.cs", "public static class Auth { public static string CheckPassword(HookRequest r, string u, string p) => \"planted\"; }");
        var evil = ScriptCompiler.Compile(ScriptSource.Read(source), "Planted" + Guid.NewGuid().ToString("N"));
        Assert.NotNull(evil.Image);
        place(Path.Combine(TestHost.CacheDirectory, victimKey + ".dll"), evil.Image!);
    }

    private (string Path, string Key) Victim()
    {
        TestHost.EnsureInitialized();
        var path = _dir.Write("victim.cs", $"// {Guid.NewGuid():N}\npublic static class Auth {{ public static string CheckPassword(HookRequest r, string u, string p) => \"genuine\"; }}\n");
        return (path, ScriptCache.ComputeKey(ScriptSource.Read(path)));
    }

    [Fact]
    public void AFileOwnedBySomeoneElseIsNotLoaded()
    {
        // CI and make test run as root; elsewhere a file cannot be given away to test this.
        if (Environment.UserName != "root")
            return;
        var (path, key) = Victim();
        Plant(key, (file, image) =>
        {
            File.WriteAllBytes(file, image);
            Assert.Equal(0, Chown(file, 4242));
        });
        var result = new HookInvoker(path).CheckPassword("u", "p");
        Assert.True(result.Ok, result.Log);
        Assert.Equal("genuine", result.Text);
        Assert.Contains(TestLog.All, line => line.Code == 220 && line.Message.Contains(key) && line.Message.Contains("uid 4242"));
    }

    [Fact]
    public void ASymbolicLinkIsNotFollowed()
    {
        var (path, key) = Victim();
        Plant(key, (file, image) =>
        {
            var elsewhere = Path.Combine(_dir.Path, "elsewhere.dll");
            File.WriteAllBytes(elsewhere, image);
            File.CreateSymbolicLink(file, elsewhere);
        });
        var result = new HookInvoker(path).CheckPassword("u", "p");
        Assert.True(result.Ok, result.Log);
        Assert.Equal("genuine", result.Text);
        Assert.Contains(TestLog.All, line => line.Code == 220 && line.Message.Contains(key) && line.Message.Contains("symbolic link"));
    }

    [Fact]
    public void AnOwnFileIsStillACacheHit()
    {
        var (path, key) = Victim();
        Plant(key, File.WriteAllBytes);
        // Not planted in the sense of this test: written by this process's user, so it is trusted.
        Assert.Equal("planted", new HookInvoker(path).CheckPassword("u", "p").Text);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "chown", SetLastError = true)]
    private static extern int ChownNative(string path, int uid, int gid);

    private static int Chown(string path, int uid) => ChownNative(path, uid, uid);
}
