using System.Text.RegularExpressions;
using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.Config;

/// <summary>Issue 4: the hooks configured in .htaccess (AllowOverride AuthConfig), and a directive that
/// .htaccess must not carry.</summary>
public sealed class HtaccessFixture : ApacheFixture
{
    public string BadHtaccess(ApacheServer s) => Path.Combine(s.DocRoot, "htbad", ".htaccess");

    protected override string Build(ApacheServer s)
    {
        var script = s.InstallScript("Groups.cs");
        s.AddPage("ht");
        s.AddPage("ht/sub");
        s.AddPage("htbad");
        s.AddPage("htoff");
        var htaccess = $"""
            AuthType Basic
            AuthName "htaccess"
            AuthBasicProvider dotnet
            DotNetAuthUserScript "{script}" application-group=ht
            DotNetAuthGroupScript "{script}" application-group=ht
            Require dotnet-group staff

            """;
        File.WriteAllText(Path.Combine(s.DocRoot, "ht", ".htaccess"), htaccess);
        File.WriteAllText(Path.Combine(s.DocRoot, "ht", "sub", ".htaccess"), "Require dotnet-group admins\n");
        File.WriteAllText(BadHtaccess(s), "AuthType Basic\nDotNetPassAuthorization On\n");
        File.WriteAllText(Path.Combine(s.DocRoot, "htoff", ".htaccess"), htaccess);
        return $"""
            <Directory "{s.DocRoot}/ht">
                AllowOverride AuthConfig
            </Directory>
            <Directory "{s.DocRoot}/htbad">
                AllowOverride AuthConfig
            </Directory>
            <Directory "{s.DocRoot}/htoff">
                AllowOverride None
            </Directory>
            """;
    }
}

public sealed class HtaccessTests(HtaccessFixture fixture) : IClassFixture<HtaccessFixture>
{
    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Hooks_configured_in_htaccess_work(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var http = new Http(s.BaseUrl);
        Assert.Equal(401, (await http.GetAsync("/ht/")).Status);
        Assert.Equal(401, (await http.GetAsync("/ht/", "zero", "zero-pw")).Status);
        var ok = await http.GetAsync("/ht/", "one", "one-pw");
        Assert.True(ok.Status == 200, ok + "\n" + s.ErrorLog);
        // a nested .htaccess replaces the Require (AuthMerging Off)
        Assert.Equal(401, (await http.GetAsync("/ht/sub/", "one", "one-pw")).Status);
        Assert.Equal(200, (await http.GetAsync("/ht/sub/", "several", "several-pw")).Status);
        // AllowOverride None: the same .htaccess is ignored
        Assert.Equal(200, (await http.GetAsync("/htoff/")).Status);
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task DotNetPassAuthorization_in_htaccess_is_500_naming_file_and_line(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var http = new Http(s.BaseUrl);
        var mark = s.ErrorLogLength;
        var r = await http.GetAsync("/htbad/", "one", "one-pw");
        Assert.Equal(500, r.Status);
        Assert.True(await s.WaitForErrorLogAsync("DOTNET0301", TimeSpan.FromSeconds(5), mark), s.ErrorLogSince(mark));
        var line = s.ErrorLogSince(mark).Split('\n').First(l => l.Contains("DOTNET0301"));
        var all = s.ErrorLogSince(mark);
        Assert.Contains(fixture.BadHtaccess(s), all);
        Assert.Contains("DotNetPassAuthorization", all);
        Assert.Matches(new Regex(@"(line\s+2\b|\.htaccess:2\b)"), all);
        Assert.DoesNotContain("DotNetPassAuthorization", r.Body);
        _ = line;
    }
}
