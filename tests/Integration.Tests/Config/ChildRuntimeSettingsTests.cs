using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.Config;

/// <summary>
/// Issue 10, memory per child: each child sets the runtime's memory knobs before the runtime
/// starts (dotnet_child_exit.c). A configuration that names no embedded app gets the small
/// GC heap for hooks (1 MB regions, a gen0 budget of 256 KB and capped there); one that names an app keeps 4 MB
/// regions and a 2 MB budget; both cap the JIT's scratch-page cache. What the code in the
/// child sees is what the runtime read at its start.
/// </summary>
public sealed class ChildRuntimeSettingsTests
{
    private const string Read = """
        static string Settings() => string.Join('|',
            new[] { "DOTNET_GCgen0size", "DOTNET_GCgen0MaxBudget", "DOTNET_GCRegionSize", "DOTNET_JitHostMaxSlabCache" }
                .Select(n => Environment.GetEnvironmentVariable(n) ?? "unset"));
        """;

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task A_child_that_only_runs_hooks_gets_the_small_heap(string mpm)
    {
        RepoPaths.RequireModule();
        await using var s = new ApacheServer(mpm, new ApacheOptions { Cgid = false });
        // The hook lets in only a request that names the settings it sees.
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

        using var http = new Http(s.BaseUrl);
        var right = await http.GetAsync("/protected/index.html", headers: Expect("0x40000|0x40000|0x100000|0x20000"));
        Assert.True(right.Status == 200, right + "\n" + s.ErrorLog);
        var wrong = await http.GetAsync("/protected/index.html", headers: Expect("0x200000|unset|unset|0x20000"));
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
        Assert.Equal("0x200000|unset|unset|0x20000", r.Body);
    }

    private static Dictionary<string, string> Expect(string value) => new() { ["X-Expect"] = value };
}
