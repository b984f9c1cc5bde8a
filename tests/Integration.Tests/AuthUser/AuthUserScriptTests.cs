using System.Security.Cryptography;
using System.Text;
using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.AuthUser;

/// <summary>Issue 2: DotNetAuthUserScript as an authn provider (Basic and Digest), every return form.</summary>
public sealed class AuthUserFixture : ApacheFixture
{
    public const string DigestRealm = "digest realm";

    protected override string Build(ApacheServer s)
    {
        // Real fixture files from the real tools.
        var htpasswd = Path.Combine(s.Dir, "users.htpasswd");
        HtTools.Htpasswd(htpasswd, "bob", "bobpw", create: true);           // bcrypt, only in the file
        HtTools.Htpasswd(htpasswd, "carol", "carolpw", algorithm: "-m");    // apr1; the script refuses her
        HtTools.Htpasswd(htpasswd, "erin", "erinpw", algorithm: "-s");      // {SHA}
        var htdigest = Path.Combine(s.Dir, "users.htdigest");
        HtTools.Htdigest(htdigest, DigestRealm, "frank", "frankpw", create: true);

        var nullable = s.InstallScript("BoolNullable.cs");
        var plain = s.InstallScript("BoolPlain.cs");
        var authResult = s.InstallScript("AuthResultForm.cs");
        var rename = s.InstallScript("StringRename.cs");
        var di = s.InstallScript("DiHtpasswd.cs", new Dictionary<string, string> { ["HTPASSWD"] = htpasswd });
        var diDigest = s.InstallScript("DiHtdigest.cs", new Dictionary<string, string> { ["HTDIGEST"] = htdigest });
        var realmHash = s.InstallScript("RealmHash.cs");
        var hidden = s.InstallScript("NoAuthorizationHeader.cs");

        foreach (var p in new[] { "nullable", "plain", "authresult", "rename", "di", "digest", "digest-di", "hidden" })
            s.AddPage(p);
        s.AddEnvCgi("rename.sh");
        s.AddEnvCgi("authresult.sh");
        s.AddEnvCgi("di.sh");

        var file = $"AuthUserFile \"{htpasswd}\"";
        return
            Conf.BasicLocation("/nullable/", Conf.Script(nullable, "nullable"), "dotnet file", extra: file) +
            Conf.BasicLocation("/plain/", Conf.Script(plain, "plain")) +
            Conf.BasicLocation("/authresult/", Conf.Script(authResult, "authresult")) +
            Conf.BasicLocation("/cgi-bin/authresult.sh", Conf.Script(authResult, "authresult")) +
            Conf.BasicLocation("/rename/", Conf.Script(rename, "rename")) +
            Conf.BasicLocation("/cgi-bin/rename.sh", Conf.Script(rename, "rename")) +
            Conf.BasicLocation("/di/", Conf.Script(di, "di")) +
            Conf.BasicLocation("/cgi-bin/di.sh", Conf.Script(di, "di")) +
            Conf.BasicLocation("/hidden/", Conf.Script(hidden, "hidden")) +
            $"""
            <Location "/digest/">
                AuthType Digest
                AuthName "{DigestRealm}"
                AuthDigestProvider dotnet
                DotNetAuthUserScript "{realmHash}" application-group=digest
                Require valid-user
            </Location>
            <Location "/digest-di/">
                AuthType Digest
                AuthName "{DigestRealm}"
                AuthDigestProvider dotnet
                DotNetAuthUserScript "{diDigest}" application-group=digestdi
                Require valid-user
            </Location>
            """;
    }
}

