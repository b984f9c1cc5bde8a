using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.Gateway;

/// <summary>
/// Issue 8: unmodified ASP.NET Core apps nobody here wrote — the SDK's web, webapi, mvc and
/// webapp templates, built at test time — served from their .dll through DotNetScriptAlias, each
/// in its own application group in the same child, and answering as the same build does on
/// Kestrel for a fixed list of requests.
/// </summary>
public sealed class TemplateAppFixture : ApacheFixture
{
    public static readonly (string Template, string Name)[] Apps = [("web", "TplWeb"), ("webapi", "TplApi"), ("mvc", "TplMvc"), ("webapp", "TplPages")];

    public Dictionary<string, string> Dlls { get; } = new();

    protected override string Build(ApacheServer s)
    {
        var conf = new System.Text.StringBuilder();
        lock (Dlls)
        {
            foreach (var (template, name) in Apps)
                Dlls[name] = AppBuilds.Template(template, name);
        }
        foreach (var (_, name) in Apps)
        {
            var dir = Path.GetDirectoryName(Dlls[name])!;
            conf.AppendLine($"""
                <Directory "{dir}">
                    Require all granted
                </Directory>
                DotNetScriptAlias /{name.ToLowerInvariant()} "{Dlls[name]}" application-group={name}
                """);
        }
        return conf.ToString();
    }
}

public sealed class TemplateAppTests(TemplateAppFixture fixture) : IClassFixture<TemplateAppFixture>
{
    /// <summary>(app, path under the app, text the body must hold under both servers).</summary>
    public static readonly (string App, string Path, string Marker)[] Requests =
    [
        ("TplWeb", "/", "Hello World!"),
        ("TplApi", "/weatherforecast", "temperatureC"),
        ("TplMvc", "/", "Welcome"),
        ("TplMvc", "/Home/Privacy", "Privacy Policy"),
        ("TplPages", "/", "Welcome"),
        ("TplPages", "/Privacy", "Privacy Policy"),
        ("TplMvc", "/no/such/page", ""),
    ];

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task SDK_templates_answer_as_they_do_on_Kestrel(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var apache = new HttpClient { BaseAddress = new Uri(s.BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
        foreach (var group in Requests.GroupBy(r => r.App))
        {
            using var kestrel = new KestrelApp(fixture.Dlls[group.Key]);
            using var direct = new HttpClient { BaseAddress = new Uri(kestrel.BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
            foreach (var (app, path, marker) in group)
            {
                using var expected = await direct.GetAsync(path);
                using var actual = await apache.GetAsync("/" + app.ToLowerInvariant() + path);
                var expectedBody = await expected.Content.ReadAsStringAsync();
                var actualBody = await actual.Content.ReadAsStringAsync();
                var what = $"{app} {path} ({mpm})";
                Assert.True(expected.StatusCode == actual.StatusCode, $"{what}: Kestrel {(int)expected.StatusCode}, Apache {(int)actual.StatusCode}\n{actualBody}\n{s.ErrorLog[^Math.Min(6000, s.ErrorLog.Length)..]}");
                Assert.Equal(expected.Content.Headers.ContentType?.ToString(), actual.Content.Headers.ContentType?.ToString());
                Assert.Contains(marker, actualBody);
                Assert.Contains(marker, expectedBody);
                // Links the app generates carry the alias as PathBase under Apache.
                if (expectedBody.Contains("href=\"/Home/Privacy\""))
                    Assert.Contains($"href=\"/{app.ToLowerInvariant()}/Home/Privacy\"", actualBody);
            }
        }
        // Each app started in its own application group, in the same child.
        foreach (var (_, name) in TemplateAppFixture.Apps)
            Assert.Contains($"started in application group '{name}'", s.ErrorLog);
    }
}
