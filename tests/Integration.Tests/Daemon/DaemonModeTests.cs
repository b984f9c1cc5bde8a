using System.Diagnostics;
using System.Net.Sockets;
using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.Daemon;

/// <summary>
/// Issue 9: daemon process groups. Apps run in daemons the Apache parent forks and supervises;
/// Apache's children relay natively and never start .NET; errors carry mod_wsgi's numbers.
/// </summary>
public sealed class DaemonModeTests(Xunit.Abstractions.ITestOutputHelper output)
{
    internal static async Task<ApacheServer> StartAsync(string mpm, string options = "processes=2 threads=4",
        string? prefix = null, bool start = true, string extraConfig = "")
    {
        RepoPaths.RequireModule();
        var s = new ApacheServer(mpm, new ApacheOptions { Cgid = false, AuthDebug = false });
        s.WriteScript("hello.cs", """
            public static class App
            {
                public static async Task Application(HttpContext c)
                {
                    var body = await new StreamReader(c.Request.Body).ReadToEndAsync();
                    await c.Response.WriteAsync($"hello from {Environment.ProcessId} body={body.Length} group={c.Features.Get<AccessHooks.IApacheRequestFeature>()?.Variables["mod_dotnet.process_group"]}");
                }
            }
            """);
        s.WriteScript("slow.cs", """
            public static class App
            {
                public static async Task Application(HttpContext c)
                {
                    await Task.Delay(int.Parse(c.Request.Query["ms"]!));
                    await c.Response.WriteAsync("slept");
                }
            }
            """);
        s.WriteScript("bigheader.cs", """
            public static class App
            {
                public static Task Application(HttpContext c)
                {
                    c.Response.Headers["X-Big"] = new string('a', 100_000);
                    return c.Response.WriteAsync("big");
                }
            }
            """);
        // Answers before it reads the body, then counts it: a relay that sends the whole body
        // before reading the response would deadlock once the socket buffers are full.
        s.WriteScript("early.cs", """
            public static class App
            {
                public static async Task Application(HttpContext c)
                {
                    var filler = new string('x', 64 * 1024);
                    for (var i = 0; i < 64; i++)
                        await c.Response.WriteAsync(filler);
                    await c.Response.Body.FlushAsync();
                    long total = 0;
                    var buffer = new byte[65536];
                    int n;
                    while ((n = await c.Request.Body.ReadAsync(buffer)) > 0)
                        total += n;
                    await c.Response.WriteAsync($"\nread {total}");
                }
            }
            """);
        var scripts = s.ScriptDir;
        const string Global = "%{GLOBAL}", GroupName = "%{GROUP}";
        s.Configure($"""
            DotNetSocketPrefix "{prefix ?? Path.Combine(s.Dir, "run", "dotnet")}"
            DotNetDaemonProcess site {options} display-name={GroupName}
            DotNetScriptAlias /hello "{scripts}/hello.cs" process-group=site application-group={Global}
            DotNetScriptAlias /slow "{scripts}/slow.cs" process-group=site
            DotNetScriptAlias /bigheader "{scripts}/bigheader.cs" process-group=site
            DotNetScriptAlias /early "{scripts}/early.cs" process-group=site
            LimitRequestBody 0
            <Location /dotnet-status>
                SetHandler dotnet-status
            </Location>
            <Directory "{scripts}">
                Require all granted
            </Directory>
            {extraConfig}
            """);
        if (start)
            await s.StartAsync();
        return s;
    }

    /// <summary>The daemons of the server: processes of its parent whose name is the display name.</summary>
    internal static List<int> DaemonPids(ApacheServer s) =>
        s.ChildPids().Where(p => Cmdline(p).StartsWith("(dotnet:site)", StringComparison.Ordinal)).ToList();

    private static List<int> WorkerPids(ApacheServer s) => s.ChildPids().Except(DaemonPids(s)).ToList();

