using System.Runtime.InteropServices;
using System.Text.Json;
using AccessHooks.Host.Interop;
using AccessHooks.Host.Status;
using AccessHooks.Host.Tests.Infrastructure;

namespace AccessHooks.Host.Tests;

/// <summary>
/// The host's half of SetHandler dotnet-status (ah_host_exports.status_detail): the three forms
/// list the groups and scripts this process loaded, with generations and what their
/// IStatusSource services report, and nothing breaks the form (escaping, one line per key).
/// </summary>
[Collection(SerialTests.Name)]
public sealed unsafe class StatusDetailTests : IDisposable
{
    private readonly ScriptDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Detail(int form)
    {
        TestHost.EnsureInitialized();
        HookResult result = default;
        var rc = TestHost.Exports->StatusDetail(form, &result);
        Assert.Equal(Bridge.CallOk, rc);
        Assert.True(result.Text != null);
        try
        {
            return Marshal.PtrToStringUTF8((nint)result.Text)!;
        }
        finally
        {
            NativeMemory.Free(result.Text);
        }
    }

    private string LoadScriptWithSource(string group, string marker)
    {
        var path = _dir.Write($"status-<{marker}>.cs", $$"""
            public sealed class Pool : IStatusSource
            {
                public string StatusTitle => "pool <{{marker}}>";
                public IEnumerable<KeyValuePair<string, string>> GetStatus() =>
                    [new("Idle", "3"), new("Note", "two\nlines & <tags>")];
            }
            public static class Site
            {
                public static void ConfigureServices(IServiceCollection services) =>
                    services.AddSingleton<IStatusSource, Pool>();
                public static bool AllowAccess(HookRequest request, string host) => true;
            }
            """);
        var invoker = new HookInvoker(path, group) { TimeoutMs = 5000 };
        var allowed = invoker.AllowAccess("127.0.0.1");
        Assert.True(allowed.Ok, allowed.Log);
        return path;
    }

    [Fact]
    public void Json_lists_the_group_the_script_its_generation_and_its_sources()
    {
        var path = LoadScriptWithSource("status-json", "J1");
        using var doc = JsonDocument.Parse(Detail(StatusForms.Json));
        var root = doc.RootElement;
        Assert.Equal(Environment.Version.ToString(), root.GetProperty("runtime").GetProperty("version").GetString());
        Assert.True(root.GetProperty("runtime").GetProperty("heap_bytes").GetInt64() > 0);
        var group = root.GetProperty("application_groups").EnumerateArray().Single(g => g.GetProperty("name").GetString() == "status-json");
        var script = group.GetProperty("scripts").EnumerateArray().Single();
        Assert.Equal(path, script.GetProperty("path").GetString());
        Assert.Equal(1, script.GetProperty("generation").GetInt32());
        Assert.Equal(0, script.GetProperty("in_flight").GetInt32());
        Assert.Equal(JsonValueKind.Null, script.GetProperty("load_error").ValueKind);
        var source = script.GetProperty("sources").EnumerateArray().Single();
        Assert.Equal("pool <J1>", source.GetProperty("title").GetString());
        Assert.Equal("3", source.GetProperty("values").GetProperty("Idle").GetString());
        Assert.Equal("two\nlines & <tags>", source.GetProperty("values").GetProperty("Note").GetString());
    }

    [Fact]
    public void Auto_is_one_ThisChild_key_per_line_and_html_is_escaped()
    {
        LoadScriptWithSource("status-auto", "A1");
        var auto = Detail(StatusForms.Auto);
        var lines = auto.TrimEnd('\n').Split('\n');
        Assert.All(lines, line => Assert.Matches(@"^ThisChild[A-Za-z0-9]+: ", line));
        Assert.Contains(lines, l => l.StartsWith("ThisChildScript: status-auto 1 0 - ", StringComparison.Ordinal) && l.EndsWith("status-<A1>.cs", StringComparison.Ordinal));
        Assert.Contains("ThisChildSource: pool <A1>: Idle=3 Note=two lines & <tags>", lines);

        var html = Detail(StatusForms.Html);
        Assert.Contains("pool &lt;A1&gt;", html);
        Assert.Contains("two\nlines &amp; &lt;tags&gt;", html);
        Assert.DoesNotContain("<tags>", html);
        Assert.DoesNotContain("<A1>", html);
    }

    [Fact]
    public void A_source_that_throws_is_shown_as_an_error_not_thrown()
    {
        var path = _dir.Write("throwing-source.cs", """
            public sealed class Broken : IStatusSource
            {
                public string StatusTitle => "broken";
                public IEnumerable<KeyValuePair<string, string>> GetStatus() => throw new InvalidOperationException("no figures");
            }
            public static class Site
            {
                public static void ConfigureServices(IServiceCollection services) => services.AddSingleton<IStatusSource, Broken>();
                public static bool AllowAccess(HookRequest request, string host) => true;
            }
            """);
        var invoker = new HookInvoker(path, "status-broken") { TimeoutMs = 5000 };
        Assert.True(invoker.AllowAccess("127.0.0.1").Ok);
        using var doc = JsonDocument.Parse(Detail(StatusForms.Json));
        var group = doc.RootElement.GetProperty("application_groups").EnumerateArray().Single(g => g.GetProperty("name").GetString() == "status-broken");
        var source = group.GetProperty("scripts")[0].GetProperty("sources")[0];
        Assert.Equal("InvalidOperationException: no figures", source.GetProperty("values").GetProperty("error").GetString());
    }
}
