using System.Text.Json;
using System.Text.RegularExpressions;
using AccessHooks.Integration.Tests.Infrastructure;
using AccessHooks.TestSupport;

namespace AccessHooks.Integration.Tests.Packaging;

/// <summary>
/// Issue 11: the `dotnet new` templates, installed from the template package into a private
/// template hive. `accesshooks-provider` makes a library and its xunit + Moq tests, which restore
/// the AccessHooks packages from the local feed, build and pass. `accesshooks-script` makes a
/// hook script that a real Apache compiles and uses to let the right user in and keep others out.
/// </summary>
public sealed class TemplateTests
{
    private static readonly Lazy<string> Hive = new(() =>
    {
        var hive = TestRun.NewDirectory("template-hive");
        DotnetNew(hive, ["install", LocalFeed.Instance.TemplatePackage]);
        return hive;
    });

    [Fact]
    public void The_provider_template_builds_and_its_tests_pass_against_the_packages()
    {
        var feed = LocalFeed.Instance;
        var root = TestRun.NewDirectory("provider-template");
        LocalFeed.WriteConsumerSettings(root, feed.Path);
        // A dotted name, as .NET projects are named: the namespace keeps the dots, identifiers drop them.
        var output = Path.Combine(root, "Contoso.Auth");
        DotnetNew(Hive.Value, ["accesshooks-provider", "-n", "Contoso.Auth", "-o", output, "--accesshooksVersion", feed.Version]);
        Assert.True(File.Exists(Path.Combine(output, "Contoso.Auth", "Contoso.Auth.csproj")));
        var registration = File.ReadAllText(Path.Combine(output, "Contoso.Auth", "Contoso.AuthServiceCollectionExtensions.cs"));
        Assert.Contains("namespace Contoso.Auth;", registration);
        Assert.Contains("public static IServiceCollection AddContosoAuth(", registration);
        Assert.Contains("class ContosoAuthPasswordChecker(", File.ReadAllText(Path.Combine(output, "Contoso.Auth", "Contoso.AuthPasswordChecker.cs")));

        var result = ExternalTool.Run("dotnet", ["test", Path.Combine(output, "Contoso.Auth.Tests"), "-c", "Release", "-nologo"],
            timeout: TimeSpan.FromMinutes(8), environment: AppBuilds.Env);
        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        Assert.Matches(@"Passed!\s+-\s+Failed:\s+0, Passed:\s+3,", result.StandardOutput);
    }

    [Fact]
    public void The_template_defaults_to_the_version_the_repository_builds()
    {
        var props = File.ReadAllText(Path.Combine(RepoPaths.Root, "Directory.Build.props"));
        var version = Regex.Match(props, "<VersionPrefix>([^<]+)</VersionPrefix>").Groups[1].Value + "-" +
                      Regex.Match(props, "<VersionSuffix>([^<]+)</VersionSuffix>").Groups[1].Value;
        using var template = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "templates", "content", "provider", ".template.config", "template.json")));
        Assert.Equal(version, template.RootElement.GetProperty("symbols").GetProperty("accesshooksVersion").GetProperty("defaultValue").GetString());
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task The_script_template_is_a_working_hook_script(string mpm)
    {
        RepoPaths.RequireModule();
        await using var s = new ApacheServer(mpm, new ApacheOptions { Cgid = false });
        var htpasswd = Path.Combine(s.Dir, "users.htpasswd");
        HtTools.Htpasswd(htpasswd, "alice", "alice-pw", create: true);
        HtTools.Htpasswd(htpasswd, "bob", "bob-pw");
        var groups = Path.Combine(s.Dir, "groups");
        HtTools.GroupFile(groups, new Dictionary<string, string[]> { ["staff"] = ["alice"] });
        DotnetNew(Hive.Value, ["accesshooks-script", "-n", "site", "-o", s.ScriptDir, "--htpasswd", htpasswd, "--groups", groups]);
        var script = Path.Combine(s.ScriptDir, "site.cs");
        Assert.True(File.Exists(script));
        TestRun.MakeReadable(s.ScriptDir);
        s.AddPage("private");
        s.Configure(Conf.BasicLocation("/private/", Conf.Script(script, "site"),
            extra: $"DotNetAuthGroupScript {Conf.Script(script, "site")}", require: "Require dotnet-group staff"));
        await s.StartAsync();
        using var http = new Http(s.BaseUrl);
        Assert.Equal(200, (await http.GetAsync("/private/", "alice", "alice-pw")).Status);
        Assert.Equal(401, (await http.GetAsync("/private/", "alice", "wrong")).Status);
        Assert.Equal(401, (await http.GetAsync("/private/", "bob", "bob-pw")).Status); // not in staff: asked again
        Assert.DoesNotContain("DOTNET0201", s.ErrorLog); // it compiled
    }

    private static void DotnetNew(string hive, string[] arguments) =>
        ExternalTool.Run("dotnet", ["new", .. arguments, "--debug:custom-hive", hive], timeout: TimeSpan.FromMinutes(3), environment: AppBuilds.Env)
            .EnsureSuccess("dotnet new " + string.Join(' ', arguments));
}