public sealed class AuthUserScriptTests(AuthUserFixture fixture) : IClassFixture<AuthUserFixture>
{
    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task No_credentials_is_401_with_challenge_wrong_password_401_right_200(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var http = new Http(s.BaseUrl);
        var none = await http.GetAsync("/plain/");
        Assert.Equal(401, none.Status);
        Assert.Equal("Basic realm=\"test realm\"", none.Header("WWW-Authenticate"));
        Assert.Equal(401, (await http.GetAsync("/plain/", "alice", "wrong")).Status);
        Assert.Equal(401, (await http.GetAsync("/plain/", "mallory", "secret")).Status);
        var ok = await http.GetAsync("/plain/", "alice", "secret");
        Assert.True(ok.Status == 200, $"{ok}\n--- error log ---\n{s.ErrorLog}");
        Assert.Equal("page plain\n", ok.Body);
        Assert.NotNull(await s.WaitForAccessLogLineAsync(TimeSpan.FromSeconds(5), " alice \"GET /plain/ HTTP/1.1\" 200"));
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Null_falls_through_to_authn_file_and_false_stops_the_chain(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var http = new Http(s.BaseUrl);
        // alice: decided by the script
        Assert.Equal(200, (await http.GetAsync("/nullable/", "alice", "secret")).Status);
        Assert.Equal(401, (await http.GetAsync("/nullable/", "alice", "wrong")).Status);
        // bob and erin: only in the htpasswd file -> script returns null -> mod_authn_file grants
        var bob = await http.GetAsync("/nullable/", "bob", "bobpw");
        Assert.True(bob.Status == 200, $"null must fall through to the file provider: {bob.Status}\n{s.ErrorLog}");
        Assert.Equal(200, (await http.GetAsync("/nullable/", "erin", "erinpw")).Status);
        Assert.Equal(401, (await http.GetAsync("/nullable/", "bob", "wrong")).Status);
        // carol: right password in the file, but the script says false first -> chain stops
        Assert.Equal(401, (await http.GetAsync("/nullable/", "carol", "carolpw")).Status);
        // unknown everywhere
        Assert.Equal(401, (await http.GetAsync("/nullable/", "nobody", "x")).Status);
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task String_result_renames_the_user_for_cgi_and_access_log(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var http = new Http(s.BaseUrl);
        var cgi = await http.GetAsync("/cgi-bin/rename.sh", "alice", "secret");
        Assert.True(cgi.Status == 200, cgi + "\n" + s.ErrorLog);
        Assert.Contains("REMOTE_USER=alice-renamed\n", cgi.Body);
        Assert.Contains("AUTH_TYPE=Basic\n", cgi.Body);
        Assert.Equal(200, (await http.GetAsync("/rename/", "alice", "secret")).Status);
        Assert.NotNull(await s.WaitForAccessLogLineAsync(TimeSpan.FromSeconds(5), " alice-renamed \"GET /rename/ HTTP/1.1\" 200"));
        Assert.NotNull(await s.WaitForAccessLogLineAsync(TimeSpan.FromSeconds(5), " alice-renamed \"GET /cgi-bin/rename.sh HTTP/1.1\" 200"));
        Assert.Equal(401, (await http.GetAsync("/rename/", "alice", "wrong")).Status);
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task AuthResult_form_granted_denied_notfound_and_GrantedAs(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var http = new Http(s.BaseUrl);
        Assert.Equal(200, (await http.GetAsync("/authresult/", "alice", "secret")).Status);
        Assert.Equal(401, (await http.GetAsync("/authresult/", "alice", "nope")).Status);
        Assert.Equal(401, (await http.GetAsync("/authresult/", "zed", "secret")).Status);
        var cgi = await http.GetAsync("/cgi-bin/authresult.sh", "dave", "davepw");
        Assert.True(cgi.Status == 200, cgi + "\n" + s.ErrorLog);
        Assert.Contains("REMOTE_USER=dave-renamed\n", cgi.Body);
        Assert.NotNull(await s.WaitForAccessLogLineAsync(TimeSpan.FromSeconds(5), " dave-renamed \"GET /cgi-bin/authresult.sh"));
        var plainCgi = await http.GetAsync("/cgi-bin/authresult.sh", "alice", "secret");
        Assert.Contains("REMOTE_USER=alice\n", plainCgi.Body);
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task DI_form_with_AddHtpasswd_checks_a_real_htpasswd_file(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var http = new Http(s.BaseUrl);
        var bob = await http.GetAsync("/di/", "bob", "bobpw");
        Assert.True(bob.Status == 200, bob + "\n" + s.ErrorLog);
        Assert.Equal(200, (await http.GetAsync("/di/", "carol", "carolpw")).Status); // $apr1$
        Assert.Equal(200, (await http.GetAsync("/di/", "erin", "erinpw")).Status);   // {SHA}
        Assert.Equal(401, (await http.GetAsync("/di/", "bob", "wrong")).Status);
        Assert.Equal(401, (await http.GetAsync("/di/", "alice", "secret")).Status);
        var cgi = await http.GetAsync("/cgi-bin/di.sh", "erin", "erinpw");
        Assert.Contains("REMOTE_USER=erin\n", cgi.Body);
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Digest_with_GetRealmHash_script(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        var none = Curl.Get(s.BaseUrl + "/digest/");
        Assert.Equal(401, none.Status);
        var ok = Curl.Get(s.BaseUrl + "/digest/", "alice", "secret");
        Assert.True(ok.Status == 200, ok.Raw + "\n" + s.ErrorLog);
        Assert.Equal("page digest", ok.Body.TrimEnd());
        Assert.Equal(401, Curl.Get(s.BaseUrl + "/digest/", "alice", "wrong").Status);
        Assert.Equal(401, Curl.Get(s.BaseUrl + "/digest/", "bob", "secret").Status);
        Assert.NotNull(await s.WaitForAccessLogLineAsync(TimeSpan.FromSeconds(5), " alice \"GET /digest/ HTTP/1.1\" 200"));
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Digest_with_AddHtdigest_and_a_real_htdigest_file(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        var ok = Curl.Get(s.BaseUrl + "/digest-di/", "frank", "frankpw");
        Assert.True(ok.Status == 200, ok.Raw + "\n" + s.ErrorLog);
        Assert.Equal(401, Curl.Get(s.BaseUrl + "/digest-di/", "frank", "bad").Status);
        Assert.Equal(401, Curl.Get(s.BaseUrl + "/digest-di/", "alice", "secret").Status);
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Authorization_header_never_reaches_HookRequest(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var http = new Http(s.BaseUrl);
        var headers = new Dictionary<string, string>
        {
            ["X-Probe"] = "probe-value",
            ["Proxy-Authorization"] = "Basic " + Http.BasicValue("proxyuser", "proxypw"),
        };
        var r = await http.GetAsync("/hidden/", "alice", "secret", headers);
        Assert.True(r.Status == 200, "the script grants only when no Authorization value is visible and X-Probe is: " + r.Status + "\n" + s.ErrorLog);
        // control: without the probe header the same script denies, so a 200 above is meaningful
        Assert.Equal(401, (await http.GetAsync("/hidden/", "alice", "secret", new Dictionary<string, string> { ["X-Probe"] = "other" })).Status);
    }

    [Fact]
    public void Realm_hash_of_the_script_matches_htdigest()
    {
        // Guards the Digest tests' premise: the script's formula is what htdigest stores.
        var dir = TestRun.NewDirectory("htdigest-check");
        var file = Path.Combine(dir, "d");
        HtTools.Htdigest(file, "r", "alice", "secret", create: true);
        var expected = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes("alice:r:secret")));
        Assert.Equal($"alice:r:{expected}", File.ReadAllText(file).Trim());
    }
}
