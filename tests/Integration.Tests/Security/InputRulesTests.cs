using System.Text;
using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.Security;

/// <summary>
/// Issue 7, items 5 and 7: HookRequest.Path is the path Apache matched (no bypass by encoding or
/// dot segments); a user name with a C1 control is refused with 401, like any refused name.
/// </summary>
public sealed class InputRulesFixture : ApacheFixture
{
    protected override string Build(ApacheServer s)
    {
        s.AddPage("vault");
        s.AddPage("x");
        s.AddPage("open");
        s.AddPage("anyone");
        var grantAll = s.WriteScript("GrantAll.cs", "public static class GrantAll { public static bool CheckPassword(HookRequest r, string u, string p) => true; }");
        return $"""
            <Location "/">
                DotNetAccessScript "{s.InstallScript("PathVault.cs")}"
            </Location>
            {Conf.BasicLocation("/anyone/", Conf.Script(grantAll))}
            """;
    }
}

public sealed class InputRulesTests(InputRulesFixture fixture) : IClassFixture<InputRulesFixture>
{
    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task A_script_deciding_by_path_is_not_bypassed_by_encoding_or_dot_segments(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        foreach (var path in new[] { "/vault/", "/%76ault/", "//vault/", "/x/../vault/", "/./vault/", "/%2576ault/" })
        {
            var (status, response) = await RawHttp.SendAsync(s.Port, path, []);
            // /%2576ault/ is /%76ault/ once decoded: not the vault, so 404; everything else is the vault.
            var expected = path == "/%2576ault/" ? 404 : 403;
            Assert.True(status == expected, $"{path}: {status}, expected {expected}\n{response}\n{s.ErrorLog}");
        }
        var (open, _) = await RawHttp.SendAsync(s.Port, "/open/", []);
        Assert.Equal(200, open);
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task A_user_name_with_a_C1_control_is_401_not_500(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        var names = new[]
        {
            "eve\u0085"u8.ToArray(),                                  // NEL as UTF-8 (C2 85)
            "eve\u009b"u8.ToArray(),                                  // CSI as UTF-8 (C2 9B)
            new byte[] { (byte)'e', (byte)'v', (byte)'e', 0x85 },      // a raw byte the host would read as Latin-1 U+0085
            new byte[] { (byte)'e', (byte)'v', (byte)'e', 0x1b },      // C0 ESC
        };
        foreach (var name in names)
        {
            var credentials = Convert.ToBase64String([.. name, (byte)':', .. "pw"u8.ToArray()]);
            var mark = s.ErrorLogLength;
            var (status, response) = await RawHttp.SendAsync(s.Port, "/anyone/", RawHttp.AuthorizationLine(Encoding.ASCII.GetBytes(credentials)));
            Assert.True(status == 401, $"{Convert.ToHexString(name)}: {status}\n{response}\n{s.ErrorLogSince(mark)}");
            Assert.True(await s.WaitForErrorLogAsync("DOTNET0212", TimeSpan.FromSeconds(5), mark), s.ErrorLogSince(mark));
            Assert.DoesNotContain("DOTNET0214", s.ErrorLogSince(mark));
        }
        // A Latin-1 name that is not a control is still handed over, and granted.
        var latin = Convert.ToBase64String(new byte[] { (byte)'j', (byte)'o', (byte)'s', 0xe9, (byte)':', (byte)'p' });
        var (ok, okResponse) = await RawHttp.SendAsync(s.Port, "/anyone/", RawHttp.AuthorizationLine(Encoding.ASCII.GetBytes(latin)));
        Assert.True(ok == 200, okResponse + "\n" + s.ErrorLog);
        // REMOTE_USER is the UTF-8 form of the name the script saw.
        Assert.NotNull(await s.WaitForAccessLogLineAsync(TimeSpan.FromSeconds(5), "jos\\xc3\\xa9", "/anyone/"));
    }
}
