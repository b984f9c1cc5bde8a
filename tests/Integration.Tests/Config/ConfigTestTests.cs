using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.Config;

/// <summary>Issue 4: bad directive arguments and contexts fail `apache2 -t` with the code and the line.</summary>
public sealed class ConfigTestTests
{
    private static (ProcessResult Result, int Line) ConfigTest(string body, string marker)
    {
        RepoPaths.RequireModule();
        var s = new ApacheServer("event");
        var script = s.InstallScript("Groups.cs");
        s.Configure(body.Replace("@SCRIPT@", script));
        var lines = File.ReadAllLines(s.ConfPath);
        var line = Array.FindIndex(lines, l => l.Contains(marker, StringComparison.Ordinal)) + 1;
        Assert.True(line > 0, "marker not in config");
        return (s.ConfigTest(), line);
    }

    public static TheoryData<string, string, string, string> BadConfigs => new()
    {
        { "bad option", "<Location /x>\n    DotNetAuthUserScript /x bogus=1\n</Location>", "bogus=1", "DOTNET0300" },
        { "timeout not a number", "DotNetHookTimeout abc", "DotNetHookTimeout abc", "DOTNET0300" },
        { "timeout negative", "<Location /x>\n    DotNetHookTimeout -5\n</Location>", "DotNetHookTimeout -5", "DOTNET0300" },
        { "group script bad option", "<Directory /tmp>\n    DotNetAuthGroupScript \"@SCRIPT@\" application-group\n</Directory>", "DotNetAuthGroupScript", "DOTNET0300" },
        { "access script two paths", "<Location /x>\n    DotNetAccessScript /a.cs /b.cs\n</Location>", "DotNetAccessScript", "DOTNET0300" },
        { "server-only in Location", "<Location /x>\n    DotNetScriptCache /tmp/elsewhere\n</Location>", "DotNetScriptCache /tmp/elsewhere", "DOTNET0301" },
        { "server-only in Directory", "<Directory /tmp>\n    DotNetRestrictStdout On\n</Directory>", "DotNetRestrictStdout On", "DOTNET0301" },
    };

    [Theory]
    [MemberData(nameof(BadConfigs))]
    public void Bad_directive_fails_configtest_with_code_and_line(string name, string body, string marker, string code)
    {
        var (r, line) = ConfigTest(body, marker);
        Assert.True(r.ExitCode != 0, $"{name}: configtest passed\n{r}");
        Assert.Contains(code, r.Output);
        Assert.Contains($"line {line}", r.Output);
    }

    [Fact]
    public void Valid_directives_pass_configtest()
    {
        var (r, _) = ConfigTest("""
            DotNetHookTimeout 15
            DotNetScriptReloading On
            <Location /x>
                AuthType Basic
                AuthName x
                AuthBasicProvider dotnet
                DotNetAuthUserScript "@SCRIPT@" application-group=site
                DotNetAuthGroupScript "@SCRIPT@" application-group=site
                DotNetAccessScript "@SCRIPT@"
                DotNetPassAuthorization Off
                DotNetHookTimeout 5
                Require dotnet-group staff %{REQUEST_METHOD}-users
            </Location>
            """, "DotNetHookTimeout 15");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("Syntax OK", r.Output);
    }
}
