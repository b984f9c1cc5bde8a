using System.Net.Http.Headers;
using System.Security.Cryptography;
using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.Gateway;

/// <summary>
/// Issue 8, embedded gateway: .cs script apps served inside Apache's children through
/// DotNetScriptAlias, DotNetScriptAliasMatch and SetHandler dotnet-script, on a real Apache
/// under both MPMs.
/// </summary>
public sealed class ScriptAppFixture : ApacheFixture
{
    public const string Echo = """
        public static class App
        {
            public static async Task Application(HttpContext context)
            {
                var apache = context.Features.Get<IApacheRequestFeature>()!;
                context.Response.ContentType = "text/plain; charset=utf-8";
                context.Response.Headers["X-Multi"] = new Microsoft.Extensions.Primitives.StringValues(["one", "two"]);
                await context.Response.WriteAsync(
                    $"method={context.Request.Method}\n" +
                    $"pathbase={context.Request.PathBase}\n" +
                    $"path={context.Request.Path}\n" +
                    $"query={context.Request.QueryString}\n" +
                    $"user={context.User.Identity?.Name}|{context.User.Identity?.IsAuthenticated}|{context.User.Identity?.AuthenticationType}\n" +
                    $"authorization={(context.Request.Headers.ContainsKey("Authorization") ? "present" : "absent")}\n" +
                    $"remote={context.Connection.RemoteIpAddress}\n" +
                    $"scheme={context.Request.Scheme}\n" +
                    $"group={apache.ApplicationGroup}\n" +
                    $"file={apache.ScriptFileName}\n" +
                    $"header={context.Request.Headers["X-Test"]}\n");
            }
        }
        """;

    public const string Api = """
        using System.Security.Cryptography;
        using Microsoft.AspNetCore.Authorization;

        public static class App
        {
            public static void ConfigureServices(IServiceCollection services) => services.AddSingleton(new Greeting("hello from DI")).AddAuthorization();

            public static void Configure(WebApplication app)
            {
                app.MapGet("/items/{id:int}", (int id, Greeting g) => Results.Json(new { id, greeting = g.Text }));
                app.MapPost("/hash", async (HttpRequest request) =>
                {
                    using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    var buffer = new byte[65536];
                    long total = 0;
                    int n;
                    while ((n = await request.Body.ReadAsync(buffer)) > 0) { sha.AppendData(buffer, 0, n); total += n; }
                    return Results.Text($"{total} {Convert.ToHexStringLower(sha.GetHashAndReset())}");
                });
                app.MapGet("/big", async (HttpContext context, long size) =>
                {
                    var chunk = new byte[65536];
                    for (var i = 0; i < chunk.Length; i++) chunk[i] = (byte)(i % 251);
                    context.Response.ContentType = "application/octet-stream";
                    for (long sent = 0; sent < size; sent += chunk.Length)
                        await context.Response.Body.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, size - sent)));
                });
                app.MapGet("/events", async (HttpContext context) =>
                {
                    context.Response.ContentType = "text/event-stream";
                    await context.Response.WriteAsync("data: first\n\n");
                    await context.Response.Body.FlushAsync();
                    await Task.Delay(1500);
                    await context.Response.WriteAsync("data: second\n\n");
                });
                app.MapGet("/boom", () => { throw new InvalidOperationException("kaboom-secret-detail"); });
                app.MapGet("/late-header", async (HttpContext context) =>
                {
                    await context.Response.WriteAsync("started");
                    try { context.Response.Headers["X-Late"] = "1"; } catch (InvalidOperationException) { await context.Response.WriteAsync(" refused"); }
                });
                app.MapGet("/secure", (HttpContext c) => "secret for " + c.User.Identity!.Name).RequireAuthorization();
                app.MapGet("/teapot", () => Results.StatusCode(418));
            }
        }

        public sealed record Greeting(string Text);
        """;

    public const string Forms = """
        using Microsoft.AspNetCore.Antiforgery;

        public static class App
        {
            public static void ConfigureServices(IServiceCollection services) => services.AddAntiforgery();

            public static void Configure(WebApplication app)
            {
                app.MapGet("/token", (HttpContext c, IAntiforgery af) => Results.Text($"{Environment.ProcessId} {af.GetAndStoreTokens(c).RequestToken}"));
                app.MapPost("/check", async (HttpContext c, IAntiforgery af) =>
                {
                    try
                    {
                        await af.ValidateRequestAsync(c);
                    }
                    catch (AntiforgeryValidationException)
                    {
                        return Results.Text("token refused", statusCode: 400);
                    }
                    return Results.Text($"{Environment.ProcessId} ok");
                }).DisableAntiforgery();
            }
        }
        """;

