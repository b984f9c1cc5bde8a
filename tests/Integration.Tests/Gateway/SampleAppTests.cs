using System.Net;
using System.Text.RegularExpressions;
using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.Gateway;

/// <summary>
/// Issue 8: the sample ASP.NET Core app (samples/Shop: minimal APIs, a controller, static files
/// with MapStaticAssets, an antiforgery form, appsettings, a private NuGet dependency and a
/// project reference), published by make and served unmodified through DotNetScriptAlias,
/// answers as the same output does on Kestrel; Apache's authentication reaches it as the user.
/// </summary>
public sealed class SampleAppFixture : ApacheFixture
{
    public static string ShopDll => Path.Combine(RepoPaths.Root, "build", "samples", "Shop", "Shop.dll");

    protected override string Build(ApacheServer s)
    {
        if (!File.Exists(ShopDll))
            throw new InvalidOperationException($"{ShopDll} is missing: run make (it publishes samples/Shop)");
        var users = Path.Combine(s.Dir, "users");
        HtTools.Htpasswd(users, "alice", "wonderland", create: true);
        File.SetUnixFileMode(users, (UnixFileMode)Convert.ToInt32("644", 8));
        return $"""
            <Directory "{Path.GetDirectoryName(ShopDll)}">
                Require all granted
            </Directory>
            DotNetScriptAlias /shop "{ShopDll}" application-group=shop
            <Location /shop/whoami>
                AuthType Basic
                AuthName Shop
                AuthBasicProvider file
                AuthUserFile "{users}"
                Require valid-user
            </Location>
            """;
    }
}

public sealed partial class SampleAppTests(SampleAppFixture fixture) : IClassFixture<SampleAppFixture>
{
    private static readonly string[] Paths = ["/", "/css/site.css", "/api/products", "/api/products/2", "/api/products/99", "/settings", "/order", "/no/such/page"];
    private static readonly string[] HeadersThatMatter = ["Content-Type", "ETag", "Cache-Control", "Content-Encoding", "Vary"];

    [GeneratedRegex("value=\"CfDJ8[^\"]+\"")]
    private static partial Regex Token();

    [GeneratedRegex("\"traceId\":\"[^\"]+\"")]
    private static partial Regex TraceId();

