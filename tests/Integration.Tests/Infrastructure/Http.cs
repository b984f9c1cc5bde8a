using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace AccessHooks.Integration.Tests.Infrastructure;

public sealed record HttpResult(int Status, string Body, IReadOnlyDictionary<string, string> Headers)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
    public override string ToString() => $"{Status}\n{string.Join("\n", Headers.Select(h => $"{h.Key}: {h.Value}"))}\n\n{Body}";
}

/// <summary>
/// An HTTP client for tests: no credential caching, no redirects, no cookies; Basic credentials are
/// sent as an explicit Authorization header on the request that carries them, and on no other.
/// </summary>
public sealed class Http : IDisposable
{
    private readonly HttpClient _client;

    public Http(string baseUrl, TimeSpan? timeout = null, bool keepAlive = true)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            Credentials = null,
            PreAuthenticate = false,
            PooledConnectionLifetime = keepAlive ? TimeSpan.FromSeconds(30) : TimeSpan.Zero,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(1), // Apache's KeepAliveTimeout is 2 s
            MaxConnectionsPerServer = 64,
        };
        _client = new HttpClient(handler) { BaseAddress = new Uri(baseUrl), Timeout = timeout ?? TimeSpan.FromSeconds(15) };
        KeepAlive = keepAlive;
    }

    public bool KeepAlive { get; }

    public static string BasicValue(string user, string password) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));

    public Task<HttpResult> GetAsync(string path, string? user = null, string? password = null,
        IDictionary<string, string>? headers = null, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, path, user is null ? null : BasicValue(user, password ?? ""), headers, cancellationToken);

    /// <summary>Sends with an explicit `Authorization: Basic &lt;basic&gt;` (any text, not validated here).</summary>
    public async Task<HttpResult> SendAsync(HttpMethod method, string path, string? basic,
        IDictionary<string, string>? headers = null, CancellationToken cancellationToken = default)
    {
        using var req = new HttpRequestMessage(method, path);
        if (basic is not null)
            req.Headers.Authorization = new AuthenticationHeaderValue("Basic", basic);
        if (!KeepAlive)
            req.Headers.ConnectionClose = true;
        if (headers is not null)
            foreach (var (k, v) in headers)
                req.Headers.TryAddWithoutValidation(k, v);
        using var resp = await _client.SendAsync(req, cancellationToken);
        var body = await resp.Content.ReadAsStringAsync(cancellationToken);
        var all = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var h in resp.Headers.Concat(resp.Content.Headers))
            all[h.Key] = string.Join(", ", h.Value);
        return new HttpResult((int)resp.StatusCode, body, all);
    }

    public void Dispose() => _client.Dispose();
}

/// <summary>Sends bytes as they are over a socket, for requests HttpClient refuses to build.</summary>
public static class RawHttp
{
    /// <summary>Sends `GET path` with the given raw header lines (bytes) and Connection: close; returns the status
    /// (0 when the server closed the connection without a response) and the response text.</summary>
    public static async Task<(int Status, string Response)> SendAsync(int port, string path, byte[] extraHeaderBytes, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, cts.Token);
        var stream = client.GetStream();
        var head = Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
        await stream.WriteAsync(head, cts.Token);
        await stream.WriteAsync(extraHeaderBytes, cts.Token);
        await stream.WriteAsync("\r\n"u8.ToArray(), cts.Token);
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        try
        {
            int n;
            while ((n = await stream.ReadAsync(chunk, cts.Token)) > 0)
                buffer.Write(chunk, 0, n);
        }
        catch (IOException) when (buffer.Length > 0)
        {
            // a reset after the response: keep what arrived
        }
        var text = Encoding.Latin1.GetString(buffer.ToArray());
        var status = 0;
        if (text.StartsWith("HTTP/1.", StringComparison.Ordinal) && text.Length >= 12)
            int.TryParse(text.AsSpan(9, 3), out status);
        return (status, text);
    }

    /// <summary>An `Authorization: Basic ` header line whose credential part is the given raw bytes
    /// (already base64, or deliberately not).</summary>
    public static byte[] AuthorizationLine(byte[] credentialPart)
    {
        var ms = new MemoryStream();
        ms.Write("Authorization: Basic "u8);
        ms.Write(credentialPart);
        ms.Write("\r\n"u8);
        return ms.ToArray();
    }
}