    private static string Cmdline(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' '); }
        catch (IOException) { return ""; }
    }

    internal static async Task<HttpResult> HelloAsync(ApacheServer s, TimeSpan? within = null)
    {
        using var http = new Http(s.BaseUrl, TimeSpan.FromSeconds(30), keepAlive: false);
        return await http.GetAsync("/hello");
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Apps_run_in_daemons_that_run_as_their_user_with_no_TCP_listener_and_children_stay_free_of_dotnet(string mpm)
    {
        await using var s = await StartAsync(mpm);
        var r = await HelloAsync(s);
        Assert.True(r.Status == 200, r + "\n" + s.ErrorLog);
        Assert.Matches(@"^hello from \d+ body=0 group=site$", r.Body);
        var servedBy = int.Parse(r.Body.Split(' ')[2]);

        var daemons = DaemonPids(s);
        Assert.Equal(2, daemons.Count);
        Assert.Contains(servedBy, daemons);
        var listening = ListeningTcpInodes();
        foreach (var pid in daemons)
        {
            var status = File.ReadAllText($"/proc/{pid}/status");
            var uid = status.Split('\n').First(l => l.StartsWith("Uid:")).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1];
            Assert.Equal(ProcessRunner.Run("id", ["-u", TestRun.ApacheUser], TimeSpan.FromSeconds(5)).Output.Trim(), uid);
            Assert.Empty(SocketInodes(pid).Intersect(listening));
        }
        // The workers relayed natively: none of them loaded the runtime.
        foreach (var pid in WorkerPids(s))
            Assert.DoesNotContain("libcoreclr.so", File.ReadAllText($"/proc/{pid}/maps"));
        foreach (var pid in daemons)
            Assert.Contains("libcoreclr.so", File.ReadAllText($"/proc/{pid}/maps"));
        Assert.Contains("DOTNET0250", s.ErrorLog);

        // A body goes through.
        using var client = new HttpClient();
        using var posted = await client.PostAsync(s.BaseUrl + "/hello", new StringContent(new string('b', 300_000)));
        var text = await posted.Content.ReadAsStringAsync();
        Assert.True((int)posted.StatusCode == 200, text);
        Assert.Contains("body=300000", text);
    }

    [Fact]
    public async Task A_daemon_runs_as_the_user_its_group_names_with_a_script_cache_of_its_own()
    {
        await using var s = await StartAsync("event", options: "processes=1 threads=2 user=nobody group=nogroup");
        var r = await HelloAsync(s);
        Assert.True(r.Status == 200, r + "\n" + s.ErrorLog);
        var daemon = DaemonPids(s).Single();
        var uid = File.ReadAllText($"/proc/{daemon}/status").Split('\n').First(l => l.StartsWith("Uid:"))
            .Split('\t', StringSplitOptions.RemoveEmptyEntries)[1];
        Assert.Equal(ProcessRunner.Run("id", ["-u", "nobody"], TimeSpan.FromSeconds(5)).Output.Trim(), uid);
        // It compiled into a cache directory only it can write, not Apache's.
        Assert.DoesNotContain("DOTNET0213", s.ErrorLog);
        var own = TestRun.ScriptCache.TrimEnd('/') + ".daemon-site";
        Assert.True(Directory.Exists(own), own);
        Assert.NotEmpty(Directory.GetFiles(own, "*.dll"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(own));
    }

    [Theory]
    [InlineData("symlink", "is a symbolic link")]
    [InlineData("someone else's directory", "belongs to uid 1,")]
    public async Task A_daemon_cache_path_made_in_advance_by_someone_else_is_not_taken_over(string kind, string why)
    {
        // The cache's parent may be a sticky /tmp-like directory where anyone can create the
        // path first: root must neither follow a link there nor hand over a stranger's directory.
        var own = TestRun.ScriptCache.TrimEnd('/') + ".daemon-site";
        var victim = Path.Combine(Path.GetTempPath(), "ah-victim-" + Guid.NewGuid().ToString("N"));
        if (Directory.Exists(own) || File.Exists(own))
        {
            if (new FileInfo(own).LinkTarget is not null) File.Delete(own); else Directory.Delete(own, recursive: true);
        }
        try
        {
            if (kind == "symlink")
            {
                Directory.CreateDirectory(victim);
                File.SetUnixFileMode(victim, (UnixFileMode)Convert.ToInt32("755", 8));
                File.CreateSymbolicLink(own, victim);
            }
            else
            {
                Directory.CreateDirectory(own);
                ProcessRunner.Check("chown", "1:1", own);   // uid 1: Debian's "daemon", a stranger here
            }
            await using var s = await StartAsync("event", options: "processes=1 threads=2 user=nobody group=nogroup");
            var r = await HelloAsync(s);
            Assert.True(r.Status == 200, r + "\n" + s.ErrorLog);   // compiled in memory instead
            Assert.Contains("DOTNET0220", s.ErrorLog);
            Assert.Contains(why, s.ErrorLog);
            var stat = ProcessRunner.Run("stat", ["-c", "%u %a", kind == "symlink" ? victim : own], TimeSpan.FromSeconds(5)).Output.Trim();
            Assert.Equal(kind == "symlink" ? "0 755" : "1 755", stat);
        }
        finally
        {
            if (new FileInfo(own).LinkTarget is not null) File.Delete(own);
            else if (Directory.Exists(own)) Directory.Delete(own, recursive: true);
            if (Directory.Exists(victim)) Directory.Delete(victim, recursive: true);
        }
    }

    private static HashSet<string> ListeningTcpInodes()
    {
        var inodes = new HashSet<string>();
        foreach (var file in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
            foreach (var line in File.ReadAllLines(file).Skip(1))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length > 9 && f[3] == "0A")
                    inodes.Add(f[9]);
            }
        return inodes;
    }

    private static HashSet<string> SocketInodes(int pid)
    {
        var inodes = new HashSet<string>();
        foreach (var fd in Directory.EnumerateFiles($"/proc/{pid}/fd"))
        {
            try
            {
                var target = new FileInfo(fd).LinkTarget ?? "";
                if (target.StartsWith("socket:[", StringComparison.Ordinal))
                    inodes.Add(target[8..^1]);
            }
            catch (IOException) { }
        }
        return inodes;
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Daemons_killed_mid_request_give_502_with_DOTNET0146_and_are_restarted(string mpm)
    {
        await using var s = await StartAsync(mpm);
        Assert.Equal(200, (await HelloAsync(s)).Status);
        var before = DaemonPids(s);
        using var http = new Http(s.BaseUrl, TimeSpan.FromSeconds(30), keepAlive: false);
        var mark = s.ErrorLogLength;
        var slow = http.GetAsync("/slow?ms=5000");
        await Task.Delay(1500);
        foreach (var pid in before)
            Assert.True(s.Signal("KILL", pid));
        var killedAt = Stopwatch.StartNew();
        var r = await slow;
        Assert.Equal(502, r.Status);
        Assert.True(await s.WaitForErrorLogAsync("DOTNET0146", TimeSpan.FromSeconds(5), mark), s.ErrorLogSince(mark));

        HttpResult next;
        do
        {
            next = await HelloAsync(s);
        } while (next.Status != 200 && killedAt.Elapsed < TimeSpan.FromSeconds(10));
        output.WriteLine($"{mpm}: served again {killedAt.ElapsedMilliseconds} ms after the kill");
        Assert.True(next.Status == 200, next + "\n" + s.ErrorLogSince(mark));
        Assert.True(killedAt.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Empty(before.Intersect(DaemonPids(s)));
        Assert.Contains("DOTNET0251", s.ErrorLogSince(mark));

        // The status page (answered by a worker child) shows the daemons the parent runs now,
        // their restarts and what they served. One daemon can serve before the other is back
        // (or before a new one has taken its display name, which is how DaemonPids finds it).
        Assert.True(await TestRun.WaitUntilAsync(() => DaemonPids(s).Count == 2, TimeSpan.FromSeconds(10)),
            $"daemons now: {string.Join(",", DaemonPids(s))}\n{s.ErrorLogSince(mark)}");
        var status = await http.GetAsync("/dotnet-status?json");
        using var doc = System.Text.Json.JsonDocument.Parse(status.Body);
        var daemons = doc.RootElement.GetProperty("daemon_processes").EnumerateArray()
            .Where(d => d.GetProperty("group").GetString() == "site").ToList();
        Assert.Equal(2, daemons.Count);
        Assert.Equal(DaemonPids(s).Order(), daemons.Select(d => d.GetProperty("pid").GetInt32()).Order());
        Assert.Equal(2, daemons.Sum(d => d.GetProperty("restarts").GetInt32()));
        Assert.True(daemons.Sum(d => d.GetProperty("requests").GetInt64()) >= 1, status.Body);
        var auto = (await http.GetAsync("/dotnet-status?auto")).Body;
        Assert.Contains("DaemonProcesses: 2\n", auto);
        Assert.Matches(@"Daemon: site [12] \d+ \d+ 1\n", auto);
    }

    [Fact]
    public async Task A_socket_directory_the_children_cannot_enter_is_503_with_DOTNET0117()
    {
        var prefix = TestRun.NewDirectory("private-sockets");
        File.SetUnixFileMode(prefix, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await using var s = await StartAsync("event", prefix: prefix);
        var r = await HelloAsync(s);
        Assert.Equal(503, r.Status);
        Assert.True(await s.WaitForErrorLogAsync("DOTNET0117", TimeSpan.FromSeconds(5)), s.ErrorLog);
    }

    [Fact]
    public async Task Socket_timeout_before_headers_is_504_with_DOTNET0145_and_a_huge_header_line_is_500_with_DOTNET0144()
    {
        await using var s = await StartAsync("event", options: "processes=1 threads=4 socket-timeout=3");
        using var http = new Http(s.BaseUrl, TimeSpan.FromSeconds(30), keepAlive: false);
        // Each script's first request compiles it in the daemon, which can take longer than this
        // short socket-timeout: the compile goes on, and a later request finds it done.
        foreach (var warm in new[] { "/hello", "/slow?ms=1", "/bigheader" })
            for (var i = 0; i < 5 && (await http.GetAsync(warm)).Status == 504; i++) { }
        var mark = s.ErrorLogLength;
        Assert.Equal(504, (await http.GetAsync("/slow?ms=6000")).Status);
        Assert.True(await s.WaitForErrorLogAsync("DOTNET0145", TimeSpan.FromSeconds(5), mark), s.ErrorLogSince(mark));
        mark = s.ErrorLogLength;
        Assert.Equal(500, (await http.GetAsync("/bigheader")).Status);
        Assert.True(await s.WaitForErrorLogAsync("DOTNET0144", TimeSpan.FromSeconds(5), mark), s.ErrorLogSince(mark));
        Assert.Equal(200, (await HelloAsync(s)).Status);
    }

    [Fact]
    public async Task A_request_past_request_timeout_is_504_with_DOTNET0256_and_its_daemon_restarts_gracefully()
    {
        await using var s = await StartAsync("event", options: "processes=1 threads=4 request-timeout=3 graceful-timeout=10");
        using var http = new Http(s.BaseUrl, TimeSpan.FromSeconds(30), keepAlive: false);
        Assert.Equal(200, (await http.GetAsync("/slow?ms=1")).Status);
        var daemon = DaemonPids(s).Single();
        var mark = s.ErrorLogLength;
        var stuck = http.GetAsync("/slow?ms=20000");
        await Task.Delay(2000);
        // Started before the timeout fires: it finishes on the old daemon within graceful-timeout.
        var other = http.GetAsync("/slow?ms=3000");
        var r = await stuck;
        Assert.Equal(504, r.Status);
        Assert.True(await s.WaitForErrorLogAsync("DOTNET0256", TimeSpan.FromSeconds(5), mark), s.ErrorLogSince(mark));
        var o = await other;
        Assert.True(o.Status == 200 && o.Body == "slept", o + "\n" + s.ErrorLogSince(mark));
        Assert.True(await TestRun.WaitUntilAsync(() => DaemonPids(s) is [var p] && p != daemon, TimeSpan.FromSeconds(20)), s.ErrorLogSince(mark));
        var after = await HelloAsync(s);
        Assert.True(after.Status == 200, after + "\n" + s.ErrorLogSince(mark));
    }

    [Fact]
    public async Task Forged_requests_and_random_bytes_on_the_socket_are_refused_and_logged()
    {
        await using var s = await StartAsync("event", options: "processes=1 threads=2");
        Assert.Equal(200, (await HelloAsync(s)).Status);
        var socketPath = Directory.GetFiles(Path.Combine(s.Dir, "run", "dotnet"), "site.*.sock").Single();
        var mark = s.ErrorLogLength;

        // A well-formed request with a wrong secret: refused before its variables are read.
        var forged = new List<byte>();
        forged.AddRange("ADNQ"u8.ToArray());
        forged.AddRange(new byte[] { 1, 0, 0, 0 });
        forged.AddRange(new byte[32]);
        forged.AddRange(BitConverter.GetBytes(0u));
        forged.AddRange(BitConverter.GetBytes(0u));
        Assert.Equal(0, await SendRawAsync(socketPath, forged.ToArray()));
        Assert.True(await s.WaitForErrorLogAsync("DOTNET0253", TimeSpan.FromSeconds(5), mark), s.ErrorLogSince(mark));
        Assert.Contains("secret", s.ErrorLogSince(mark));

        mark = s.ErrorLogLength;
        var random = new byte[4096];
        new Random(9).NextBytes(random);
        Assert.Equal(0, await SendRawAsync(socketPath, random));
        Assert.True(await s.WaitForErrorLogAsync("DOTNET0253", TimeSpan.FromSeconds(5), mark), s.ErrorLogSince(mark));

        Assert.Equal(200, (await HelloAsync(s)).Status);
        Assert.Single(DaemonPids(s));
    }

    /// <summary>Sends bytes and returns how many came back before the daemon closed.</summary>
    private static async Task<int> SendRawAsync(string path, byte[] bytes)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
        await socket.SendAsync(bytes);
        socket.Shutdown(SocketShutdown.Send);
        var buffer = new byte[1024];
        var total = 0;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token)) > 0)
            total += n;
        return total;
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task An_app_that_answers_while_100_MB_are_still_uploading_does_not_deadlock(string mpm)
    {
        await using var s = await StartAsync(mpm, options: "processes=1 threads=2");
        // curl, which reads the response while it uploads (a client that reads nothing until its
        // upload is done deadlocks against any server that answers early, Apache alone included).
        // -T - streams stdin as a chunked body.
        var size = 100L * 1024 * 1024;
        var sw = Stopwatch.StartNew();
        var r = ProcessRunner.Run("bash", ["-c",
            $"head -c {size} /dev/zero | curl -s -S -m 120 -X POST -T - -H 'Content-Type: application/octet-stream' " +
            $"-o - -w '\\n%{{http_code}}' {s.BaseUrl}/early | tail -c 40"], TimeSpan.FromMinutes(3));
        output.WriteLine($"{mpm}: 100 MB up (chunked), 4 MB down in {sw.ElapsedMilliseconds} ms");
        Assert.True(r.ExitCode == 0, r + "\n" + s.ErrorLog);
        Assert.EndsWith($"\nread {size}\n200", r.Output.TrimEnd());
    }
}
