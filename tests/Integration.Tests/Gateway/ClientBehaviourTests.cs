using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.Gateway;

/// <summary>
/// Issue 8: clients that misbehave. Clients that go away mid-response fire the app's
/// RequestAborted, are logged at trace level only, and leave no request state behind: every
/// child's app generation can still be stopped afterwards (a request still counted would hold
/// it). Slow clients at four times MaxRequestWorkers are all served in full.
/// </summary>
public sealed class ClientBehaviourTests
{
    private static string App(string marks) => $$"""
        public static class App
        {
            public static void Configure(WebApplication app)
            {
                var marks = "{{marks}}";
                // One file per mark: concurrent appends to one file would collide on .NET's file locks.
                void Mark(string what) => File.WriteAllText(Path.Combine(marks, $"{what}-{Environment.ProcessId}-{Guid.NewGuid():N}"), "x");
                app.Lifetime.ApplicationStopped.Register(() => Mark("stopped"));
                app.MapGet("/stream", async (HttpContext context) =>
                {
                    Mark("begin");
                    context.RequestAborted.Register(() => Mark("aborted"));
                    try
                    {
                        var chunk = new byte[65536];
                        // Up to 60 s of output: only a client that goes away ends it early.
                        for (var i = 0; i < 3000 && !context.RequestAborted.IsCancellationRequested; i++)
                        {
                            await context.Response.Body.WriteAsync(chunk);
                            await context.Response.Body.FlushAsync();
                            await Task.Delay(20);
                        }
                    }
                    finally
                    {
                        Mark("end");
                    }
                });
                app.MapGet("/slow", async (HttpContext context) =>
                {
                    var block = new byte[256 * 1024];
                    for (var i = 0; i < block.Length; i++) block[i] = (byte)(i * 7 % 251);
                    context.Response.ContentType = "application/octet-stream";
                    await context.Response.Body.WriteAsync(block);
                });
            }
        }
        """;

