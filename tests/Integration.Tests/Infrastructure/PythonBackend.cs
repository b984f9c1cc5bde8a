namespace AccessHooks.Integration.Tests.Infrastructure;

/// <summary>A tiny back end for mod_proxy: python3 -m http.server on 127.0.0.1, stopped by pid.
/// Its handler echoes the request headers it received, so tests see what the proxy forwarded.</summary>
public sealed class PythonBackend : IAsyncDisposable
{
    private System.Diagnostics.Process? _process;

    public int Port { get; private set; }
    public string Url => $"http://127.0.0.1:{Port}";

    private const string Server = """
        import http.server, sys
        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = ("backend says hello\n" + "".join(f"{k}: {v}\n" for k, v in self.headers.items())).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *a):
                pass
        http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
        """;

    public static async Task<PythonBackend> StartAsync()
    {
        var b = new PythonBackend { Port = AccessHooks.TestSupport.LoopbackPort.Free() };
        var dir = TestRun.NewDirectory("backend");
        var script = Path.Combine(dir, "backend.py");
        File.WriteAllText(script, Server);
        var psi = new System.Diagnostics.ProcessStartInfo("/usr/bin/python3") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(b.Port.ToString());
        b._process = System.Diagnostics.Process.Start(psi) ?? throw new InvalidOperationException("python3 did not start");
        b._process.BeginErrorReadLine();
        b._process.BeginOutputReadLine();
        if (!await TestRun.WaitForPortAsync(b.Port, TimeSpan.FromSeconds(10)))
        {
            await b.DisposeAsync();
            throw new TimeoutException("python back end did not listen");
        }
        return b;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            ApacheServer.SignalProcess("TERM", _process.Id);
            if (!_process.WaitForExit(5000))
                _process.Kill();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _process.WaitForExitAsync(cts.Token);
        }
        _process?.Dispose();
    }
}