    [Fact]
    public void The_output_folder_holds_no_assembly_of_this_project()
    {
        var dir = Path.GetDirectoryName(SampleAppFixture.ShopDll)!;
        Assert.True(File.Exists(Path.Combine(dir, "Humanizer.dll")), "the private NuGet dependency is deployed beside the app");
        Assert.True(File.Exists(Path.Combine(dir, "Shop.Catalog.dll")), "the project reference is deployed beside the app");
        Assert.Empty(Directory.GetFiles(dir, "AccessHooks*", SearchOption.AllDirectories));
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task The_sample_answers_as_it_does_on_Kestrel(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var kestrel = new KestrelApp(SampleAppFixture.ShopDll);
        foreach (var compressed in new[] { false, true })
        {
            using var apache = Client(s.BaseUrl, compressed);
            using var direct = Client(kestrel.BaseUrl, compressed);
            foreach (var path in Paths)
            {
                using var expected = await direct.GetAsync(path);
                using var actual = await apache.GetAsync("/shop" + path);
                var what = $"{path} ({mpm}{(compressed ? ", br" : "")})";
                var expectedBody = Normalise(await expected.Content.ReadAsStringAsync(), "");
                var actualBody = Normalise(await actual.Content.ReadAsStringAsync(), "/shop");
                Assert.True(expected.StatusCode == actual.StatusCode, $"{what}: Kestrel {(int)expected.StatusCode}, Apache {(int)actual.StatusCode}\n{actualBody}\n{Tail(s.ErrorLog)}");
                foreach (var header in HeadersThatMatter)
                    Assert.True(Header(expected, header) == Header(actual, header), $"{what} {header}: Kestrel '{Header(expected, header)}', Apache '{Header(actual, header)}'");
                Assert.Equal(expectedBody, actualBody);
            }
        }
        using var check = Client(s.BaseUrl, false);
        var settings = await check.GetStringAsync("/shop/settings");
        Assert.Contains("\"name\":\"AccessHooks Shop (production)\"", settings);   // appsettings.Production.json over appsettings.json
        Assert.Contains("\"applicationName\":\"Shop\"", settings);
        using var css = await check.GetAsync("/shop/css/site.css");                  // MapStaticAssets from the app's own folder
        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        Assert.Contains("font-family", await css.Content.ReadAsStringAsync());
        Assert.NotEmpty(Header(css, "ETag"));
        using var brotli = Client(s.BaseUrl, true);
        using var compressedCss = await brotli.GetAsync("/shop/css/site.css");
        Assert.Equal("br", Header(compressedCss, "Content-Encoding"));
        Assert.Contains("Kestrel figurine", await check.GetStringAsync("/shop/api/products/2")); // the controller, with the project reference
        var home = await check.GetStringAsync("/shop/");
        Assert.Contains("href=\"/shop/css/site.css\"", home);                        // PathBase is the alias
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task The_antiforgery_form_orders_with_its_token_and_refuses_without(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var kestrel = new KestrelApp(SampleAppFixture.ShopDll);
        foreach (var (baseUrl, prefix) in new[] { (s.BaseUrl, "/shop"), (kestrel.BaseUrl, "") })
        {
            // No keep-alive: under prefork the form and the post reach different children.
            var cookies = new CookieContainer();
            using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(60) };
            http.DefaultRequestHeaders.ConnectionClose = true;
            for (var i = 0; i < 4; i++)
            {
                var form = await http.GetStringAsync(prefix + "/order");
                var token = Regex.Match(form, "name=\"(__RequestVerificationToken)\" value=\"([^\"]+)\"");
                Assert.True(token.Success, form);
                using var ordered = await http.PostAsync(prefix + "/order", new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    [token.Groups[1].Value] = token.Groups[2].Value, ["productId"] = "2", ["quantity"] = "3",
                }));
                var body = await ordered.Content.ReadAsStringAsync();
                Assert.True(ordered.StatusCode == HttpStatusCode.OK, $"{baseUrl}: {(int)ordered.StatusCode} {body}\n{Tail(s.ErrorLog)}");
                Assert.Equal("Ordered three Kestrel figurines: 90.00 EUR", body);
            }
            using var forged = await http.PostAsync(prefix + "/order", new FormUrlEncodedContent(new Dictionary<string, string> { ["productId"] = "2", ["quantity"] = "3" }));
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        }
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Apache_authentication_is_the_apps_user_and_the_password_is_not_passed(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var http = Client(s.BaseUrl, false);
        using var anonymous = await http.GetAsync("/shop/whoami");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        http.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String("alice:wonderland"u8));
        var body = await http.GetStringAsync("/shop/whoami");
        Assert.Equal("{\"user\":\"alice\",\"authenticated\":true,\"authorizationPassed\":false}", body);
    }

    private static HttpClient Client(string baseUrl, bool compressed)
    {
        var http = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None, UseCookies = false })
        {
            BaseAddress = new Uri(baseUrl),
            Timeout = TimeSpan.FromSeconds(60),
        };
        if (compressed)
            http.DefaultRequestHeaders.AcceptEncoding.ParseAdd("br");
        return http;
    }

    // The only differences allowed: the antiforgery token and a problem's trace id (random per
    // request), and the alias as PathBase.
    private static string Normalise(string body, string pathBase)
    {
        body = Token().Replace(body, "value=\"TOKEN\"");
        body = TraceId().Replace(body, "\"traceId\":\"ID\"");
        return pathBase.Length == 0 ? body : body.Replace($"\"{pathBase}/", "\"/", StringComparison.Ordinal);
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : "";

    private static string Tail(string log) => log[^Math.Min(6000, log.Length)..];
}
