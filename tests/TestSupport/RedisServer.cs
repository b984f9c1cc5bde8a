using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AccessHooks.TestSupport;

/// <summary>
/// A private redis-server on 127.0.0.1 and a free port (for mod_socache_redis), nothing saved to
/// disk, started with a bounded wait and stopped by pid (SIGTERM, then SIGKILL) on dispose.
/// </summary>
public sealed class RedisServer : IDisposable
{
    private Process? _process;

    /// <summary>Starts /usr/bin/redis-server and waits until it answers PING.</summary>
    public RedisServer()
    {
        (_process, Port) = LoopbackDaemon.Start("/usr/bin/redis-server",
            port => ["--bind", "127.0.0.1", "--port", port.ToString(), "--save", "", "--appendonly", "no",
                "--daemonize", "no", "--protected-mode", "yes", "--logfile", ""],
            Answers);
    }

    /// <summary>The TCP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>"127.0.0.1:port", as AuthnCacheSOCache redis:... wants it.</summary>
    public string Address => $"127.0.0.1:{Port}";

    private static bool Answers(int port)
    {
        try
        {
            return new RedisServer(port).Command("PING") is "PONG";
        }
        catch (IOException)
        {
            return false; // still starting
        }
    }

    private RedisServer(int port) => Port = port; // a client only, for the readiness probe

    /// <summary>Every stored string, key to value (Latin-1, so binary values survive).</summary>
    public IReadOnlyDictionary<string, string> Entries()
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        if (CommandArray("KEYS", "*") is { } keys)
        {
            foreach (var key in keys)
            {
                if (Command("GET", key) is { } value)
                    entries[key] = value;
            }
        }
        return entries;
    }

    /// <summary>One command; the reply as a string (simple, bulk or integer), null for a nil reply.</summary>
    public string? Command(params string[] arguments)
    {
        using var connection = Connect();
        Send(connection.GetStream(), arguments);
        return ReadReply(connection.GetStream()) as string;
    }

    private List<string>? CommandArray(params string[] arguments)
    {
        using var connection = Connect();
        Send(connection.GetStream(), arguments);
        return ReadReply(connection.GetStream()) as List<string>;
    }

    private TcpClient Connect()
    {
        var client = new TcpClient();
        if (!client.ConnectAsync(IPAddress.Loopback, Port).Wait(5000))
            throw new TimeoutException("redis-server did not accept a connection");
        client.GetStream().ReadTimeout = 5000;
        return client;
    }

    private static void Send(Stream stream, string[] arguments)
    {
        var command = new StringBuilder($"*{arguments.Length}\r\n");
        foreach (var argument in arguments)
            command.Append($"${Encoding.Latin1.GetByteCount(argument)}\r\n{argument}\r\n");
        stream.Write(Encoding.Latin1.GetBytes(command.ToString()));
    }

    // RESP: +simple, -error, :integer, $bulk, *array (of bulk strings here).
    private static object? ReadReply(Stream stream)
    {
        var line = ReadLine(stream);
        switch (line[0])
        {
            case '+':
            case ':':
                return line[1..];
            case '-':
                throw new IOException("redis: " + line[1..]);
            case '$':
                var length = int.Parse(line[1..]);
                if (length < 0)
                    return null;
                var data = new byte[length + 2];
                for (var read = 0; read < data.Length;)
                {
                    var n = stream.Read(data, read, data.Length - read);
                    if (n == 0)
                        throw new IOException("redis closed the connection");
                    read += n;
                }
                return Encoding.Latin1.GetString(data, 0, length);
            case '*':
                var count = int.Parse(line[1..]);
                var items = new List<string>();
                for (var i = 0; i < count; i++)
                    items.Add(ReadReply(stream) as string ?? string.Empty);
                return items;
            default:
                throw new IOException("redis: unexpected reply " + line);
        }
    }

    private static string ReadLine(Stream stream)
    {
        var line = new StringBuilder();
        while (true)
        {
            var b = stream.ReadByte();
            if (b < 0)
                throw new IOException("redis closed the connection");
            if (b == '\n' && line.Length > 0 && line[^1] == '\r')
                return line.ToString(0, line.Length - 1);
            line.Append((char)b);
        }
    }

    /// <summary>Stops redis-server: SIGTERM, up to 5 s, then SIGKILL. Idempotent.</summary>
    public void Stop()
    {
        var process = _process;
        _process = null;
        LoopbackDaemon.Stop(process);
    }

    /// <inheritdoc />
    public void Dispose() => Stop();
}
