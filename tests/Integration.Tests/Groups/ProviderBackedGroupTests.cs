using AccessHooks.Integration.Tests.Infrastructure;
using AccessHooks.TestSupport;

namespace AccessHooks.Integration.Tests.Groups;

/// <summary>Issue 4: user and group hooks from the bundled providers, one script file serving both
/// DotNetAuthUserScript and DotNetAuthGroupScript in one application group.</summary>
public sealed class GroupFileFixture : ApacheFixture
{
    protected override string Build(ApacheServer s)
    {
        var htpasswd = Path.Combine(s.Dir, "site.htpasswd");
        HtTools.Htpasswd(htpasswd, "gina", "gina-pw", create: true);
        HtTools.Htpasswd(htpasswd, "gus", "gus-pw", algorithm: "-m");
        HtTools.Htpasswd(htpasswd, "gwen", "gwen-pw", algorithm: "-s");
        var groups = Path.Combine(s.Dir, "site.groups");
        HtTools.GroupFile(groups, new Dictionary<string, string[]>
        {
            ["editors"] = ["gina", "gwen"],
            ["admins"] = ["gwen"],
        });
        var script = s.InstallScript("GroupFileSite.cs", new Dictionary<string, string> { ["HTPASSWD"] = htpasswd, ["GROUPS"] = groups });
        s.AddPage("editors");
        s.AddPage("admins");
        string Loc(string path, string group) => $"""
            <Location "{path}">
                AuthType Basic
                AuthName "site"
                AuthBasicProvider dotnet
                DotNetAuthUserScript "{script}" application-group=site
                DotNetAuthGroupScript "{script}" application-group=site
                Require dotnet-group {group}
            </Location>

            """;
        return Loc("/editors/", "editors") + Loc("/admins/", "admins nosuchgroup");
    }
}

public sealed class GroupFileProviderTests(GroupFileFixture fixture) : IClassFixture<GroupFileFixture>
{
    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Htpasswd_and_group_file_providers_in_one_script(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var http = new Http(s.BaseUrl);
        var gina = await http.GetAsync("/editors/", "gina", "gina-pw");
        Assert.True(gina.Status == 200, gina + "\n" + s.ErrorLog);
        Assert.Equal(200, (await http.GetAsync("/editors/", "gwen", "gwen-pw")).Status);
        Assert.Equal(401, (await http.GetAsync("/editors/", "gus", "gus-pw")).Status);   // valid user, no group
        Assert.Equal(401, (await http.GetAsync("/editors/", "gina", "wrong")).Status);
        Assert.Equal(401, (await http.GetAsync("/editors/")).Status);
        Assert.Equal(401, (await http.GetAsync("/admins/", "gina", "gina-pw")).Status);
        Assert.Equal(200, (await http.GetAsync("/admins/", "gwen", "gwen-pw")).Status);
    }
}

public sealed class LdapFixture : ApacheFixture
{
    private SlapdServer? _slapd;

    public SlapdServer Slapd => _slapd ?? throw new InvalidOperationException("slapd not started");

    protected override string Build(ApacheServer s)
    {
        if (_slapd is null)
        {
            _slapd = new SlapdServer();
            Seed(_slapd);
        }
        return Config(s, _slapd);
    }

    public static void Seed(SlapdServer slapd) =>
            slapd.Add($"""
                dn: ou=people,{SlapdServer.BaseDn}
                objectClass: organizationalUnit
                ou: people

                dn: ou=groups,{SlapdServer.BaseDn}
                objectClass: organizationalUnit
                ou: groups

                dn: uid=lara,ou=people,{SlapdServer.BaseDn}
                objectClass: inetOrgPerson
                uid: lara
                cn: Lara
                sn: Lara
                userPassword: lara-pw

                dn: uid=lenny,ou=people,{SlapdServer.BaseDn}
                objectClass: inetOrgPerson
                uid: lenny
                cn: Lenny
                sn: Lenny
                userPassword: lenny-pw

                dn: cn=ldapstaff,ou=groups,{SlapdServer.BaseDn}
                objectClass: groupOfNames
                cn: ldapstaff
                member: uid=lara,ou=people,{SlapdServer.BaseDn}

                """);

    public static string Config(ApacheServer s, SlapdServer slapd)
    {
        var script = s.InstallScript("LdapSite.cs", new Dictionary<string, string>
        {
            ["LDAPURL"] = $"{slapd.LdapUri}/ou=people,{SlapdServer.BaseDn}?uid?sub?(objectClass=inetOrgPerson)",
            ["BINDDN"] = SlapdServer.AdminDn,
            ["BINDPW"] = SlapdServer.AdminPassword,
            ["GROUPBASE"] = $"ou=groups,{SlapdServer.BaseDn}",
        });
        s.AddPage("ldap");
        return $"""
            <Location "/ldap/">
                AuthType Basic
                AuthName "ldap"
                AuthBasicProvider dotnet
                DotNetAuthUserScript "{script}" application-group=ldap
                DotNetAuthGroupScript "{script}" application-group=ldap
                Require dotnet-group ldapstaff
            </Location>
            <Location "/dotnet-status">
                SetHandler dotnet-status
                Require ip 127.0.0.1
            </Location>
            """;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _slapd?.Dispose();
    }
}

