using AccessHooks.Integration.Tests.Infrastructure;
using AccessHooks.TestSupport;

namespace AccessHooks.Integration.Tests.AuthUser;

/// <summary>Issue 2: `AuthnCacheProvideFor dotnet` lets mod_authn_socache answer for the script.</summary>
public abstract class AuthnCacheFixtureBase : ApacheFixture
{
    protected abstract string SoCache { get; }

    public string StateDir(ApacheServer s) => Path.Combine(s.Dir, "state");

    protected override string Build(ApacheServer s)
    {
        var state = StateDir(s);
        Directory.CreateDirectory(state);
        TestRun.ChownToApache(state); // the script appends to calls.log as www-data
        s.AddPage("cached");
        s.AddPage("uncached");
        var script = s.InstallScript("Counting.cs", new Dictionary<string, string> { ["STATE"] = state });
        return $"AuthnCacheSOCache {SoCache}\n" +
            Conf.BasicLocation("/cached/", Conf.Script(script, "counting"), "socache dotnet",
                extra: "AuthnCacheProvideFor dotnet\n    AuthnCacheTimeout 300\n    AuthnCacheContext cached-ctx") +
            Conf.BasicLocation("/uncached/", Conf.Script(script, "counting"), "dotnet");
    }
}

public sealed class ShmcbCacheFixture : AuthnCacheFixtureBase
{
    protected override string SoCache => "shmcb";
}

public sealed class MemcacheCacheFixture : AuthnCacheFixtureBase
{
    private MemcachedServer? _memcached;

    public MemcachedServer Memcached => _memcached ?? throw new InvalidOperationException("memcached not started");

    protected override string SoCache => $"memcache:{Memcached.Address}";

    protected override string Build(ApacheServer s)
    {
        _memcached ??= new MemcachedServer();
        return base.Build(s);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _memcached?.Dispose();
    }
}

internal static class AuthnCacheScenario
{
    public static int Calls(string stateDir, string user)
    {
        var log = Path.Combine(stateDir, "calls.log");
        return File.Exists(log) ? File.ReadAllLines(log).Count(l => l == user) : 0;
    }

    /// <summary>Grant once, then make the script deny: cached credentials are answered without the script.</summary>
    public static async Task RunAsync(ApacheServer s, string stateDir)
    {
        var user = $"u{s.Mpm}";        // the script grants password "<user>-pw"
        var other = $"o{s.Mpm}";
        File.Delete(Path.Combine(stateDir, "deny"));
        using var http = new Http(s.BaseUrl);

        var first = await http.GetAsync("/cached/", user, user + "-pw");
        Assert.True(first.Status == 200, first + "\n" + s.ErrorLog);
        Assert.Equal(1, Calls(stateDir, user));

        File.WriteAllText(Path.Combine(stateDir, "deny"), "1");
        try
        {
            // from the cache, in whichever child: fresh connections spread over the children
            for (var i = 0; i < 4; i++)
            {
                using var fresh = new Http(s.BaseUrl, keepAlive: false);
                var again = await fresh.GetAsync("/cached/", user, user + "-pw");
                Assert.True(again.Status == 200, $"cached credentials should not consult the (now denying) script: {again.Status}\n{s.ErrorLog}");
            }
            Assert.Equal(1, Calls(stateDir, user));

            // controls: the script really denies now, for uncached credentials and without the cache
            Assert.Equal(401, (await http.GetAsync("/cached/", other, other + "-pw")).Status);
            Assert.Equal(1, Calls(stateDir, other));
            Assert.Equal(401, (await http.GetAsync("/uncached/", user, user + "-pw")).Status);
            Assert.Equal(2, Calls(stateDir, user));
            // a wrong password for a cached user is not granted from the cache
            Assert.Equal(401, (await http.GetAsync("/cached/", user, "wrong")).Status);
        }
        finally
        {
            File.Delete(Path.Combine(stateDir, "deny"));
        }
    }
}

public sealed class ShmcbAuthnCacheTests(ShmcbCacheFixture fixture) : IClassFixture<ShmcbCacheFixture>
{
    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Cached_credentials_do_not_call_the_script_again_shmcb(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        await AuthnCacheScenario.RunAsync(s, fixture.StateDir(s));
    }
}

public sealed class MemcacheAuthnCacheTests(MemcacheCacheFixture fixture) : IClassFixture<MemcacheCacheFixture>
{
    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Cached_credentials_do_not_call_the_script_again_memcached(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        var setsBefore = fixture.Memcached.Stat("cmd_set");
        await AuthnCacheScenario.RunAsync(s, fixture.StateDir(s));
        Assert.True(fixture.Memcached.Stat("cmd_set") > setsBefore, "the module stored nothing in memcached");
        Assert.True(fixture.Memcached.Stat("get_hits") > 0, "nothing was answered from memcached");
    }
}
