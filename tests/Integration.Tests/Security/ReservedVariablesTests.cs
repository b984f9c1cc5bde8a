using AccessHooks.Integration.Tests.Daemon;
using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.Security;

/// <summary>
/// SetEnv, SetEnvIf and RewriteRule [E=] reach an app's variables, as in CGI and mod_wsgi, and
/// may be written in an .htaccess with only AllowOverride FileInfo. The names the module sets
/// itself must not be among them: a tenant could claim a user nobody authenticated, a client
/// certificate nobody presented, or make a daemon load a file of its choosing as code.
/// </summary>
public sealed class ReservedVariablesTests
{
    private const string Who = """
        public static class App
        {
            public static Task Application(HttpContext c)
            {
                var apache = c.Features.Get<AccessHooks.IApacheRequestFeature>()!;
                apache.Variables.TryGetValue("SITE_COLOUR", out var colour);
                return c.Response.WriteAsync(
                    $"user={c.User.Identity?.Name ?? "-"} authenticated={c.User.Identity?.IsAuthenticated ?? false} " +
                    $"cert={(c.Connection.ClientCertificate is null ? "none" : "present")} https={c.Request.IsHttps} " +
                    $"group={apache.Variables["mod_dotnet.application_group"]} colour={colour ?? "-"}");
            }
        }
        """;

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task SetEnv_cannot_forge_the_user_the_certificate_the_group_or_the_file_a_daemon_loads(string mpm)
    {
        var marker = Path.Combine(Path.GetTempPath(), "ah-forged-" + Guid.NewGuid().ToString("N"));
        await using var s = await DaemonModeTests.StartAsync(mpm, start: false);
        var who = s.WriteScript("who.cs", Who);
        var evil = s.WriteScript("evil.cs", $$"""
            public static class App
            {
                public static Task Application(HttpContext c)
                {
                    File.WriteAllText("{{marker}}", "ran");
                    return c.Response.WriteAsync("EVIL");
                }
            }
            """);
        const string Forged = """
                SetEnv SITE_COLOUR blue
                SetEnv REMOTE_USER admin
                SetEnv AUTH_TYPE Basic
                SetEnv HTTPS on
                SetEnv SSL_CLIENT_CERT "-----BEGIN CERTIFICATE-----"
                SetEnv SSL_CLIENT_VERIFY SUCCESS
                SetEnv mod_dotnet.application_group forged
            """;
        File.AppendAllText(s.ConfPath, $"""

            DotNetScriptAlias /who "{who}" application-group=embedded
            DotNetScriptAlias /dwho "{who}" process-group=site application-group=daemon
            <Location /who>
            {Forged}
            </Location>
            <Location /dwho>
            {Forged}
                SetEnv mod_dotnet.wire.app_path "{evil}"
                SetEnv mod_dotnet.wire.app_key forged
                SetEnv MOD_DOTNET.WIRE.CHECK_RELOAD 1
            </Location>

            """);
        await s.StartAsync();
        try
        {
            using var http = new Http(s.BaseUrl, TimeSpan.FromSeconds(30), keepAlive: false);
            foreach (var (path, group) in new[] { ("/who", "embedded"), ("/dwho", "daemon") })
            {
                var r = await http.GetAsync(path);
                Assert.True(r.Status == 200, $"{path}: {r}\n{s.ErrorLog}");
                Assert.Equal($"user=- authenticated=False cert=none https=False group={group} colour=blue", r.Body);
            }
            Assert.False(File.Exists(marker), "the daemon ran the file named by SetEnv");
        }
        finally
        {
            File.Delete(marker);
        }
    }
}
