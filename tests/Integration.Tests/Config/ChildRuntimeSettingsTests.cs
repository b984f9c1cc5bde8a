using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.Config;

/// <summary>
/// Issue 10, memory per child: each child sets the runtime's memory knobs before the runtime
/// starts (dotnet_child_exit.c). A configuration that names no embedded app gets the small
/// GC heap for hooks (1 MB regions, a gen0 budget of 256 KB); one that names an app keeps 4 MB
/// regions and a 2 MB budget; both cap the JIT's scratch-page cache. What the code in the
/// child sees is what the runtime read at its start.
/// </summary>
public sealed class ChildRuntimeSettingsTests
{
    // The variables, then the region size as the GC itself read it (GC.GetConfigurationVariables
    // reports its public settings; the gen0 size is not one of them).
    private const string Read = """
        static string Gc(string name) => GC.GetConfigurationVariables().TryGetValue(name, out var v) ? $"0x{Convert.ToInt64(v):x}" : "none";
        static string Settings() => string.Join('|',
            new[] { "DOTNET_GCgen0size", "DOTNET_GCRegionSize", "DOTNET_JitHostMaxSlabCache" }
                .Select(n => Environment.GetEnvironmentVariable(n) ?? "unset")) + "|gc:" + Gc("GCRegionSize");
        """;

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task A_child_that_only_runs_hooks_gets_the_small_heap(string mpm)
    {
        RepoPaths.RequireModule();
        await using var s = new ApacheServer(mpm, new ApacheOptions { Cgid = false });
        await StartWithSettingsHookAsync(s);

        using var http = new Http(s.BaseUrl);
        var right = await http.GetAsync("/protected/index.html", headers: Expect("0x40000|0x100000|0x20000|gc:0x100000"));
        Assert.True(right.Status == 200, right + "\n" + s.ErrorLog);
        var wrong = await http.GetAsync("/protected/index.html", headers: Expect("0x200000|unset|0x20000|gc:0x0"));
        Assert.Equal(403, wrong.Status);
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task A_child_that_may_host_an_app_keeps_the_larger_heap(string mpm)
    {
        RepoPaths.RequireModule();
        await using var s = new ApacheServer(mpm, new ApacheOptions { Cgid = false });
        var app = s.WriteScript("settings.cs", $$"""
            public static class App
            {
                {{Read}}
                public static Task Application(HttpContext context) => context.Response.WriteAsync(Settings());
            }
            """);
        s.Configure($$"""
            <Directory "{{s.ScriptDir}}">
                Require all granted
            </Directory>
            DotNetScriptAlias /settings "{{app}}"
            """);
        await s.StartAsync();

        using var http = new Http(s.BaseUrl);
        var r = await http.GetAsync("/settings");
        Assert.True(r.Status == 200, r + "\n" + s.ErrorLog);
        Assert.Equal("0x200000|unset|0x20000|gc:0x0", r.Body);
    }

    [Fact]
    public async Task An_administrators_own_settings_are_kept()
    {
        // Set in the Apache parent's environment (an init script's), they reach the children
        // unchanged; mod_dotnet fills in only what is unset.
        RepoPaths.RequireModule();
        await using var s = new ApacheServer("event", new ApacheOptions
        {
            Cgid = false,
            Environment = new Dictionary<string, string> { ["DOTNET_GCgen0size"] = "0x800000", ["DOTNET_GCRegionSize"] = "0x200000" },
        });
        await StartWithSettingsHookAsync(s);

        using var http = new Http(s.BaseUrl);
        var kept = await http.GetAsync("/protected/index.html", headers: Expect("0x800000|0x200000|0x20000|gc:0x200000"));
        Assert.True(kept.Status == 200, kept + "\n" + s.ErrorLog);
    }

    /// <summary>A /protected page whose access hook lets in only a request naming the settings it sees.</summary>
    private static async Task StartWithSettingsHookAsync(ApacheServer s)
    {
        var hook = s.WriteScript("settings.cs", $$"""
            public static class Hosts
            {
                {{Read}}
                public static bool? AllowAccess(HookRequest request, string host) => request.Header("X-Expect") == Settings();
            }
            """);
        s.AddPage("protected");
        s.Configure($$"""
            <Location /protected>
                DotNetAccessScript "{{hook}}"
            </Location>
            """);
        await s.StartAsync();
    }

    private static Dictionary<string, string> Expect(string value) => new() { ["X-Expect"] = value };
}
