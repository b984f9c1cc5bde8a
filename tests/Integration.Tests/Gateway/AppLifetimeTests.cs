using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.Gateway;

/// <summary>
/// Issue 8: an app's lifetime in a child. Hosted services start with the app; ApplicationStopping
/// and ApplicationStopped fire when the app's file changes (the old generation stops) and when
/// the child exits gracefully, under both MPMs.
/// </summary>
public sealed class AppLifetimeTests
{
    private static string App(string marks, string version) => $$"""
        public static class App
        {
            public static void ConfigureServices(IServiceCollection services) => services.AddHostedService<Worker>();

            public static void Configure(WebApplication app)
            {
                var marks = "{{marks}}";
                app.Lifetime.ApplicationStopping.Register(() => File.WriteAllText(Path.Combine(marks, $"stopping-{Environment.ProcessId}-{{version}}"), "x"));
                app.Lifetime.ApplicationStopped.Register(() => File.WriteAllText(Path.Combine(marks, $"stopped-{Environment.ProcessId}-{{version}}"), "x"));
                app.MapGet("/", () => $"{Environment.ProcessId} {Worker.Started} {{version}}");
            }
        }

        public sealed class Worker : Microsoft.Extensions.Hosting.BackgroundService
        {
            public static bool Started;
            protected override Task ExecuteAsync(CancellationToken stoppingToken) { Started = true; return Task.CompletedTask; }
        }
        """;

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Hosted_services_start_and_stopping_fires_on_reload_and_on_graceful_child_exit(string mpm)
    {
        RepoPaths.RequireModule();
        await using var s = new ApacheServer(mpm);
        var marks = Path.Combine(s.Dir, "marks");
        Directory.CreateDirectory(marks);
        File.SetUnixFileMode(marks, (UnixFileMode)Convert.ToInt32("777", 8));
        var script = s.WriteScript("life.cs", App(marks, "v1"));
        s.Configure($"""
            <Directory "{s.ScriptDir}">
                Require all granted
            </Directory>
            DotNetScriptAlias /life "{script}"
            """);
        await s.StartAsync();
        using var http = new Http(s.BaseUrl, keepAlive: false);

        var first = await http.GetAsync("/life");
        Assert.True(first.Status == 200, first + "\n" + s.ErrorLog);
        var parts = first.Body.Split(' ');
        Assert.Equal("True", parts[1]);
        var pid = parts[0];

        // Reload: the old generation stops (in every child that ran it; here at least the first).
        File.WriteAllText(script, App(marks, "v2"));
        File.SetLastWriteTimeUtc(script, DateTime.UtcNow.AddSeconds(5));
        var pids = new HashSet<string>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !(pids.Contains(pid) && File.Exists(Path.Combine(marks, $"stopped-{pid}-v1"))))
        {
            var r = await http.GetAsync("/life");
            if (r.Body.EndsWith("v2"))
                pids.Add(r.Body.Split(' ')[0]);
            await Task.Delay(100);
        }
        Assert.True(File.Exists(Path.Combine(marks, $"stopped-{pid}-v1")), $"no stop of v1 in {pid}: {string.Join(",", Directory.GetFiles(marks).Select(Path.GetFileName))}\n{s.ErrorLog}");
        Assert.True(File.Exists(Path.Combine(marks, $"stopping-{pid}-v1")));

        Assert.NotEmpty(pids);
        // Graceful restart: every child that ran v2 exits normally and stops its app.
        s.Graceful();
        Assert.True(await TestRun.WaitUntilAsync(() => pids.All(p => File.Exists(Path.Combine(marks, $"stopped-{p}-v2"))), TimeSpan.FromSeconds(30)),
            $"children {string.Join(",", pids)} did not stop v2: {string.Join(",", Directory.GetFiles(marks).Select(Path.GetFileName))}\n{s.ErrorLog}");
    }
}
