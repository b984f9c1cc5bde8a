using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AccessHooks.TestSupport;

/// <summary>
/// A private memcached on 127.0.0.1 and a free port (for mod_authn_socache's memcache backend),
/// started with a bounded wait and stopped by pid (SIGTERM, then SIGKILL) on dispose.
/// Usable as an xunit fixture (parameterless constructor).
/// </summary>
public sealed class MemcachedServer : IDisposable
{
    private Process? _process;

    /// <summary>Starts /usr/bin/memcached (as nobody when run by root) and waits until it accepts connections.</summary>
    public MemcachedServer()
    {
        (_process, Port) = LoopbackDaemon.Start("/usr/bin/memcached",
            port => ["-l", "127.0.0.1", "-p", port.ToString(), "-U", "0", "-m", "16", "-u", "nobody"],
            _ => true);
    }

    /// <summary>The TCP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>"127.0.0.1:port", as AuthnCacheSOCache memcache:... wants it.</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>One counter of the text protocol's <c>stats</c> (get_hits, cmd_set, curr_items, ...).</summary>
    public long Stat(string name)
    {
        using var client = new TcpClient();
        if (!client.ConnectAsync(IPAddress.Loopback, Port).Wait(5000))
            throw new TimeoutException("memcached did not accept a connection");
        var stream = client.GetStream();
        stream.ReadTimeout = 5000;
        stream.Write("stats\r\n"u8);
        var text = new StringBuilder();
        var buffer = new byte[4096];
        while (!text.ToString().Contains("END\r\n", StringComparison.Ordinal))
        {
            var n = stream.Read(buffer, 0, buffer.Length);
            if (n == 0)
                break;
            text.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        foreach (var line in text.ToString().Split("\r\n"))
        {
            var parts = line.Split(' ');
            if (parts.Length == 3 && parts[0] == "STAT" && parts[1] == name)
                return long.Parse(parts[2]);
        }
        throw new InvalidOperationException($"memcached has no stat '{name}'");
    }

    /// <summary>Every stored item, key to raw value (Latin-1, so binary values survive), via lru_crawler metadump.</summary>
    public IReadOnlyDictionary<string, string> Entries()
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        // metadump ends its lines with a bare \n.
        foreach (var line in Send("lru_crawler metadump all\r\n", "END\r\n").Split('\n', StringSplitOptions.TrimEntries))
        {
            if (!line.StartsWith("key=", StringComparison.Ordinal))
                continue;
            var key = Uri.UnescapeDataString(line[4..line.IndexOf(' ')]);
            var reply = Send($"get {key}\r\n", "END\r\n");
            var header = reply.IndexOf("\r\n", StringComparison.Ordinal);
            if (!reply.StartsWith("VALUE ", StringComparison.Ordinal) || header < 0)
                continue;
            var length = int.Parse(reply[..header].Split(' ')[3]);
            entries[key] = reply.Substring(header + 2, length);
        }
        return entries;
    }

    private string Send(string command, string terminator)
    {
        using var client = new TcpClient();
        if (!client.ConnectAsync(IPAddress.Loopback, Port).Wait(5000))
            throw new TimeoutException("memcached did not accept a connection");
        var stream = client.GetStream();
        stream.ReadTimeout = 5000;
        stream.Write(Encoding.ASCII.GetBytes(command));
        var text = new StringBuilder();
        var buffer = new byte[4096];
        while (!text.ToString().EndsWith(terminator, StringComparison.Ordinal))
        {
            var n = stream.Read(buffer, 0, buffer.Length);
            if (n == 0)
                break;
            text.Append(Encoding.Latin1.GetString(buffer, 0, n));
        }
        return text.ToString();
    }

    /// <summary>Stops memcached: SIGTERM, up to 5 s, then SIGKILL. Idempotent.</summary>
    public void Stop()
    {
        var process = _process;
        _process = null;
        LoopbackDaemon.Stop(process);
    }

    /// <summary>Stops memcached.</summary>
    public void Dispose() => Stop();
}
