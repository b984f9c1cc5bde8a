using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.Gateway;

/// <summary>
/// Issue 8: an app behind mod_ssl and mod_http2. Over TLS the app sees https, IsHttps, the
/// client certificate mod_ssl verified (Connection.ClientCertificate) and the SSL variables on
/// IApacheRequestFeature; over HTTP/2 (h2 with TLS, h2c in clear) it sees "HTTP/2", bodies stream
/// both ways and Flush reaches the client at once. mod_http2 refuses prefork (it stays
/// HTTP/1.1 there, Apache's advisory AH10034), so under prefork the same requests are answered
/// over HTTP/1.1 with the TLS facts unchanged.
/// </summary>
public sealed class TlsAndHttp2Tests
{
    private const string App = """
        using System.Security.Cryptography;
        using System.Security.Cryptography.X509Certificates;

        public static class App
        {
            public static void Configure(WebApplication app)
            {
                app.MapGet("/facts", (HttpContext context) =>
                {
                    var apache = context.Features.Get<IApacheRequestFeature>()!;
                    string Var(string name) => apache.Variables.TryGetValue(name, out var v) ? v : "-";
                    var cert = context.Connection.ClientCertificate;
                    return $"protocol={context.Request.Protocol}\n" +
                           $"http2={HttpProtocol.IsHttp2(context.Request.Protocol)}\n" +
                           $"scheme={context.Request.Scheme}\n" +
                           $"https={context.Request.IsHttps}\n" +
                           $"cert={cert?.Subject ?? "-"}\n" +
                           $"certkey={(cert is null ? "-" : cert.GetRSAPublicKey() is null ? "none" : "rsa")}\n" +
                           $"HTTPS={Var("HTTPS")}\n" +
                           $"SSL_PROTOCOL={Var("SSL_PROTOCOL")}\n" +
                           $"SSL_CLIENT_VERIFY={Var("SSL_CLIENT_VERIFY")}\n" +
                           $"SSL_CLIENT_S_DN={Var("SSL_CLIENT_S_DN")}\n";
                });
                app.MapPost("/digest", async (HttpContext context) =>
                {
                    using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    var buffer = new byte[65536];
                    long total = 0;
                    int read;
                    while ((read = await context.Request.Body.ReadAsync(buffer)) > 0)
                    {
                        sha.AppendData(buffer, 0, read);
                        total += read;
                    }
                    return $"{total} {Convert.ToHexString(sha.GetHashAndReset())}";
                });
                app.MapGet("/events", async (HttpContext context) =>
                {
                    context.Response.ContentType = "text/event-stream";
                    await context.Response.WriteAsync("data: first\n\n");
                    await context.Response.Body.FlushAsync();
                    await Task.Delay(1500);
                    await context.Response.WriteAsync("data: second\n\n");
                });
            }
        }
        """;

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task An_app_behind_mod_ssl_and_mod_http2_sees_tls_the_client_certificate_and_http2(string mpm)
    {
        RepoPaths.RequireModule();
        await using var s = new ApacheServer(mpm, new ApacheOptions { Cgid = false });
        var pki = TestPki.Create(s.Dir);
        var tlsPort = AccessHooks.TestSupport.LoopbackPort.Free();
        var script = s.WriteScript("facts.cs", App);
        s.Configure($"""
            LoadModule ssl_module {RepoPaths.ApacheModules}/mod_ssl.so
            LoadModule http2_module {RepoPaths.ApacheModules}/mod_http2.so
            <Directory "{s.ScriptDir}">
                Require all granted
            </Directory>
            Protocols h2c http/1.1
            DotNetScriptAlias /app "{script}"
            Listen 127.0.0.1:{tlsPort}
            <VirtualHost 127.0.0.1:{tlsPort}>
                ServerName 127.0.0.1
                Protocols h2 http/1.1
                SSLEngine on
                SSLCertificateFile "{pki.ServerCert}"
                SSLCertificateKeyFile "{pki.ServerKey}"
                SSLCACertificateFile "{pki.CaCert}"
                SSLVerifyClient optional
                SSLVerifyDepth 2
                SSLOptions +ExportCertData
                DotNetScriptAlias /app "{script}"
            </VirtualHost>
            """);
        await s.StartAsync();
        var http2 = mpm != "prefork";
        var expected = http2 ? "HTTP/2" : "HTTP/1.1";

        using var tls = Client(pki.ClientWithKey);
        var facts = await GetFactsAsync(tls, $"https://127.0.0.1:{tlsPort}/app/facts", s);
        Assert.Equal(expected, facts["protocol"]);
        Assert.Equal(http2.ToString(), facts["http2"]);
        Assert.Equal("https", facts["scheme"]);
        Assert.Equal("True", facts["https"]);
        Assert.Equal("on", facts["HTTPS"]);
        Assert.StartsWith("TLSv1.", facts["SSL_PROTOCOL"]);
        Assert.Equal("SUCCESS", facts["SSL_CLIENT_VERIFY"]);
        Assert.Contains("CN=alice-client", facts["SSL_CLIENT_S_DN"]);
        Assert.Equal("CN=alice-client, O=AccessHooks Test", facts["cert"]);
        Assert.Equal("rsa", facts["certkey"]);

        // No client certificate: the app sees none, mod_ssl says so.
        using var anonymous = Client(null);
        var none = await GetFactsAsync(anonymous, $"https://127.0.0.1:{tlsPort}/app/facts", s);
        Assert.Equal("-", none["cert"]);
        Assert.Equal("NONE", none["SSL_CLIENT_VERIFY"]);
        Assert.Equal(expected, none["protocol"]);

        // In clear: http, no TLS variables; h2c by prior knowledge where mod_http2 runs.
        var clear = await GetFactsAsync(anonymous, $"{s.BaseUrl}/app/facts", s);
        Assert.Equal(expected, clear["protocol"]);
        Assert.Equal("http", clear["scheme"]);
        Assert.Equal("off", clear["HTTPS"]);
        Assert.Equal("-", clear["SSL_PROTOCOL"]);

        foreach (var baseUrl in new[] { $"https://127.0.0.1:{tlsPort}", s.BaseUrl })
        {
            // h2c needs prior knowledge (an exact version); over TLS ALPN decides.
            var policy = http2 && baseUrl == s.BaseUrl ? HttpVersionPolicy.RequestVersionExact : HttpVersionPolicy.RequestVersionOrLower;
            // A 16 MB upload streams through (HTTP/2 DATA frames, no Content-Length known to Apache up front).
            var body = RandomNumberGenerator.GetBytes(16 * 1024 * 1024);
            using var post = new HttpRequestMessage(HttpMethod.Post, $"{baseUrl}/app/digest")
            {
                Version = HttpVersion.Version20,
                VersionPolicy = policy,
                Content = new StreamContent(new MemoryStream(body)),
            };
            using var posted = await tls.SendAsync(post);
            var digest = await posted.Content.ReadAsStringAsync();
            Assert.True(posted.StatusCode == HttpStatusCode.OK, $"{posted.StatusCode} {digest}\n{s.ErrorLog}");
            Assert.Equal($"{body.Length} {Convert.ToHexString(SHA256.HashData(body))}", digest);
            Assert.Equal(http2 ? HttpVersion.Version20 : HttpVersion.Version11, posted.Version);

            // Flush reaches the client at once: the first event arrives long before the second.
            using var events = new HttpRequestMessage(HttpMethod.Get, $"{baseUrl}/app/events")
            {
                Version = HttpVersion.Version20,
                VersionPolicy = policy,
            };
            var watch = Stopwatch.StartNew();
            using var response = await tls.SendAsync(events, HttpCompletionOption.ResponseHeadersRead);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            Assert.Equal("data: first", await reader.ReadLineAsync());
            var first = watch.Elapsed;
            await reader.ReadLineAsync();
            Assert.Equal("data: second", await reader.ReadLineAsync());
            Assert.Equal(http2 ? HttpVersion.Version20 : HttpVersion.Version11, response.Version);
            // The app waits 1.5 s after its flush: a flushed first event came that long before the second.
            Assert.True(watch.Elapsed - first >= TimeSpan.FromSeconds(1), $"first event after {first}, second after {watch.Elapsed} ({baseUrl}): not flushed");
        }

        var log = s.ErrorLog;
        Assert.DoesNotMatch(@"\[dotnet:(warn|error|crit|alert|emerg)\]", log);
        if (!http2)
            Assert.Contains("AH10034", log); // Apache's own advisory: mod_http2 stays off under prefork
    }

