using AccessHooks.Integration.Tests.Infrastructure;
using AccessHooks.TestSupport;

namespace AccessHooks.Integration.Tests.Security;

/// <summary>
/// Issue 7, item 6: what mod_authn_socache stores for provider dotnet is never cheaper to crack
/// than the source: the htpasswd file's own hash as is (like mod_authn_file), and for a source
/// with no stored hash (a function script, LDAP) a salted SHA-512-crypt hash. Read back from a
/// real memcached.
/// </summary>
public sealed class AuthnCacheHashFixture : ApacheFixture
{
    public const string Password = "a-long-and-visible-password";
    private MemcachedServer? _memcached;

    public MemcachedServer Memcached => _memcached ?? throw new InvalidOperationException("memcached not started");

    public string HtpasswdFile(ApacheServer s) => Path.Combine(s.Dir, "site.htpasswd");

    protected override string Build(ApacheServer s)
    {
        _memcached ??= new MemcachedServer();
        HtTools.Htpasswd(HtpasswdFile(s), "alice", Password, create: true, algorithm: "-B");
        var site = s.InstallScript("DiHtpasswd.cs", new Dictionary<string, string> { ["HTPASSWD"] = HtpasswdFile(s) });
        var function = s.WriteScript("Carol.cs", $$"""
            public static class Carol
            {
                public static bool? CheckPassword(HookRequest r, string u, string p) => u == "carol" ? p == "{{Password}}" : null;
            }
            """);
        s.AddPage("file-hash");
        s.AddPage("slow-hash");
        return $"AuthnCacheSOCache memcache:{Memcached.Address}\n" +
            Conf.BasicLocation("/file-hash/", Conf.Script(site, "file-hash"), "socache dotnet",
                extra: "AuthnCacheProvideFor dotnet\n    AuthnCacheContext file-hash-" + s.Mpm) +
            Conf.BasicLocation("/slow-hash/", Conf.Script(function, "slow-hash"), "socache dotnet",
                extra: "AuthnCacheProvideFor dotnet\n    AuthnCacheContext slow-hash-" + s.Mpm);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _memcached?.Dispose();
    }
}

public sealed class AuthnCacheHashTests(AuthnCacheHashFixture fixture) : IClassFixture<AuthnCacheHashFixture>
{
    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task The_cache_holds_the_files_own_hash_or_a_salted_slow_hash(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var http = new Http(s.BaseUrl, keepAlive: false);
        Assert.Equal(200, (await http.GetAsync("/file-hash/", "alice", AuthnCacheHashFixture.Password)).Status);
        Assert.Equal(200, (await http.GetAsync("/slow-hash/", "carol", AuthnCacheHashFixture.Password)).Status);

        var entries = fixture.Memcached.Entries();
        var fileLine = File.ReadAllLines(fixture.HtpasswdFile(s)).Single(l => l.StartsWith("alice:", StringComparison.Ordinal));
        var fileHash = fileLine["alice:".Length..];
        // mod_socache_memcache keys are "authn-socache:" + hex("context:user").
        static string Key(string context, string user) =>
            "authn-socache:" + Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes($"{context}:{user}")).ToLowerInvariant();
        var fileEntry = entries.Where(e => e.Key.Equals(Key("file-hash-" + mpm, "alice"), StringComparison.OrdinalIgnoreCase)).Select(e => e.Value.TrimEnd('\0')).ToList();
        var slowEntry = entries.Where(e => e.Key.Equals(Key("slow-hash-" + mpm, "carol"), StringComparison.OrdinalIgnoreCase)).Select(e => e.Value.TrimEnd('\0')).ToList();
        Assert.True(fileEntry.Count == 1, string.Join("\n", entries.Keys) + "\nitems: " + fixture.Memcached.Stat("curr_items") + "\n" + s.ErrorLog);
        Assert.Equal(fileHash, fileEntry[0]);           // bcrypt, as htpasswd -B wrote it
        Assert.StartsWith("$2y$", fileEntry[0]);
        Assert.True(slowEntry.Count == 1, string.Join("\n", entries.Keys));
        Assert.Matches(@"^\$6\$rounds=1000\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$", slowEntry[0]);
        Assert.DoesNotContain(entries.Values, v => v.Contains(AuthnCacheHashFixture.Password));

        // Both entries verify: the next requests are answered from the cache (Apache's apr_password_validate).
        var hitsBefore = fixture.Memcached.Stat("get_hits");
        Assert.Equal(200, (await http.GetAsync("/file-hash/", "alice", AuthnCacheHashFixture.Password)).Status);
        Assert.Equal(200, (await http.GetAsync("/slow-hash/", "carol", AuthnCacheHashFixture.Password)).Status);
        Assert.True(fixture.Memcached.Stat("get_hits") >= hitsBefore + 2);
        Assert.Equal(401, (await http.GetAsync("/slow-hash/", "carol", "wrong-password")).Status);
    }
}
