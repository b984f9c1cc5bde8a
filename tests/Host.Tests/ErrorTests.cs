using System.Diagnostics;
using AccessHooks.Host.Tests.Infrastructure;

namespace AccessHooks.Host.Tests;

public sealed class ErrorTests : IDisposable
{
    private readonly ScriptDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void ExceptionIsLoggedWithStackTraceAndNeverThePassword()
    {
        var password = "pw-" + Guid.NewGuid().ToString("N");
        var path = _dir.Write("throws.cs", """
            public static class Auth
            {
                public static bool CheckPassword(HookRequest r, string u, string p) => Helper.Fail(u);
            }
            public static class Helper
            {
                public static bool Fail(string u) => throw new InvalidOperationException("no such realm for " + u);
            }
            """);
        var result = new HookInvoker(path).CheckPassword("alice", password);
        Assert.False(result.Ok);
        Assert.Equal(203, result.Error);
        Assert.Null(result.Text);
        Assert.All(result.Lines.Where(line => line.Code != 217), line => Assert.Equal(3, line.Level));
        Assert.Contains(result.Lines, line => line.Message.Contains("System.InvalidOperationException: no such realm for alice"));
        // The stack trace, with the script's file and line (the image carries an embedded PDB).
        Assert.Contains(result.Lines, line => line.Message.Contains("at Helper.Fail(String u) in " + path + ":line 7"));
        Assert.Contains(result.Lines, line => line.Message.Contains("at Auth.CheckPassword("));
        Assert.DoesNotContain(TestLog.All, line => line.Message.Contains(password));
    }

    [Fact]
    public void AsyncExceptionIsAnException()
    {
        var path = _dir.Write("throws.cs", "public static class Auth { public static async Task<bool> CheckPassword(HookRequest r, string u, string p) { await Task.Delay(5); throw new TimeoutException(\"ldap slow\"); } }");
        var result = new HookInvoker(path) { TimeoutMs = 5000 }.CheckPassword("alice", "x");
        Assert.Equal(203, result.Error);
        Assert.Contains(result.Lines, line => line.Message.Contains("System.TimeoutException: ldap slow"));
    }

    [Fact]
    public void CompileErrorListsEveryDiagnosticAsFileLineColumn()
    {
        var path = _dir.Write("broken.cs", "public static class Auth\n{\n    public static bool CheckPassword(HookRequest r, string u, string p) => undefinedThing;\n    public static int Other() => \"text\";\n}\n");
        var result = new HookInvoker(path).CheckPassword("alice", "x");
        Assert.False(result.Ok);
        Assert.Equal(201, result.Error);
        Assert.Contains(result.Lines, line => line.Code == 201 && line.Message.StartsWith(path + ":3:76: error CS0103: ", StringComparison.Ordinal));
        Assert.Contains(result.Lines, line => line.Code == 201 && line.Message.StartsWith(path + ":4:34: error CS0029: ", StringComparison.Ordinal));
    }

    [Fact]
    public void MissingFunction()
    {
        var path = _dir.Write("nothing.cs", "public static class Auth { public static bool AllowAccess(HookRequest r, string h) => true; }");
        var invoker = new HookInvoker(path);
        var result = invoker.CheckPassword("alice", "x");
        Assert.Equal(202, result.Error);
        Assert.Contains(result.Lines, line => line.Message.Contains("CheckPassword") && line.Message.Contains("IPasswordChecker"));
        Assert.Equal(202, invoker.GetRealmHash("alice", "r").Error);
        Assert.Equal(202, invoker.GroupsMatch("alice", "g").Error);
        Assert.Equal(1, invoker.AllowAccess("h").Outcome);
    }

    [Fact]
    public void NonStaticOrNonPublicClassesAreNotSearched()
    {
        var path = _dir.Write("hidden.cs", "internal static class A { public static bool CheckPassword(HookRequest r, string u, string p) => true; }\npublic class B { public static bool CheckPassword(HookRequest r, string u, string p) => true; }");
        Assert.Equal(202, new HookInvoker(path).CheckPassword("alice", "x").Error);
    }