    private static int Count(string marks, string what) => Directory.GetFiles(marks, what + "-*").Length;

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Clients_that_disconnect_mid_response_abort_the_request_and_leave_nothing_behind(string mpm)
    {
        RepoPaths.RequireModule();
        await using var s = new ApacheServer(mpm, new ApacheOptions { Cgid = false });
        var marks = Path.Combine(s.Dir, "marks");
        Directory.CreateDirectory(marks);
        File.SetUnixFileMode(marks, (UnixFileMode)Convert.ToInt32("777", 8));
        var script = s.WriteScript("stream.cs", App(marks));
        s.Configure($"""
            <Directory "{s.ScriptDir}">
                Require all granted
            </Directory>
            DotNetScriptAlias /app "{script}"
            """);
        await s.StartAsync();

        const int clients = 12;
        var connecting = Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync("127.0.0.1", s.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes("GET /app/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
            var buffer = new byte[65536];
            long got = 0;
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (got < 200_000)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                Assert.True(n > 0, "the response ended before the client went away");
                got += n;
            }
            socket.LingerState = new LingerOption(true, 0); // a reset, as a client that crashed
        }));
        try
        {
            await connecting;
        }
        catch (Exception e)
        {
            Assert.Fail($"{e.Message}: begin {Count(marks, "begin")}, aborted {Count(marks, "aborted")}, end {Count(marks, "end")}, children {string.Join(",", s.ChildPids())}\n{s.ErrorLog}");
        }

        // Every request noticed: RequestAborted fired and the app's handler returned.
        Assert.True(await TestRun.WaitUntilAsync(() => Count(marks, "end") == clients, TimeSpan.FromSeconds(30)),
            $"begin {Count(marks, "begin")}, aborted {Count(marks, "aborted")}, end {Count(marks, "end")}\n{s.ErrorLog}");
        Assert.Equal(clients, Count(marks, "begin"));
        Assert.Equal(clients, Count(marks, "aborted"));
        Assert.DoesNotContain("DOTNET0233", s.ErrorLog);  // not an app error
        Assert.DoesNotContain("[dotnet:error]", s.ErrorLog);

        // No request is still counted: every child that served one stops its app at a graceful
        // restart, within the stop limit.
        var servedBy = Directory.GetFiles(marks, "begin-*").Select(f => Path.GetFileName(f).Split('-')[1]).Distinct().ToList();
        s.Graceful();
        Assert.True(await TestRun.WaitUntilAsync(() => servedBy.All(pid => Directory.GetFiles(marks, $"stopped-{pid}-*").Length > 0), TimeSpan.FromSeconds(30)),
            $"children {string.Join(",", servedBy)} did not stop their app: {string.Join(",", Directory.GetFiles(marks).Select(Path.GetFileName))}\n{s.ErrorLog}");
        Assert.DoesNotContain("DOTNET0238", s.ErrorLog);
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Slow_clients_at_four_times_MaxRequestWorkers_are_all_served(string mpm)
    {
        RepoPaths.RequireModule();
        await using var s = new ApacheServer(mpm, new ApacheOptions { Cgid = false });
        var marks = Path.Combine(s.Dir, "marks");
        Directory.CreateDirectory(marks);
        File.SetUnixFileMode(marks, (UnixFileMode)Convert.ToInt32("777", 8));
        var script = s.WriteScript("slow.cs", App(marks));
        const int workers = 5;
        var limits = mpm == "prefork"
            ? $"StartServers {workers}\nMinSpareServers 1\nMaxSpareServers {workers}\nServerLimit {workers}\nMaxRequestWorkers {workers}"
            : $"StartServers 1\nServerLimit 1\nThreadsPerChild {workers}\nMaxRequestWorkers {workers}\nMinSpareThreads 1\nMaxSpareThreads {workers}";
        s.Configure($"""
            {limits}
            <Directory "{s.ScriptDir}">
                Require all granted
            </Directory>
            DotNetScriptAlias /app "{script}"
            """);
        await s.StartAsync();

        var expected = new byte[256 * 1024];
        for (var i = 0; i < expected.Length; i++) expected[i] = (byte)(i * 7 % 251);
        var expectedHash = Convert.ToHexString(SHA256.HashData(expected));

        var results = await Task.WhenAll(Enumerable.Range(0, 4 * workers).Select(async _ =>
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.ReceiveBufferSize = 4096; // the response cannot be swallowed by the kernel at once
            await socket.ConnectAsync("127.0.0.1", s.Port);
            // The request dribbles in...
            foreach (var part in new[] { "GET /app/sl", "ow HTTP/1.1\r\nHo", "st: 127.0.0.1\r\nConnection: close\r\n", "\r\n" })
            {
                await socket.SendAsync(Encoding.ASCII.GetBytes(part));
                await Task.Delay(150);
            }
            // ...and the response is read slowly.
            using var received = new MemoryStream();
            var buffer = new byte[16384];
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            int n;
            while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token)) > 0)
            {
                received.Write(buffer, 0, n);
                await Task.Delay(10);
            }
            return received.ToArray();
        }));

        foreach (var response in results)
        {
            var split = response.AsSpan().IndexOf("\r\n\r\n"u8);
            Assert.True(split > 0, $"no response head ({response.Length} bytes)\n{s.ErrorLog}");
            var head = Encoding.ASCII.GetString(response, 0, split);
            Assert.StartsWith("HTTP/1.1 200", head);
            var body = response.AsSpan(split + 4).ToArray();
            if (head.Contains("chunked", StringComparison.OrdinalIgnoreCase))
                body = Dechunk(body);
            Assert.Equal(expectedHash, Convert.ToHexString(SHA256.HashData(body)));
        }
    }

    private static byte[] Dechunk(byte[] data)
    {
        using var output = new MemoryStream();
        var pos = 0;
        while (true)
        {
            var eol = data.AsSpan(pos).IndexOf("\r\n"u8);
            var size = Convert.ToInt32(Encoding.ASCII.GetString(data, pos, eol).Split(';')[0], 16);
            pos += eol + 2;
            if (size == 0)
                return output.ToArray();
            output.Write(data, pos, size);
            pos += size + 2;
        }
    }
}