    private static HttpClient Client(X509Certificate2? clientCertificate)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                // The test's own CA signed the server certificate; trust exactly that.
                RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && cert.Subject == "CN=127.0.0.1",
            },
        };
        if (clientCertificate is not null)
            handler.SslOptions.ClientCertificates = new X509CertificateCollection { clientCertificate };
        return new HttpClient(handler)
        {
            Timeout = TimeSpan.FromSeconds(60),
            DefaultRequestVersion = HttpVersion.Version20,
            // h2 by ALPN over TLS, h2c by prior knowledge in clear; prefork answers HTTP/1.1.
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
    }

    private static async Task<Dictionary<string, string>> GetFactsAsync(HttpClient client, string url, ApacheServer s)
    {
        var isClear = url.StartsWith("http:", StringComparison.Ordinal);
        using var request = new HttpRequestMessage(HttpMethod.Get, url)
        {
            Version = HttpVersion.Version20,
            // Prior-knowledge h2c needs an exact version; prefork has no HTTP/2 at all.
            VersionPolicy = isClear && s.Mpm != "prefork" ? HttpVersionPolicy.RequestVersionExact : HttpVersionPolicy.RequestVersionOrLower,
        };
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {response.StatusCode} {body}\n{s.ErrorLog}");
        return body.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv[1]);
    }
}

