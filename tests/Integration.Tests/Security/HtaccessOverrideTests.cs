using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.Security;

/// <summary>
/// Issue 7, item 2: the script directives load C# into every child, so in .htaccess they are
/// accepted only under AllowOverride AuthConfig. Any other override class: 500, the directive
/// named in the error log, and the script never loads.
/// </summary>
public sealed class HtaccessOverrideFixture : ApacheFixture
{
    public static readonly string[] Refused = ["FileInfo", "Indexes", "Limit", "Options"];
    public static readonly string[] Accepted = ["AuthConfig", "All"];

    public static string Dir(string overrides) => overrides.Replace("=", "-").Replace(" ", "-").ToLowerInvariant();

    protected override string Build(ApacheServer s)
    {
        var body = new System.Text.StringBuilder();
        foreach (var overrides in Refused.Concat(Accepted))
        {
            var dir = Dir(overrides);
            s.AddPage("ovr/" + dir);
            foreach (var directive in new[] { "DotNetAuthUserScript", "DotNetAuthGroupScript", "DotNetAccessScript" })
            {
                // A script that would announce itself if it were ever loaded.
                var script = s.WriteScript($"{dir}-{directive}.cs", $$"""
                    public static class Loaded
                    {
                        public static bool? AllowAccess(HookRequest r, string host) { r.Logger.LogError("LOADED-{{dir}}-{{directive}}"); return true; }
                        public static bool? CheckPassword(HookRequest r, string u, string p) { r.Logger.LogError("LOADED-{{dir}}-{{directive}}"); return true; }
                        public static IEnumerable<string> GroupsForUser(HookRequest r, string u) { r.Logger.LogError("LOADED-{{dir}}-{{directive}}"); return ["g"]; }
                    }
                    """.Replace("public static class", "using Microsoft.Extensions.Logging;\npublic static class"));
                var sub = "ovr/" + dir + "/" + directive.ToLowerInvariant();
                s.AddPage(sub);
                // Only the script directive is in .htaccess; the rest of the auth set-up is the
                // administrator's, so nothing but the override class decides.
                File.WriteAllText(Path.Combine(s.DocRoot, sub, ".htaccess"), $"{directive} \"{script}\"\n");
                if (directive != "DotNetAccessScript")
                {
                    var anyone = s.WriteScript($"{dir}-anyone.cs", "public static class Anyone { public static bool CheckPassword(HookRequest r, string u, string p) => true; }");
                    body.AppendLine($"""
                        <Directory "{s.DocRoot}/{sub}">
                            AuthType Basic
                            AuthName x
                            AuthBasicProvider dotnet
                            {(directive == "DotNetAuthGroupScript" ? $"DotNetAuthUserScript \"{anyone}\"" : "")}
                            Require {(directive == "DotNetAuthGroupScript" ? "dotnet-group g" : "valid-user")}
                        </Directory>
                        """);
                }
            }
            body.AppendLine($"<Directory \"{s.DocRoot}/ovr/{dir}\">\n    AllowOverride {overrides}\n</Directory>");
        }
        return body.ToString();
    }
}

public sealed class HtaccessOverrideTests(HtaccessOverrideFixture fixture) : IClassFixture<HtaccessOverrideFixture>
{
    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Script_directives_in_htaccess_need_AuthConfig(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var http = new Http(s.BaseUrl);
        foreach (var overrides in HtaccessOverrideFixture.Refused)
        {
            var dir = HtaccessOverrideFixture.Dir(overrides);
            foreach (var directive in new[] { "DotNetAuthUserScript", "DotNetAuthGroupScript", "DotNetAccessScript" })
            {
                var mark = s.ErrorLogLength;
                var r = await http.GetAsync($"/ovr/{dir}/{directive.ToLowerInvariant()}/", "u", "p");
                Assert.True(r.Status == 500, $"AllowOverride {overrides}, {directive}: {r.Status}\n{s.ErrorLogSince(mark)}");
                Assert.True(await s.WaitForErrorLogAsync(directive, TimeSpan.FromSeconds(5), mark), s.ErrorLogSince(mark));
                Assert.Contains("AuthConfig", s.ErrorLogSince(mark));
            }
        }
        foreach (var overrides in HtaccessOverrideFixture.Accepted)
        {
            var dir = HtaccessOverrideFixture.Dir(overrides);
            var r = await http.GetAsync($"/ovr/{dir}/dotnetaccessscript/");
            Assert.True(r.Status == 200, $"AllowOverride {overrides}: {r}\n{s.ErrorLog}");
            Assert.True(await s.WaitForErrorLogAsync($"LOADED-{dir}-DotNetAccessScript", TimeSpan.FromSeconds(5)), s.ErrorLog);
        }
        // No refused script was ever loaded.
        foreach (var overrides in HtaccessOverrideFixture.Refused)
            Assert.DoesNotContain($"LOADED-{HtaccessOverrideFixture.Dir(overrides)}-", s.ErrorLog);
        Assert.DoesNotContain("DOTNET0217: script '" + s.ScriptDir + "/file", s.ErrorLog);
    }
}