    protected override string Build(ApacheServer s)
    {
        var forms = s.WriteScript("forms.cs", Forms);
        var echo = s.WriteScript("echo.cs", Echo);
        var api = s.WriteScript("api.cs", Api);
        s.WriteScript("reload.cs", "public static class App { public static Task Application(HttpContext c) => c.Response.WriteAsync(\"version 1\"); }");
        s.WriteScript("tools-a.cs", "public static class App { public static Task Application(HttpContext c) => c.Response.WriteAsync(\"tool a at \" + c.Request.PathBase); }");
        var users = Path.Combine(s.Dir, "users.htpasswd");
        HtTools.Htpasswd(users, "alice", "wonder", create: true, algorithm: "-s");
        var site = s.WriteScript("site.cs", $$"""public static class Site { public static void ConfigureServices(IServiceCollection s) => s.AddHtpasswd("{{users}}"); }""");

        // SetHandler areas: one with ExecCGI, one without.
        var apps = Path.Combine(s.DocRoot, "apps");
        var noexec = Path.Combine(s.DocRoot, "noexec");
        Directory.CreateDirectory(apps);
        Directory.CreateDirectory(noexec);
        File.WriteAllText(Path.Combine(apps, "hi.cs"), "public static class App { public static Task Application(HttpContext c) => c.Response.WriteAsync(\"hi from \" + c.Request.PathBase); }");
        File.WriteAllText(Path.Combine(noexec, "hi.cs"), "public static class App { public static Task Application(HttpContext c) => c.Response.WriteAsync(\"must not run\"); }");
        File.WriteAllText(Path.Combine(apps, "appsettings.json"), "{\"secret\": \"x\"}");
        File.WriteAllBytes(Path.Combine(apps, "Dependency.dll"), [0x4d, 0x5a]);
        foreach (var f in Directory.GetFiles(apps).Concat(Directory.GetFiles(noexec)))
            File.SetUnixFileMode(f, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        return $"""
            <Directory "{s.ScriptDir}">
                Require all granted
            </Directory>
            DotNetScriptAlias /echo "{echo}"
            DotNetScriptAlias /echo-pass "{echo}" pass-authorization=On application-group=pass
            DotNetScriptAlias /api "{api}" application-group=api
            DotNetScriptAlias /forms "{forms}"
            DotNetScriptAlias /forms-other "{forms}"
            DotNetScriptAlias /reload "{s.ScriptDir}/reload.cs"
            DotNetScriptAliasMatch ^/tools/([a-z]+) "{s.ScriptDir}/tools-$1.cs"
            DotNetScriptAlias /protected "{echo}"
            DotNetScriptAlias /api-protected "{api}" application-group=api
            DotNetScriptAlias /api-small "{api}" application-group=api
            <Location /api-small>
                LimitRequestBody 1000
            </Location>
            <Location /protected>
                AuthType Basic
                AuthName gateway
                AuthBasicProvider dotnet
                DotNetAuthUserScript "{site}"
                Require valid-user
            </Location>
            <Location /echo-pass>
                AuthType Basic
                AuthName gateway
                AuthBasicProvider dotnet
                DotNetAuthUserScript "{site}"
                Require valid-user
            </Location>
            <Location /api-protected>
                AuthType Basic
                AuthName gateway
                AuthBasicProvider dotnet
                DotNetAuthUserScript "{site}"
                Require valid-user
            </Location>
            <Directory "{apps}">
                Options +ExecCGI
                SetHandler dotnet-script
            </Directory>
            <Directory "{noexec}">
                Options -ExecCGI
                SetHandler dotnet-script
            </Directory>
            LimitRequestBody 0
            """;
    }
}

public sealed class ScriptAppTests(ScriptAppFixture fixture) : IClassFixture<ScriptAppFixture>
{
    private static Dictionary<string, string> Lines(string body) =>
        body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Application_function_sees_the_request_as_Apache_has_it(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var http = new Http(s.BaseUrl);
        var r = await http.GetAsync("/echo/some/path?x=1&y=%C3%A9", headers: new Dictionary<string, string> { ["X-Test"] = "v" });
        Assert.True(r.Status == 200, r + "\n" + s.ErrorLog);
        var v = Lines(r.Body);
        Assert.Equal("GET", v["method"]);
        Assert.Equal("/echo", v["pathbase"]);
        Assert.Equal("/some/path", v["path"]);
        Assert.Equal("?x=1&y=%C3%A9", v["query"]);
        Assert.Equal("|False|", v["user"]);
        Assert.Equal("127.0.0.1", v["remote"]);
        Assert.Equal("http", v["scheme"]);
        Assert.Equal("v", v["header"]);
        Assert.EndsWith("echo.cs", v["file"]);
        Assert.Equal("text/plain; charset=utf-8", r.Header("Content-Type"));
        Assert.Equal("one, two", r.Header("X-Multi"));

        var root = await http.GetAsync("/echo");
        Assert.Equal(200, root.Status);
        Assert.Equal("", Lines(root.Body)["path"]);
        // Default application group: %{RESOURCE}, per virtual host and app file.
        Assert.Contains("echo.cs", Lines(root.Body)["group"]);
        // The port in it is the one the connection arrived on: a Host header's port cannot mint
        // new groups (each would load and start the app again).
        foreach (var port in new[] { "1", "4444", "65535" })
        {
            var spoofed = await http.GetAsync("/echo", headers: new Dictionary<string, string> { ["Host"] = "127.0.0.1:" + port });
            Assert.Equal(Lines(root.Body)["group"], Lines(spoofed.Body)["group"]);
        }
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task The_Apache_user_is_HttpContext_User_and_Authorization_is_passed_only_when_asked(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var http = new Http(s.BaseUrl);
        Assert.Equal(401, (await http.GetAsync("/protected/")).Status);
        var off = await http.GetAsync("/protected/", "alice", "wonder");
        Assert.True(off.Status == 200, off + "\n" + s.ErrorLog);
        Assert.Equal("alice|True|Basic", Lines(off.Body)["user"]);
        Assert.Equal("absent", Lines(off.Body)["authorization"]);
        var on = await http.GetAsync("/echo-pass/", "alice", "wonder");
        Assert.Equal(200, on.Status);
        Assert.Equal("present", Lines(on.Body)["authorization"]);
        Assert.Equal("pass", Lines(on.Body)["group"]);
        // The password never reaches the log.
        Assert.DoesNotContain("wonder", s.ErrorLog);

        // RequireAuthorization(): Apache's user satisfies it; without one the gateway's scheme answers 401.
        var secure = await http.GetAsync("/api-protected/secure", "alice", "wonder");
        Assert.True(secure.Status == 200, secure + "\n" + s.ErrorLog);
        Assert.Equal("secret for alice", secure.Body);
        var anonymous = await http.GetAsync("/api/secure");
        Assert.True(anonymous.Status == 401, anonymous + "\n" + s.ErrorLog);
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Configure_form_serves_minimal_APIs_with_its_own_services(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var http = new Http(s.BaseUrl);
        var r = await http.GetAsync("/api/items/42");
        Assert.True(r.Status == 200, r + "\n" + s.ErrorLog);
        Assert.Equal("{\"id\":42,\"greeting\":\"hello from DI\"}", r.Body);
        Assert.Equal(404, (await http.GetAsync("/api/items/x")).Status);
        var mark = s.ErrorLogLength;
        var teapot = await http.GetAsync("/api/teapot");
        Assert.True(teapot.Status == 418, teapot + "\n" + s.ErrorLogSince(mark));
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Bodies_stream_both_ways(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var client = new HttpClient { BaseAddress = new Uri(s.BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
        var data = new byte[24 * 1024 * 1024 + 123];
        Random.Shared.NextBytes(data);
        var expected = $"{data.Length} {Convert.ToHexStringLower(SHA256.HashData(data))}";

        // Content-Length body, then a chunked one with Expect: 100-continue.
        using (var sized = await client.PostAsync("/api/hash", new ByteArrayContent(data)))
            Assert.Equal(expected, await sized.Content.ReadAsStringAsync());
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/api/hash") { Content = new StreamContent(new MemoryStream(data)) })
        {
            request.Headers.TransferEncodingChunked = true;
            request.Headers.ExpectContinue = true;
            using var chunked = await client.SendAsync(request);
            Assert.Equal(expected, await chunked.Content.ReadAsStringAsync());
        }

        var size = 32L * 1024 * 1024 + 7;
        using var big = await client.GetAsync($"/api/big?size={size}", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(200, (int)big.StatusCode);
        await using var stream = await big.Content.ReadAsStreamAsync();
        var buffer = new byte[65536];
        long total = 0;
        int n;
        var ok = true;
        while ((n = await stream.ReadAsync(buffer)) > 0)
        {
            for (var i = 0; i < n && ok; i++)
                ok = buffer[i] == (byte)((total + i) % 65536 % 251);
            total += n;
        }
        Assert.Equal(size, total);
        Assert.True(ok, "the downloaded bytes differ from what the app wrote");
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Apache_LimitRequestBody_applies_to_apps(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var client = new HttpClient { BaseAddress = new Uri(s.BaseUrl) };
        using (var small = await client.PostAsync("/api-small/hash", new ByteArrayContent(new byte[900])))
            Assert.Equal(200, (int)small.StatusCode);
        // Sized over the limit: Apache refuses before the app reads. Chunked over the limit: the
        // app's read fails with 413 and the gateway answers it.
        using (var sized = await client.PostAsync("/api-small/hash", new ByteArrayContent(new byte[5000])))
            Assert.Equal(413, (int)sized.StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api-small/hash") { Content = new StreamContent(new MemoryStream(new byte[5000])) };
        request.Headers.TransferEncodingChunked = true;
        using var chunked = await client.SendAsync(request);
        Assert.True((int)chunked.StatusCode == 413, $"{(int)chunked.StatusCode}\n{s.ErrorLog[^Math.Min(3000, s.ErrorLog.Length)..]}");
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Flush_reaches_the_client_at_once(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var client = new HttpClient { BaseAddress = new Uri(s.BaseUrl) };
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var response = await client.GetAsync("/api/events", HttpCompletionOption.ResponseHeadersRead);
        await using var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[256];
        var n = await stream.ReadAsync(buffer);
        var first = started.Elapsed;
        Assert.StartsWith("data: first", System.Text.Encoding.UTF8.GetString(buffer, 0, n));
        var rest = await new StreamReader(stream).ReadToEndAsync();
        Assert.Contains("data: second", rest);
        // The app waits 1.5 s after its flush: a flushed first event came that long before the
        // rest; an unflushed one with it. (Not an absolute time: a child may start the app first.)
        var gap = started.Elapsed - first;
        Assert.True(gap > TimeSpan.FromSeconds(1), $"the first event came {gap.TotalMilliseconds} ms before the rest: it was not flushed");
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task An_exception_is_500_with_the_trace_in_the_log_only(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var http = new Http(s.BaseUrl);
        var mark = s.ErrorLogLength;
        var r = await http.GetAsync("/api/boom");
        Assert.Equal(500, r.Status);
        Assert.DoesNotContain("kaboom", r.Body);
        Assert.True(await s.WaitForErrorLogAsync("kaboom-secret-detail", TimeSpan.FromSeconds(5), mark), s.ErrorLogSince(mark));
        Assert.Contains("DOTNET0233", s.ErrorLogSince(mark));

        var late = await http.GetAsync("/api/late-header");
        Assert.Equal("started refused", late.Body);
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task SetHandler_runs_apps_only_where_ExecCGI_is_on_and_never_serves_other_files(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var http = new Http(s.BaseUrl);
        var ok = await http.GetAsync("/apps/hi.cs/x");
        Assert.True(ok.Status == 200, ok + "\n" + s.ErrorLog);
        Assert.Equal("hi from /apps/hi.cs", ok.Body);

        var mark = s.ErrorLogLength;
        var refused = await http.GetAsync("/noexec/hi.cs");
        Assert.Equal(403, refused.Status);
        Assert.DoesNotContain("must not run", refused.Body);
        Assert.True(await s.WaitForErrorLogAsync("DOTNET0230", TimeSpan.FromSeconds(5), mark), s.ErrorLogSince(mark));

        Assert.Equal(404, (await http.GetAsync("/apps/appsettings.json")).Status);
        Assert.Equal(404, (await http.GetAsync("/apps/Dependency.dll")).Status);
        Assert.Equal(404, (await http.GetAsync("/apps/missing.cs")).Status);
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task AliasMatch_maps_the_matched_part_to_the_script(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var http = new Http(s.BaseUrl);
        var r = await http.GetAsync("/tools/a/more");
        Assert.True(r.Status == 200, r + "\n" + s.ErrorLog);
        Assert.Equal("tool a at /tools/a", r.Body);
        Assert.Equal(404, (await http.GetAsync("/tools/zzz")).Status);
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task A_changed_script_app_is_restarted(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var http = new Http(s.BaseUrl);
        var path = Path.Combine(s.ScriptDir, "reload.cs");
        Assert.StartsWith("version", (await http.GetAsync("/reload")).Body);
        var version = mpm + "-" + Guid.NewGuid().ToString("N")[..8];
        File.WriteAllText(path, $"public static class App {{ public static Task Application(HttpContext c) => c.Response.WriteAsync(\"version {version}\"); }}");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(5));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string body;
        do
        {
            await Task.Delay(300);
            body = (await http.GetAsync("/reload")).Body;
        }
        while (body != $"version {version}" && DateTime.UtcNow < deadline);
        Assert.Equal($"version {version}", body);
    }

    [Fact]
    public async Task Antiforgery_tokens_issued_by_one_child_validate_in_another_and_not_in_another_app()
    {
        var s = await fixture.ServerAsync("prefork");
        using var http = new Http(s.BaseUrl, keepAlive: false);
        var crossed = 0;
        for (var attempt = 0; attempt < 60 && crossed < 3; attempt++)
        {
            var token = await http.GetAsync("/forms/token");
            Assert.True(token.Status == 200, token + "\n" + s.ErrorLog);
            var (issuer, value) = (token.Body.Split(' ')[0], token.Body.Split(' ')[1]);
            var cookie = token.Header("Set-Cookie")!.Split(';')[0];
            var headers = new Dictionary<string, string> { ["RequestVerificationToken"] = value, ["Cookie"] = cookie };
            var check = await http.SendAsync(HttpMethod.Post, "/forms/check", null, headers);
            Assert.True(check.Status == 200, $"a token from child {issuer} was refused: {check}\n{s.ErrorLog[^Math.Min(4000, s.ErrorLog.Length)..]}");
            if (check.Body.Split(' ')[0] != issuer)
                crossed++;
            // The same script under another alias is another app with its own key ring.
            var other = await http.SendAsync(HttpMethod.Post, "/forms-other/check", null, headers);
            Assert.True(other.Status == 400 && other.Body == "token refused", $"another app accepted the token or failed otherwise: {other}");
        }
        Assert.True(crossed >= 3, $"only {crossed} checks landed in a child other than the issuer's; children: {string.Join(",", s.ChildPids())}");
    }

    /// <summary>Generated on the fly: the client holds no more than one block either.</summary>
    private sealed class GeneratedContent(long size) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            var block = new byte[256 * 1024];
            Random.Shared.NextBytes(block);
            for (long sent = 0; sent < size; sent += block.Length)
                await stream.WriteAsync(block.AsMemory(0, (int)Math.Min(block.Length, size - sent)));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Half_a_gigabyte_each_way_with_flat_memory(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        using var client = new HttpClient { BaseAddress = new Uri(s.BaseUrl), Timeout = TimeSpan.FromMinutes(3) };
        const long size = 512L * 1024 * 1024;
        // Warm: the app started and its first buffers allocated in every child that may serve.
        for (var i = 0; i < 4; i++)
            using (await client.PostAsync("/api/hash", new ByteArrayContent(new byte[1024 * 1024]))) { }
        var baseline = s.ChildrenRssKb();
        long peak = baseline;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, s.ChildrenRssKb());
                await Task.Delay(100);
            }
        });
        try
        {
            using (var up = await client.PostAsync("/api/hash", new GeneratedContent(size)))
            {
                var body = await up.Content.ReadAsStringAsync();
                Assert.True(body.StartsWith($"{size} "), body + "\n" + s.ErrorLog[^Math.Min(3000, s.ErrorLog.Length)..]);
            }
            using var down = await client.GetAsync($"/api/big?size={size}", HttpCompletionOption.ResponseHeadersRead);
            await using var stream = await down.Content.ReadAsStreamAsync();
            var buffer = new byte[256 * 1024];
            long total = 0;
            int n;
            while ((n = await stream.ReadAsync(buffer)) > 0)
                total += n;
            Assert.Equal(size, total);
        }
        finally
        {
            sampling.Cancel();
            await sampler;
        }
        var grewMb = (peak - baseline) / 1024.0;
        Assert.True(grewMb < 64, $"children's RSS grew {grewMb:F0} MB moving 512 MB each way (baseline {baseline / 1024} MB)");
    }
}