    [Theory]
    [InlineData("public static int CheckPassword(HookRequest r, string u, string p) => 1;", "Int32")]
    [InlineData("public static Task CheckPassword(HookRequest r, string u, string p) => Task.CompletedTask;", "Task")]
    [InlineData("public static bool CheckPassword(string u, string p) => true;", "wrong parameters")]
    [InlineData("public static bool CheckPassword(HookRequest r, string u, string p, int x) => true;", "wrong parameters")]
    public void WrongSignatureIsReportedWhenThePhaseIsCalled(string body, string detail)
    {
        var path = _dir.Write("wrong.cs", "public static class Auth { " + body + " public static bool AllowAccess(HookRequest r, string h) => true; }");
        var invoker = new HookInvoker(path);
        Assert.Equal(1, invoker.AllowAccess("h").Outcome);   // the other phases still work
        var result = invoker.CheckPassword("alice", "x");
        Assert.Equal(204, result.Error);
        var line = Assert.Single(result.Lines, l => l.Code == 204);
        Assert.Contains("Auth.CheckPassword", line.Message);
        Assert.Contains(detail, line.Message);
        Assert.Contains("expected bool?|bool|AuthResult|string CheckPassword(HookRequest request, string user, string password[, CancellationToken cancellationToken])", line.Message);
    }

    [Fact]
    public void WrongConfigureServicesSignature()
    {
        var path = _dir.Write("wrong.cs", "public static class Auth { public static int ConfigureServices(IServiceCollection s) => 0; public static bool CheckPassword(HookRequest r, string u, string p) => true; }");
        var result = new HookInvoker(path).CheckPassword("alice", "x");
        Assert.Equal(204, result.Error);
        Assert.Contains(result.Lines, line => line.Message.Contains("ConfigureServices"));
    }

    [Fact]
    public void MissingScriptFile()
    {
        var result = new HookInvoker(Path.Combine(_dir.Path, "absent.cs")).CheckPassword("alice", "x");
        Assert.Equal(200, result.Error);
        Assert.Contains(result.Lines, line => line.Code == 200 && line.Message.Contains("absent.cs"));
    }

    [Fact]
    public void MissingFileThenCreatedIsPickedUp()
    {
        var path = Path.Combine(_dir.Path, "later.cs");
        var invoker = new HookInvoker(path);
        Assert.Equal(200, invoker.CheckPassword("alice", "x").Error);
        File.WriteAllText(path, "public static class Auth { public static bool CheckPassword(HookRequest r, string u, string p) => true; }");
        Assert.Equal(1, invoker.CheckPassword("alice", "x").Outcome);
    }

    [Fact]
    public void TimeoutCancelsAndAnswersInBoundedTime()
    {
        var marker = Guid.NewGuid().ToString("N");
        var path = _dir.Write("slow.cs", $$"""
            using Microsoft.Extensions.Logging;
            public static class Auth
            {
                public static async Task<bool> CheckPassword(HookRequest r, string u, string p, CancellationToken ct)
                {
                    try { await Task.Delay(30_000, ct); }
                    catch (OperationCanceledException) { r.Logger.LogWarning("cancelled-{{marker}}"); throw; }
                    return true;
                }
            }
            """);
        var invoker = new HookInvoker(path) { TimeoutMs = 300 };
        invoker.CheckPassword("warm", "x");   // compile outside the measured call
        var watch = Stopwatch.StartNew();
        var result = invoker.CheckPassword("alice", "x");
        watch.Stop();
        Assert.Equal(206, result.Error);
        Assert.InRange(watch.ElapsedMilliseconds, 250, 3000);
        Assert.Contains(result.Lines, line => line.Code == 206);
        // The token fired and the script saw it: its line lands in the request's log when the
        // continuation ran inline with Cancel(), in the server log when it ran later.
        Assert.True(SpinWait.SpinUntil(() => TestLog.All.Any(line => line.Message.Contains("cancelled-" + marker)), 5000));
    }

