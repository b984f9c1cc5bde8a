using AccessHooks.Host.Logging;
using AccessHooks.Host.Tests.Infrastructure;

namespace AccessHooks.Host.Tests;

[Collection(SerialTests.Name)]
public sealed class ConsoleTests : IDisposable
{
    private readonly ScriptDir _dir = new();

    public void Dispose()
    {
        ConsoleRedirect.Apply(restrict: false);
        _dir.Dispose();
    }

    private HookInvoker Script() => new(_dir.Write("print.cs", """
        public static class Auth
        {
            public static bool CheckPassword(HookRequest r, string u, string p)
            {
                Console.WriteLine("stdout says " + u);
                Console.Error.WriteLine("stderr says " + u);
                return true;
            }
        }
        """));

    [Fact]
    public void OffSendsConsoleToTheErrorLog()
    {
        TestHost.EnsureInitialized();
        ConsoleRedirect.Apply(restrict: false);
        var user = "u" + Guid.NewGuid().ToString("N");
        var result = Script().CheckPassword(user, "x");
        Assert.True(result.Ok, result.Log);
        Assert.Equal(1, result.Outcome);
        var stdout = Assert.Single(Infrastructure.TestLog.Server("stdout says " + user));
        Assert.Equal(211, stdout.Code);
        Assert.Single(Infrastructure.TestLog.Server("stderr says " + user));
    }

    [Fact]
    public void EachWriteLineIsExactlyOneLogLine()
    {
        TestHost.EnsureInitialized();
        ConsoleRedirect.Apply(restrict: false);
        var marker = "m" + Guid.NewGuid().ToString("N");
        var before = Infrastructure.TestLog.All.Count;
        var result = new HookInvoker(_dir.Write("lines.cs", $$"""
            public static class Auth
            {
                public static bool CheckPassword(HookRequest r, string u, string p)
                {
                    Console.WriteLine("{{marker}} one");
                    Console.WriteLine("{{marker}} " + 2);
                    Console.Out.WriteLine($"{{marker}} {u}");
                    Console.WriteLine(42);
                    Console.Write("{{marker}} four\n");
                    return true;
                }
            }
            """)).CheckPassword("three", "x");
        Assert.True(result.Ok, result.Log);
        var mine = Infrastructure.TestLog.All.Skip(before).Where(line => line.Ctx == 0 && line.Code == 211).Select(line => line.Message).ToList();
        // Other tests may log concurrently, but never these texts nor empty lines from this script.
        Assert.Equal([$"{marker} one", $"{marker} 2", $"{marker} three", $"{marker} four"], mine.Where(m => m.StartsWith(marker, StringComparison.Ordinal)));
        Assert.Single(mine, m => m == "42");
        Assert.DoesNotContain("", mine);
    }

    [Fact]
    public void OnMakesWritingToConsoleOutThrow()
    {
        TestHost.EnsureInitialized();
        ConsoleRedirect.Apply(restrict: true);
        var result = Script().CheckPassword("alice", "x");
        Assert.Equal(203, result.Error);
        Assert.Contains(result.Lines, line => line.Message.Contains("System.InvalidOperationException: Console.Out is disabled (DotNetRestrictStdout On)"));
    }
}
