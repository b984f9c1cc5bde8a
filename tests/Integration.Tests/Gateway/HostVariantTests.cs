using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.Gateway;

/// <summary>
/// Issue 8: apps that build their host in the other ways ASP.NET Core offers —
/// WebApplication.CreateSlimBuilder and Host.CreateDefaultBuilder().ConfigureWebHostDefaults —
/// and two versions of one app, each with its own settings and its own version of a NuGet
/// dependency (Humanizer 2.14.1 and 3.0.10), all served by one child in four application groups.
/// </summary>
public sealed class HostVariantFixture : ApacheFixture
{
    private const string Slim = """
        var builder = WebApplication.CreateSlimBuilder(args);
        var app = builder.Build();
        app.MapGet("/", (IHostEnvironment env) => $"slim {Environment.ProcessId} {env.ApplicationName} {app.Configuration["Greeting"]}");
        app.Run();
        """;

    private const string Generic = """
        Host.CreateDefaultBuilder(args)
            .ConfigureWebHostDefaults(web => web.UseStartup<Startup>())
            .Build()
            .Run();

        public sealed class Startup(IConfiguration configuration)
        {
            public void ConfigureServices(IServiceCollection services) => services.AddRouting();

            public void Configure(IApplicationBuilder app)
            {
                app.UseRouting();
                app.UseEndpoints(e => e.MapGet("/", (IWebHostEnvironment env) =>
                    $"generic {Environment.ProcessId} {env.ApplicationName} {configuration["Greeting"]}"));
            }
        }
        """;

    private static string Versioned(string version) => $$"""
        using Humanizer;
        var app = WebApplication.CreateBuilder(args).Build();
        app.MapGet("/", () => $"{{version}} {Environment.ProcessId} {typeof(StringHumanizeExtensions).Assembly.GetName().Version} {"private_dependency_loaded".Humanize()} {app.Configuration["Greeting"]}");
        app.Run();
        """;

    private static string Settings(string greeting) => $$"""{ "Greeting": "{{greeting}}" }""";

    public static readonly Dictionary<string, string> Dlls = new();

    protected override string Build(ApacheServer s)
    {
        lock (Dlls)
        {
            Dlls["slim"] = AppProjects.Build("SlimApp", new Dictionary<string, string>
            {
                ["SlimApp.csproj"] = AppProjects.WebProject(), ["Program.cs"] = Slim, ["appsettings.json"] = Settings("hello from slim"),
            });
            Dlls["generic"] = AppProjects.Build("GenericHostApp", new Dictionary<string, string>
            {
                ["GenericHostApp.csproj"] = AppProjects.WebProject(), ["Program.cs"] = Generic, ["appsettings.json"] = Settings("hello from generic"),
            });
            Dlls["v1"] = AppProjects.Build("Versioned", new Dictionary<string, string>
            {
                ["Versioned.csproj"] = AppProjects.WebProject(("Humanizer.Core", "2.14.1")), ["Program.cs"] = Versioned("v1"), ["appsettings.json"] = Settings("settings of v1"),
            });
            Dlls["v2"] = AppProjects.Build("Versioned", new Dictionary<string, string>
            {
                ["Versioned.csproj"] = AppProjects.WebProject(("Humanizer.Core", "3.0.10")), ["Program.cs"] = Versioned("v2"), ["appsettings.json"] = Settings("settings of v2"),
            });
        }
        var conf = new System.Text.StringBuilder();
        foreach (var (alias, dll) in Dlls)
            conf.AppendLine($"""
                <Directory "{Path.GetDirectoryName(dll)}">
                    Require all granted
                </Directory>
                DotNetScriptAlias /{alias} "{dll}" application-group={alias}
                """);
        return conf.ToString();
    }
}

public sealed class HostVariantTests(HostVariantFixture fixture) : IClassFixture<HostVariantFixture>
{
    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Slim_and_generic_hosts_and_two_versions_of_one_app_run_side_by_side_in_one_child(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        // One kept-alive connection: every request reaches the same child.
        using var http = new Http(s.BaseUrl, keepAlive: true);
        var answers = new Dictionary<string, string[]>();
        foreach (var alias in new[] { "slim", "generic", "v1", "v2", "v1" })
        {
            var r = await http.GetAsync("/" + alias + "/");
            Assert.True(r.Status == 200, $"/{alias}/: {r}\n{s.ErrorLog[^Math.Min(6000, s.ErrorLog.Length)..]}");
            answers[alias] = r.Body.Split(' ', 4);
        }
        Assert.Single(answers.Values.Select(a => a[1]).Distinct()); // one process served them all

        Assert.Equal(["slim", answers["slim"][1], "SlimApp", "hello from slim"], answers["slim"]);
        Assert.Equal(["generic", answers["generic"][1], "GenericHostApp", "hello from generic"], answers["generic"]);
        // Each version with its own dependency version and its own settings.
        Assert.Equal("2.14.0.0", answers["v1"][2]); // Humanizer.Core 2.14.1 ships assembly version 2.14.0.0
        Assert.Equal("3.0.0.0", answers["v2"][2]);
        Assert.Equal("private dependency loaded settings of v1", answers["v1"][3].ToLowerInvariant());
        Assert.Equal("private dependency loaded settings of v2", answers["v2"][3].ToLowerInvariant());
    }
}