/// <summary>A CA, a server certificate for 127.0.0.1 and a client certificate, made at run time.</summary>
internal sealed record TestPki(string CaCert, string ServerCert, string ServerKey, X509Certificate2 ClientWithKey)
{
    public static TestPki Create(string dir)
    {
        var pkiDir = Path.Combine(dir, "pki");
        Directory.CreateDirectory(pkiDir);
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);

        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=AccessHooks Test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now, now.AddDays(2));

        using var serverKey = RSA.Create(2048);
        var serverRequest = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        serverRequest.CertificateExtensions.Add(san.Build());
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
        using var server = serverRequest.Create(ca, now, now.AddDays(1), RandomNumberGenerator.GetBytes(8));

        using var clientKey = RSA.Create(2048);
        var clientRequest = new CertificateRequest("CN=alice-client, O=AccessHooks Test", clientKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        clientRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.2") }, false));
        clientRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        using var client = clientRequest.Create(ca, now, now.AddDays(1), RandomNumberGenerator.GetBytes(8));
        using var clientWithKey = client.CopyWithPrivateKey(clientKey);
        // Through PKCS#12 so the key is one SslStream can use on any platform.
        var clientPfx = X509CertificateLoader.LoadPkcs12(clientWithKey.Export(X509ContentType.Pfx), null);

        var caPath = Path.Combine(pkiDir, "ca.pem");
        var certPath = Path.Combine(pkiDir, "server.pem");
        var keyPath = Path.Combine(pkiDir, "server.key");
        File.WriteAllText(caPath, ca.ExportCertificatePem());
        File.WriteAllText(certPath, server.ExportCertificatePem());
        File.WriteAllText(keyPath, serverKey.ExportPkcs8PrivateKeyPem());
        File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return new TestPki(caPath, certPath, keyPath, clientPfx);
    }
}