/// <summary>curl, for Digest (`curl --digest -u user:pw`).</summary>
public static class Curl
{
    public static (int Status, string Body, ProcessResult Raw) Get(string url, string? digestUser = null, string? password = null, params string[] extra)
    {
        var args = new List<string> { "-s", "-S", "--max-time", "20", "-o", "-", "-w", "\n%{http_code}" };
        if (digestUser is not null)
            args.AddRange(["--digest", "-u", $"{digestUser}:{password}"]);
        args.AddRange(extra);
        args.Add(url);
        var r = ProcessRunner.Run("curl", args, TimeSpan.FromSeconds(30));
        var text = r.StdOut.TrimEnd('\n', '\r');
        var nl = text.LastIndexOf('\n');
        var code = int.TryParse(nl >= 0 ? text[(nl + 1)..] : text, out var c) ? c : 0;
        return (code, nl >= 0 ? text[..nl] : string.Empty, r);
    }
}

/// <summary>Runs N concurrent clients for a bounded time; counts statuses and failures.</summary>
public sealed class LoadRun
{
    public int Requests;
    public int Errors;
    /// <summary>Requests sent a second time after the connection was reset or closed before any
    /// response (only with <c>retryResetOnce</c>).</summary>
    public int Retries;
    public readonly System.Collections.Concurrent.ConcurrentDictionary<int, int> Statuses = new();
    public readonly System.Collections.Concurrent.ConcurrentQueue<string> ErrorSamples = new();
    public TimeSpan MaxLatency;
    private readonly object _lock = new();

    public static async Task<LoadRun> RunAsync(string baseUrl, int clients, TimeSpan duration,
        Func<Http, CancellationToken, Task<HttpResult>> request, bool keepAlive = true, TimeSpan? requestTimeout = null,
        CancellationToken stop = default, TimeSpan? pause = null, bool retryResetOnce = false)
    {
        var run = new LoadRun();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stop);
        cts.CancelAfter(duration);
        var tasks = Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            using var http = new Http(baseUrl, requestTimeout ?? TimeSpan.FromSeconds(20), keepAlive);
            while (!cts.IsCancellationRequested)
            {
                var sw = Stopwatch.StartNew();
                try
                {
                    HttpResult r;
                    try
                    {
                        r = await request(http, CancellationToken.None);
                    }
                    catch (HttpRequestException e) when (retryResetOnce && e.InnerException is IOException or System.Net.Sockets.SocketException)
                    {
                        // What a browser does with an idempotent GET whose connection was reset
                        // before any response; a second failure counts as an error.
                        Interlocked.Increment(ref run.Retries);
                        r = await request(http, CancellationToken.None);
                    }
                    run.Statuses.AddOrUpdate(r.Status, 1, (_, n) => n + 1);
                }
                catch (Exception e)
                {
                    Interlocked.Increment(ref run.Errors);
                    if (run.ErrorSamples.Count < 10)
                        run.ErrorSamples.Enqueue($"{e.GetType().Name}: {e.Message}" + (e.InnerException is { } inner ? $" ({inner.GetType().Name}: {inner.Message})" : ""));
                }
                Interlocked.Increment(ref run.Requests);
                lock (run._lock)
                    if (sw.Elapsed > run.MaxLatency)
                        run.MaxLatency = sw.Elapsed;
                if (pause is { } p && !cts.IsCancellationRequested)
                    await Task.Delay(p);
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        return run;
    }

    public int Count(int status) => Statuses.TryGetValue(status, out var n) ? n : 0;

    public override string ToString() =>
        $"{Requests} requests, {Errors} errors, {Retries} retried, max latency {MaxLatency.TotalMilliseconds:F0} ms, statuses " +
        string.Join(", ", Statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}x{s.Value}")) +
        (ErrorSamples.IsEmpty ? "" : "\nerrors: " + string.Join("\n  ", ErrorSamples));
}
