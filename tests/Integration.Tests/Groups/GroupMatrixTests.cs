using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.Groups;

/// <summary>
/// Issue 4: `Require dotnet-group` in the authz containers, in the spirit of httpd-tests' authz_core.t.
/// Users: zero (no group), one (staff), several (staff admins GET-users envgroup), banned (staff banned).
/// </summary>
public sealed class GroupMatrixFixture : ApacheFixture
{
    protected override string Build(ApacheServer s)
    {
        var script = s.InstallScript("Groups.cs");
        var auth = $"""
                AuthType Basic
                AuthName "groups"
                AuthBasicProvider dotnet
                DotNetAuthUserScript "{script}" application-group=site
                DotNetAuthGroupScript "{script}" application-group=site
            """;
        string Loc(string path, string rules)
        {
            s.AddPage(path.Trim('/'));
            return $"<Location \"{path}\">\n{auth}\n{rules}\n</Location>\n";
        }
        foreach (var d in new[] { "merge", "merge/and", "merge/or", "merge/off" })
            s.AddPage(d);
        var merge = Path.Combine(s.DocRoot, "merge");
        return
            "LoadModule setenvif_module /usr/lib/apache2/modules/mod_setenvif.so\n" +
            "SetEnvIf Request_URI \"^/g/env/\" AH_GROUP=envgroup\n" +
            Loc("/g/staff/", "Require dotnet-group staff") +
            Loc("/g/admins/", "Require dotnet-group admins") +
            Loc("/g/either/", "Require dotnet-group nosuch admins") +
            Loc("/g/all/", "<RequireAll>\n Require valid-user\n Require dotnet-group staff\n</RequireAll>") +
            Loc("/g/any-ip/", "<RequireAny>\n Require ip 127.0.0.1\n Require dotnet-group admins\n</RequireAny>") +
            Loc("/g/any-otherip/", "<RequireAny>\n Require ip 192.0.2.1\n Require dotnet-group admins\n</RequireAny>") +
            Loc("/g/none/", "<RequireAll>\n Require valid-user\n <RequireNone>\n  Require dotnet-group banned\n  Require dotnet-group admins\n </RequireNone>\n</RequireAll>") +
            Loc("/g/not/", "<RequireAll>\n Require dotnet-group staff\n Require not dotnet-group banned\n</RequireAll>") +
            Loc("/g/forbidden/", "AuthzSendForbiddenOnFailure On\nRequire dotnet-group admins") +
            Loc("/g/method/", "Require dotnet-group %{REQUEST_METHOD}-users") +
            Loc("/g/env/", "Require dotnet-group %{ENV:AH_GROUP}") +
            $"""
            <Directory "{merge}">
            {auth}
                Require dotnet-group staff
            </Directory>
            <Directory "{merge}/and">
                AuthMerging And
                Require dotnet-group admins
            </Directory>
            <Directory "{merge}/or">
                AuthMerging Or
                Require dotnet-group banned
            </Directory>
            <Directory "{merge}/off">
                Require dotnet-group banned
            </Directory>
            """;
    }
}

public sealed class GroupMatrixTests(GroupMatrixFixture fixture) : IClassFixture<GroupMatrixFixture>
{
    // (path, user or null for no credentials, expected status)
    private static readonly (string Path, string? User, int Status)[] Cases =
    [
        ("/g/staff/", null, 401), ("/g/staff/", "zero", 401), ("/g/staff/", "one", 200), ("/g/staff/", "several", 200),
        ("/g/admins/", "zero", 401), ("/g/admins/", "one", 401), ("/g/admins/", "several", 200),
        ("/g/either/", "one", 401), ("/g/either/", "several", 200),
        ("/g/all/", null, 401), ("/g/all/", "zero", 401), ("/g/all/", "one", 200), ("/g/all/", "several", 200),
        // Require ip 127.0.0.1 grants before any user is needed
        ("/g/any-ip/", null, 200), ("/g/any-ip/", "zero", 200),
        ("/g/any-otherip/", null, 401), ("/g/any-otherip/", "zero", 401), ("/g/any-otherip/", "one", 401), ("/g/any-otherip/", "several", 200),
        ("/g/none/", null, 401), ("/g/none/", "zero", 200), ("/g/none/", "one", 200), ("/g/none/", "several", 401), ("/g/none/", "banned", 401),
        ("/g/not/", "zero", 401), ("/g/not/", "one", 200), ("/g/not/", "banned", 401), ("/g/not/", "several", 200),
        // AuthzSendForbiddenOnFailure: a known user in the wrong group gets 403; no user is still 401
        ("/g/forbidden/", null, 401), ("/g/forbidden/", "one", 403), ("/g/forbidden/", "several", 200),
        // expressions in Require arguments
        ("/g/method/", "several", 200), ("/g/method/", "one", 401),
        ("/g/env/", "several", 200), ("/g/env/", "one", 401),
        // AuthMerging across nested <Directory>: And needs both, Or either, Off (default) only the inner one
        ("/merge/", null, 401), ("/merge/", "zero", 401), ("/merge/", "one", 200),
        ("/merge/and/", "one", 401), ("/merge/and/", "several", 200), ("/merge/and/", "banned", 401),
        ("/merge/or/", "one", 200), ("/merge/or/", "banned", 200), ("/merge/or/", "zero", 401),
        ("/merge/off/", "one", 401), ("/merge/off/", "several", 401), ("/merge/off/", "banned", 200),
    ];

    public static IEnumerable<object?[]> Matrix()
    {
        foreach (var mpm in ApacheServer.Mpms)
            foreach (var (path, user, status) in Cases)
                yield return [mpm, path, user, status];
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Require_dotnet_group_matrix(string mpm, string path, string? user, int expected)
    {
        var s = await fixture.ServerAsync(mpm);
        using var http = new Http(s.BaseUrl);
        var mark = s.ErrorLogLength;
        var r = await http.GetAsync(path, user, user is null ? null : user + "-pw");
        Assert.True(r.Status == expected, $"{path} as {user ?? "(none)"}: expected {expected}, got {r.Status}\n{s.ErrorLogSince(mark)}");
        if (expected == 200)
            Assert.StartsWith("page ", r.Body);
        if (expected == 401)
            Assert.NotNull(r.Header("WWW-Authenticate"));
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Method_expression_is_evaluated_per_request(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var http = new Http(s.BaseUrl);
        // several is in GET-users but not HEAD-users
        var head = await http.SendAsync(HttpMethod.Head, "/g/method/", Http.BasicValue("several", "several-pw"));
        Assert.Equal(401, head.Status);
        Assert.Equal(200, (await http.GetAsync("/g/method/", "several", "several-pw")).Status);
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task User_in_no_group_is_logged_with_its_code(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        var mark = s.ErrorLogLength;
        using var http = new Http(s.BaseUrl);
        Assert.Equal(401, (await http.GetAsync("/g/admins/", "zero", "zero-pw")).Status);
        Assert.True(await s.WaitForErrorLogAsync("DOTNET0208", TimeSpan.FromSeconds(5), mark), s.ErrorLogSince(mark));
        Assert.Contains("zero", s.ErrorLogSince(mark));
    }
}
