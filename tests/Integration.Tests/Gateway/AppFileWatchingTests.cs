using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.Gateway;

/// <summary>
/// Every Apache child runs its own copy of an app. ASP.NET Core's default file watching (a
/// FileSystemWatcher for appsettings.json's reload) would cost each copy an inotify instance of
/// Apache's user, 128 for all of its processes on Debian, so a large prefork server could not
/// start its apps; the gateway makes apps poll instead. appsettings.json changes still reach
/// the running app.
/// </summary>
public sealed class AppFileWatchingTests
{
    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Apps_hold_no_inotify_instance_and_still_see_appsettings_changes(string mpm)
    {
        RepoPaths.RequireModule();
        await using var s = new ApacheServer(mpm);
        var script = s.WriteScript("settings.cs", """
            public static class App
            {
                public static void Configure(WebApplication app) =>
                    app.MapGet("/", (IConfiguration configuration) => $"{Environment.ProcessId} {configuration["Greeting"] ?? "none"}");
            }
            """);
        var settings = s.WriteFile(Path.Combine("scripts", "appsettings.json"), """{ "Greeting": "first" }""");
        s.Configure($"""
            <Directory "{s.ScriptDir}">
                Require all granted
            </Directory>
            DotNetScriptAlias /settings "{script}"
            """);
        await s.StartAsync();
        // One kept connection: the same child answers throughout.
        using var http = new Http(s.BaseUrl, TimeSpan.FromSeconds(30));
        var first = await http.GetAsync("/settings");
        Assert.True(first.Status == 200, first + "\n" + s.ErrorLog);
        var pid = first.Body.Split(' ')[0];
        Assert.Equal("first", first.Body.Split(' ')[1]);

        foreach (var child in s.ChildPids())
        {
            var inotify = Directory.EnumerateFiles($"/proc/{child}/fd").Count(fd =>
            {
                try { return new FileInfo(fd).LinkTarget == "anon_inode:inotify"; }
                catch (IOException) { return false; }
            });
            Assert.True(inotify == 0, $"child {child} holds {inotify} inotify instance(s)");
        }

        File.WriteAllText(settings, """{ "Greeting": "second" }""");
        // The child that loaded the first settings must see the change itself. The kept connection
        // may be dropped on a busy machine (the client lets it idle for 1 s); a new one can land on
        // another prefork child, so its answers are skipped and the first child is asked again.
        using var fresh = new Http(s.BaseUrl, TimeSpan.FromSeconds(30), keepAlive: false);
        var asking = http;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        HttpResult r;
        do
        {
            await Task.Delay(250);
            r = await asking.GetAsync("/settings");
            if (!r.Body.StartsWith(pid + " ", StringComparison.Ordinal))
                asking = fresh;   // a connection per request from now on, until the first child answers
        }
        while (DateTime.UtcNow < deadline && r.Body != $"{pid} second");
        Assert.Equal($"{pid} second", r.Body);
    }
}
