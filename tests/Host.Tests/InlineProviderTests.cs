using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using AccessHooks.Host.Groups;
using AccessHooks.Host.Hooks;
using AccessHooks.Host.Logging;
using AccessHooks.Host.Tests.Infrastructure;

namespace AccessHooks.Host.Tests;

/// <summary>
/// Which hooks run on the worker itself under a deadline: the bundled file providers do (no
/// hand-over to a hook thread), a script's own code does not, and an expensive hash still
/// answers at the deadline. Each call runs on a fresh thread, standing for a fresh Apache worker,
/// and the test reads whether that worker got a hook thread.
/// </summary>
public sealed class InlineProviderTests : IDisposable
{
    // A real bcrypt hash (htpasswd -nbB -C 4) with its cost raised to 14: still well formed, and a
    // check of it takes about a second on this machine's cores instead of a millisecond.
    private const string CostlyBcrypt = "$2y$14$1kDoQ2Vx5EEZ6aST8jjBxeZqKqLLz/c5ke6HHVO4dPFQSa4vczYIS";

    private readonly ScriptDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void BundledFileProvidersRunOnTheWorker()
    {
        var sha = Convert.ToBase64String(SHA1.HashData(Encoding.UTF8.GetBytes("s3cret")));
        var htpasswd = WriteFile("site.htpasswd", $"alice:{{SHA}}{sha}\n");
        var groups = WriteFile("site.groups", "staff: alice\n");
        var digest = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes("alice:Site:s3cret")));
        var htdigest = WriteFile("site.htdigest", $"alice:Site:{digest}\n");
        var path = _dir.Write("files.cs", $$"""
            public static class Site
            {
                public static void ConfigureServices(IServiceCollection services) => services
                    .AddHtpasswd("{{htpasswd}}").AddHtpasswd("{{htpasswd}}")
                    .AddGroupFile("{{groups}}")
                    .AddHtdigest("{{htdigest}}");
            }
            """);
        var invoker = new HookInvoker(path) { TimeoutMs = 5000 };

        var (granted, handedOver) = OnFreshWorker(() => invoker.CheckPassword("alice", "s3cret"));
        Assert.Equal(1, granted.Outcome);
        Assert.False(handedOver, "AddHtpasswd (twice: a composite of two) was handed to a hook thread");
        Assert.Equal(0, OnFreshWorker(() => invoker.CheckPassword("alice", "wrong")).Value.Outcome);

        var (member, groupHandedOver) = OnFreshWorker(() => invoker.GroupsMatch("alice", "admins", "staff"));
        Assert.True(member.Ok, member.Log);
        Assert.Equal(1, member.Outcome);   // the index of the first required group the user is in
        Assert.False(groupHandedOver, "AddGroupFile was handed to a hook thread");

        var (hash, digestHandedOver) = OnFreshWorker(() => invoker.GetRealmHash("alice", "Site"));
        Assert.Equal(digest, hash.Text);
        Assert.False(digestHandedOver, "AddHtdigest was handed to a hook thread");
    }

    [Fact]
    public void ScriptCodeAndCustomProvidersAreHandedOver()
    {
        var sha = Convert.ToBase64String(SHA1.HashData(Encoding.UTF8.GetBytes("s3cret")));
        var htpasswd = WriteFile("site.htpasswd", $"alice:{{SHA}}{sha}\n");
        var method = new HookInvoker(_dir.Write("method.cs",
            "public static class Auth { public static bool CheckPassword(HookRequest r, string u, string p) => p == \"s3cret\"; }")) { TimeoutMs = 5000 };
        var (granted, handedOver) = OnFreshWorker(() => method.CheckPassword("alice", "s3cret"));
        Assert.Equal(1, granted.Outcome);
        Assert.True(handedOver, "a script's own CheckPassword ran on the worker despite DotNetHookTimeout");

        // One custom checker in the chain is enough: it may block, so the whole chain is handed over.
        var chain = new HookInvoker(_dir.Write("chain.cs", $$"""
            public sealed class Refuser : IPasswordChecker
            {
                public ValueTask<AuthResult> CheckPasswordAsync(HookRequest r, string u, string p, CancellationToken ct = default) => ValueTask.FromResult(AuthResult.NotFound);
            }
            public static class Site
            {
                public static void ConfigureServices(IServiceCollection services) => services
                    .AddHtpasswd("{{htpasswd}}").AddPasswordChecker<Refuser>();
            }
            """)) { TimeoutMs = 5000 };
        var (chained, chainHandedOver) = OnFreshWorker(() => chain.CheckPassword("alice", "s3cret"));
        Assert.Equal(1, chained.Outcome);
        Assert.True(chainHandedOver, "a chain with a custom checker ran on the worker");
    }

    [Fact]
    public void OnlyTheBundledProvidersGoWithoutTheRequest()
    {
        // The bundled providers get an empty request (they read only the user and password); a
        // custom checker in the same chain, and a script's own function, get the whole request.
        var sha = Convert.ToBase64String(SHA1.HashData(Encoding.UTF8.GetBytes("s3cret")));
        var htpasswd = WriteFile("site.htpasswd", $"alice:{{SHA}}{sha}\n");
        var chain = new HookInvoker(_dir.Write("reads.cs", $$"""
            public sealed class FromAddress : IPasswordChecker
            {
                public ValueTask<AuthResult> CheckPasswordAsync(HookRequest r, string u, string p, CancellationToken ct = default) =>
                    ValueTask.FromResult(r.RemoteAddress.ToString() == "192.0.2.7" && r.Path.StartsWith("/private/", StringComparison.Ordinal) ? AuthResult.Granted : AuthResult.Denied);
            }
            public static class Site
            {
                public static void ConfigureServices(IServiceCollection services) => services
                    .AddHtpasswd("{{htpasswd}}").AddPasswordChecker<FromAddress>();
            }
            """)) { TimeoutMs = 5000 };
        Assert.Equal(1, chain.CheckPassword("alice", "s3cret").Outcome);   // htpasswd answers
        var bob = chain.CheckPassword("bob", "anything");                    // not in the file: FromAddress answers
        Assert.True(bob.Outcome == 1, bob.Log);
        Assert.True(SlotsOf(chain).CheckPassword!.ReadsRequest);

        var bundled = new HookInvoker(_dir.Write("bundled.cs", $$"""
            public static class Site
            {
                public static void ConfigureServices(IServiceCollection services) => services.AddHtpasswd("{{htpasswd}}").AddHtpasswd("{{htpasswd}}");
            }
            """)) { TimeoutMs = 5000 };
        Assert.Equal(1, bundled.CheckPassword("alice", "s3cret").Outcome);
        Assert.False(SlotsOf(bundled).CheckPassword!.ReadsRequest, "AddHtpasswd (a composite of two) is given the request view it never reads");

        var method = new HookInvoker(_dir.Write("method-reads.cs",
            "public static class Auth { public static bool CheckPassword(HookRequest r, string u, string p) => r.Method == \"GET\" && r.ServerName == \"www.example.test\"; }")) { TimeoutMs = 5000 };
        Assert.Equal(1, method.CheckPassword("carol", "x").Outcome);
    }

    [Fact]
    public void ACostlyHashStillAnswersAtTheDeadline()
    {
        var htpasswd = WriteFile("costly.htpasswd", $"alice:{CostlyBcrypt}\n");
        var path = _dir.Write("costly.cs", $$"""
            public static class Site
            {
                public static void ConfigureServices(IServiceCollection services) => services.AddHtpasswd("{{htpasswd}}");
            }
            """);
        var invoker = new HookInvoker(path) { TimeoutMs = 5000 };
        invoker.Preload();   // load and compile outside the measured call
        invoker.TimeoutMs = 200;
        var watch = Stopwatch.StartNew();
        var (result, handedOver) = OnFreshWorker(() => invoker.CheckPassword("alice", "wrong"));
        watch.Stop();
        // Verified on the worker, the hash would have answered Denied after about a second.
        Assert.Equal(206, result.Error);
        Assert.InRange(watch.ElapsedMilliseconds, 150, 900);
        Assert.False(handedOver);
        Assert.Contains(result.Lines, line => line.Code == 206);
    }

    /// <summary>The script unit the invoker's calls run (its current generation's).</summary>
    private static unsafe ScriptUnit SlotsOf(HookInvoker invoker)
    {
        var group = GroupRegistry.Get(invoker.Group);
        Assert.NotNull(group);
        Assert.True(group.TryAcquire(invoker.ScriptPath, checkReload: false, new CallLog(null, null), out var lease));
        try
        {
            return lease.Unit;
        }
        finally
        {
            lease.Release(null);
        }
    }

    private string WriteFile(string name, string content)
    {
        var path = Path.Combine(_dir.Path, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static (T Value, bool HandedOver) OnFreshWorker<T>(Func<T> call)
    {
        T value = default!;
        var handedOver = false;
        Exception? failure = null;
        var worker = new Thread(() =>
        {
            try
            {
                value = call();
                handedOver = HookThread.CurrentWorkerHasOne;
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        worker.Start();
        Assert.True(worker.Join(TimeSpan.FromSeconds(30)), "the call did not return");
        if (failure is not null)
            throw new InvalidOperationException("the call threw", failure);
        return (value, handedOver);
    }
}