public sealed class LdapProviderTests(LdapFixture fixture) : IClassFixture<LdapFixture>
{
    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Ldap_user_and_group_from_one_script(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var http = new Http(s.BaseUrl);
        var lara = await http.GetAsync("/ldap/", "lara", "lara-pw");
        Assert.True(lara.Status == 200, lara + "\n" + s.ErrorLog + "\n--- slapd ---\n" + fixture.Slapd.Log[^Math.Min(3000, fixture.Slapd.Log.Length)..]);
        Assert.Equal(401, (await http.GetAsync("/ldap/", "lenny", "lenny-pw")).Status); // not in ldapstaff
        Assert.Equal(401, (await http.GetAsync("/ldap/", "lara", "wrong")).Status);
        Assert.Equal(401, (await http.GetAsync("/ldap/", "nobody", "x")).Status);
        // filter metacharacters are escaped: no wildcard match, no 5xx
        var star = await http.GetAsync("/ldap/", "*", "lara-pw");
        Assert.Equal(401, star.Status);
        Assert.Equal(401, (await http.GetAsync("/ldap/", "lara)(uid=*", "lara-pw")).Status);
        Assert.Equal(401, (await http.GetAsync("/ldap/", "lara", "")).Status); // no unauthenticated bind
    }
}

public sealed class LdapStatusTests(LdapFixture fixture) : IClassFixture<LdapFixture>
{
    /// <summary>Issue 11: the status page shows the LDAP pool of the child that answered (its
    /// IStatusSource), and never the bind password.</summary>
    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task The_status_page_shows_the_pool_of_the_answering_child(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        // One keep-alive connection: the status request is answered by the child that checked lara.
        using var http = new Http(s.BaseUrl);
        Assert.Equal(200, (await http.GetAsync("/ldap/", "lara", "lara-pw")).Status);
        var page = await http.GetAsync("/dotnet-status?json");
        Assert.Equal(200, page.Status);
        Assert.DoesNotContain(SlapdServer.AdminPassword, page.Body);
        using var doc = System.Text.Json.JsonDocument.Parse(page.Body);
        var group = doc.RootElement.GetProperty("this_child").GetProperty("detail").GetProperty("application_groups")
            .EnumerateArray().Single(g => g.GetProperty("name").GetString() == "ldap");
        var source = group.GetProperty("scripts").EnumerateArray().Single().GetProperty("sources").EnumerateArray().Single();
        Assert.StartsWith($"LDAP {fixture.Slapd.LdapUri}/ou=people", source.GetProperty("title").GetString());
        var values = source.GetProperty("values");
        Assert.True(int.Parse(values.GetProperty("UserBinds").GetString()!) >= 1, source.ToString());
        Assert.True(int.Parse(values.GetProperty("Searches").GetString()!) >= 1, source.ToString());
        Assert.True(int.Parse(values.GetProperty("IdleSearchConnections").GetString()!) >= 1, source.ToString());
        var html = await http.GetAsync("/dotnet-status");
        Assert.Contains("IdleBindConnections", html.Body);
        Assert.DoesNotContain(SlapdServer.AdminPassword, html.Body);
    }
}

public sealed class LdapDownTests
{
    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task A_directory_that_goes_down_fails_closed_with_500(string mpm)
    {
        RepoPaths.RequireModule();
        using var slapd = new SlapdServer();
        LdapFixture.Seed(slapd);
        await using var s = new ApacheServer(mpm);
        s.Configure(LdapFixture.Config(s, slapd));
        await s.StartAsync();
        using var http = new Http(s.BaseUrl, TimeSpan.FromSeconds(30));
        var up = await http.GetAsync("/ldap/", "lara", "lara-pw");
        Assert.True(up.Status == 200, up + "\n" + s.ErrorLog);

        slapd.Stop();
        var mark = s.ErrorLogLength;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 3; i++)
        {
            var down = await http.GetAsync("/ldap/", "lara", "lara-pw");
            Assert.True(down.Status == 500, $"directory down: expected 500 (fail closed), got {down.Status}\n{s.ErrorLogSince(mark)}");
        }
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), $"took {sw.Elapsed}");
        Assert.Matches(new System.Text.RegularExpressions.Regex("DOTNET0[0-9]{3}"), s.ErrorLogSince(mark));
        Assert.DoesNotContain("lara-pw", s.ErrorLog);
    }
}
