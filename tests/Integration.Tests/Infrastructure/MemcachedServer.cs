namespace AccessHooks.Integration.Tests.Infrastructure;

/// <summary>A real memcached on 127.0.0.1:&lt;free port&gt;, stopped by pid.</summary>
public sealed class MemcachedServer : IAsyncDisposable
{
    private System.Diagnostics.Process? _process;

    public int Port { get; private set; }

    public static async Task<MemcachedServer> StartAsync()
    {
        var m = new MemcachedServer { Port = TestRun.FreePort() };
        var psi = new System.Diagnostics.ProcessStartInfo("/usr/bin/memcached")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { "-l", "127.0.0.1", "-p", m.Port.ToString(), "-U", "0", "-m", "16", "-u", "nobody" })
            psi.ArgumentList.Add(a);
        m._process = System.Diagnostics.Process.Start(psi) ?? throw new InvalidOperationException("memcached did not start");
        m._process.BeginOutputReadLine();
        m._process.BeginErrorReadLine();
        if (!await TestRun.WaitForPortAsync(m.Port, TimeSpan.FromSeconds(10)))
        {
            await m.DisposeAsync();
            throw new TimeoutException($"memcached not listening on {m.Port}");
        }
        return m;
    }

    /// <summary>`stats` over the text protocol: the value of a counter such as get_hits or cmd_set.</summary>
    public async Task<long> StatAsync(string name)
    {
        using var c = new System.Net.Sockets.TcpClient();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await c.ConnectAsync(System.Net.IPAddress.Loopback, Port, cts.Token);
        var st = c.GetStream();
        await st.WriteAsync("stats\r\n"u8.ToArray(), cts.Token);
        var sb = new System.Text.StringBuilder();
        var buf = new byte[4096];
        while (!sb.ToString().Contains("END\r\n"))
        {
            var n = await st.ReadAsync(buf, cts.Token);
            if (n == 0)
                break;
            sb.Append(System.Text.Encoding.ASCII.GetString(buf, 0, n));
        }
        foreach (var line in sb.ToString().Split("\r\n"))
        {
            var parts = line.Split(' ');
            if (parts.Length == 3 && parts[0] == "STAT" && parts[1] == name)
                return long.Parse(parts[2]);
        }
        throw new InvalidOperationException($"no stat {name}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            ApacheServer.Signal("TERM", _process.Id);
            if (!_process.WaitForExit(5000))
                _process.Kill();
            await _process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token);
        }
        _process?.Dispose();
    }
}
