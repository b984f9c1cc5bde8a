using AccessHooks.Host.Tests.Infrastructure;

namespace AccessHooks.Host.Tests;

/// <summary>
/// Issue 7, item 4: no password in any logged text. .NET puts argument values into exception
/// messages; a script may log what it got. Every occurrence of the call's password in any line
/// logged for the call is masked.
/// </summary>
public sealed class SecretMaskingTests : IDisposable
{
    private const string Password = "Visible-Pa55word";
    private readonly ScriptDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("return int.Parse(p) > 0;")]                                    // FormatException quotes the input
    [InlineData("return new Dictionary<string, bool>()[p];")]                     // KeyNotFoundException names the key
    [InlineData("return Enum.Parse<DayOfWeek>(p) == DayOfWeek.Monday;")]          // ArgumentException quotes the value
    [InlineData("throw new InvalidOperationException(\"outer\", new ArgumentException(\"inner \" + p));")]
    [InlineData("throw new AggregateException(new Exception(\"one \" + p), new Exception(\"two \" + p));")]
    [InlineData("return Task.Run(new Func<bool>(() => throw new Exception(\"async \" + p))).Result;")]
    public void APasswordInAnExceptionNeverReachesTheLog(string body)
    {
        var path = _dir.Write("throws.cs", $$"""
            public static class Site
            {
                public static bool CheckPassword(HookRequest r, string u, string p)
                {
                    var e = new Exception("with data");
                    e.Data["password"] = p;
                    {{body}}
                }
            }
            """);
        var result = new HookInvoker(path).CheckPassword("alice", Password);
        Assert.Equal(203, result.Error);
        Assert.NotEmpty(result.Lines);
        Assert.DoesNotContain(result.Lines, line => line.Message.Contains(Password));
        Assert.Contains(result.Lines, line => line.Message.Contains("********"));
    }

    [Fact]
    public void ExceptionDataIsNotLogged()
    {
        var path = _dir.Write("data.cs", """
            public static class Site
            {
                public static bool CheckPassword(HookRequest r, string u, string p)
                {
                    var e = new InvalidOperationException("failed");
                    e.Data["hint"] = "data-value-" + p.Length;
                    throw e;
                }
            }
            """);
        var result = new HookInvoker(path).CheckPassword("alice", Password);
        Assert.Equal(203, result.Error);
        Assert.DoesNotContain(result.Lines, line => line.Message.Contains("data-value-"));
    }

    [Fact]
    public void TheScriptsOwnLoggerAndConsoleLinesAreMasked()
    {
        var path = _dir.Write("logs.cs", """
            using Microsoft.Extensions.Logging;
            public static class Site
            {
                public static async Task<bool> CheckPassword(HookRequest r, string u, string p)
                {
                    r.Logger.LogWarning("checking {User} with {Password}", u, p);
                    Console.WriteLine("console sees " + p);
                    await Task.Yield();
                    r.Logger.LogWarning("after the await: " + p);
                    Console.WriteLine("console after the await: " + p);
                    return false;
                }
            }
            """);
        var result = new HookInvoker(path) { TimeoutMs = 5000 }.CheckPassword("alice", Password);
        Assert.True(result.Ok, result.Log);
        Assert.DoesNotContain(TestLog.All, line => line.Message.Contains(Password));
        Assert.Contains(result.Lines, line => line.Message.Contains("checking alice with ********"));
        Assert.Contains(result.Lines, line => line.Message.Contains("after the await: ********"));
    }
}
