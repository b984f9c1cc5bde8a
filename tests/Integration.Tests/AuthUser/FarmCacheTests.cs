using AccessHooks.Integration.Tests.Infrastructure;
using AccessHooks.TestSupport;

namespace AccessHooks.Integration.Tests.AuthUser;

/// <summary>
/// Issue 11: the credential cache shared by a farm. Two Apache instances (one event, one prefork)
/// use one real memcached, or one real redis-server, through mod_authn_socache
/// (`AuthnCacheSOCache memcache:...` / `redis:...`): a user checked on server A is answered from
/// the cache on server B without B's provider being called; the entry expires with
/// AuthnCacheTimeout; the cache holds a salted slow hash, never the password.
/// </summary>
public sealed class FarmCacheTests
{
    private const int TimeoutSeconds = 4;

    [Theory]
    [InlineData("memcache")]
    [InlineData("redis")]
    public async Task A_user_checked_on_one_server_is_answered_from_the_shared_cache_on_another(string backend)
    {
        RepoPaths.RequireModule();
        using var memcached = backend == "memcache" ? new MemcachedServer() : null;
        using var redis = backend == "redis" ? new RedisServer() : null;
        var socache = memcached is not null ? $"memcache:{memcached.Address}" : $"redis:{redis!.Address}";
        Func<IReadOnlyDictionary<string, string>> entries = memcached is not null ? memcached.Entries : redis!.Entries;

        await using var a = new ApacheServer("event", new ApacheOptions { Cgid = false });
        await using var b = new ApacheServer("prefork", new ApacheOptions { Cgid = false });
        var stateA = Configure(a, socache);
        var stateB = Configure(b, socache);
        await a.StartAsync();
        await b.StartAsync();

        var user = $"farm-{backend}";
        var password = user + "-pw"; // what the counting script grants
        using var httpA = new Http(a.BaseUrl);
        using var httpB = new Http(b.BaseUrl);

        var first = await httpA.GetAsync("/farm/", user, password);
        Assert.True(first.Status == 200, first + "\n" + a.ErrorLog);
        Assert.Equal(1, AuthnCacheScenario.Calls(stateA, user));

        // Server B has never seen the user: the farm's cache answers, B's script is not called.
        var second = await httpB.GetAsync("/farm/", user, password);
        Assert.True(second.Status == 200, second + "\n" + b.ErrorLog);
        Assert.Equal(0, AuthnCacheScenario.Calls(stateB, user));
        Assert.Equal(401, (await httpB.GetAsync("/farm/", user, "not-the-password")).Status);

        // What the cache holds: a salted SHA-512-crypt hash (DotNetAuthnCacheHashRounds), not the password.
        // mod_socache_memcache and mod_socache_redis store keys hex-encoded ("context:user").
        static string Hex(string text) => Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(text)).ToLowerInvariant();
        var stored = entries();
        var mine = stored.Where(e => e.Key.Contains(Hex("farm:" + user), StringComparison.Ordinal)).ToList();
        Assert.True(mine.Count > 0, "nothing for the user in the cache: " + string.Join(", ", stored.Keys));
        foreach (var (key, value) in stored)
        {
            Assert.DoesNotContain(password, key);
            Assert.DoesNotContain(Hex(password), key);
            Assert.DoesNotContain(password, value);
            Assert.DoesNotContain(Hex(password), value);
        }
        Assert.All(mine, e => Assert.StartsWith("$6$", e.Value));

        // After AuthnCacheTimeout the entry is gone: B asks its own script.
        await Task.Delay(TimeSpan.FromSeconds(TimeoutSeconds + 1.5));
        var late = await httpB.GetAsync("/farm/", user, password);
        Assert.True(late.Status == 200, late + "\n" + b.ErrorLog);
        Assert.Equal(1, AuthnCacheScenario.Calls(stateB, user));
    }

    private static string Configure(ApacheServer s, string socache)
    {
        var state = Path.Combine(s.Dir, "state");
        Directory.CreateDirectory(state);
        TestRun.ChownToApache(state); // the script appends to calls.log as www-data
        s.AddPage("farm");
        var script = s.InstallScript("Counting.cs", new Dictionary<string, string> { ["STATE"] = state });
        s.Configure(
            (socache.StartsWith("redis:", StringComparison.Ordinal) ? $"LoadModule socache_redis_module {RepoPaths.ApacheModules}/mod_socache_redis.so\n" : "") +
            $"AuthnCacheSOCache {socache}\n" +
            Conf.BasicLocation("/farm/", Conf.Script(script, "counting"), "socache dotnet",
                extra: $"AuthnCacheProvideFor dotnet\n    AuthnCacheTimeout {TimeoutSeconds}\n    AuthnCacheContext farm"));
        return state;
    }
}