    [Fact]
    public void TimeoutWithoutTokenStillAnswers()
    {
        var path = _dir.Write("slow.cs", "public static class Auth { public static async Task<bool> CheckPassword(HookRequest r, string u, string p) { await Task.Delay(5000); return true; } }");
        var invoker = new HookInvoker(path) { TimeoutMs = 200 };
        invoker.Preload();
        var watch = Stopwatch.StartNew();
        Assert.Equal(206, invoker.CheckPassword("alice", "x").Error);
        Assert.InRange(watch.ElapsedMilliseconds, 150, 3000);
    }
    [Fact]
    public void SyncHookThatOverrunsIsAnsweredAtTheDeadline()
    {
        // Issue 7, item 11: the worker is not held by a synchronous hook; its "true" never counts.
        var path = _dir.Write("sleepy.cs", "public static class Auth { public static bool CheckPassword(HookRequest r, string u, string p) { if (u == \"slow\") System.Threading.Thread.Sleep(1500); return true; } }");
        var invoker = new HookInvoker(path) { TimeoutMs = 200 };
        Assert.Equal(1, invoker.CheckPassword("fast", "x").Outcome);   // compiles; within the limit
        var watch = Stopwatch.StartNew();
        var result = invoker.CheckPassword("slow", "x");
        Assert.InRange(watch.ElapsedMilliseconds, 150, 1400);   // the hook sleeps 1500: answered before it returns
        Assert.False(result.Ok);
        Assert.Equal(206, result.Error);
        Assert.Equal(0, result.Outcome);
        Assert.Null(result.Text);
        Assert.Contains(TestLog.All, line => line.Code == 219 && line.Message.Contains("CheckPassword, user 'slow'"));
        // The same worker thread answers its next call at once, on a new hook thread.
        Assert.Equal(1, invoker.CheckPassword("fast", "x").Outcome);
        Assert.True(SpinWait.SpinUntil(() => TestLog.All.Any(line => line.Code == 219 && line.Message.Contains("returned after")), 5000));
    }

    [Fact]
    public async Task HooksThatNeverReturnAreAnsweredAtTheDeadlineAndOthersAreServed()
    {
        var path = _dir.Write("hung.cs", """
            public static class Auth
            {
                public static readonly ManualResetEventSlim Release = new(false);
                public static bool CheckPassword(HookRequest r, string u, string p)
                {
                    if (u.StartsWith("hung")) { while (!Release.Wait(50)) { } }   // a hung back end, called synchronously
                    return u == "ok";
                }
            }
            """);
        var invoker = new HookInvoker(path) { TimeoutMs = 300 };
        Assert.Equal(1, invoker.CheckPassword("ok", "x").Outcome);
        var watch = Stopwatch.StartNew();
        var hung = Enumerable.Range(0, 8).Select(i => Task.Factory.StartNew(() => invoker.CheckPassword("hung" + i, "x"), TaskCreationOptions.LongRunning)).ToArray();
        var served = Enumerable.Range(0, 20).Select(_ => invoker.CheckPassword("ok", "x").Outcome).ToList();
        var answers = await Task.WhenAll(hung).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.All(answers, answer => Assert.Equal(206, answer.Error));
        Assert.InRange(watch.ElapsedMilliseconds, 250, 5000);
        Assert.All(served, outcome => Assert.Equal(1, outcome));
        Assert.True(Hooks.StuckCalls.Count >= 8);
    }

    [Fact]
    public void SyncHookWithinTheLimitOrWithoutOneAnswers()
    {
        var path = _dir.Write("sleepy.cs", "public static class Auth { public static bool CheckPassword(HookRequest r, string u, string p) { System.Threading.Thread.Sleep(300); return true; } }");
        Assert.Equal(1, new HookInvoker(path) { TimeoutMs = 0 }.CheckPassword("alice", "x").Outcome);
        Assert.Equal(1, new HookInvoker(path) { TimeoutMs = 10_000 }.CheckPassword("alice", "x").Outcome);
    }
}
