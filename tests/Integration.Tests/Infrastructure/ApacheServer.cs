using System.Text;
using System.Text.RegularExpressions;

namespace AccessHooks.Integration.Tests.Infrastructure;

public sealed record ApacheOptions
{
    /// <summary>LoadModule dotnet_module (and DotNetScriptCache). Off for Apache-only harness checks.</summary>
    public bool LoadDotNet { get; init; } = true;

    /// <summary>Where mod_dotnet.so is loaded from (default: the run's copy of build/modules/mod_dotnet.so).</summary>
    public string? ModulePath { get; init; }

    /// <summary>Adds `LogLevel auth_basic:debug ...` so denials are explained in the error log.</summary>
    public bool AuthDebug { get; init; } = true;

    public int MaxConnectionsPerChild { get; init; }

    /// <summary>Load mod_cgid (its daemon is one more child of the parent; load tests that count
    /// worker pids turn it off).</summary>
    public bool Cgid { get; init; } = true;

    /// <summary>Emit `DotNetScriptCache` (the run's shared cache).</summary>
    public bool ScriptCache { get; init; } = true;

    /// <summary>Extra environment of the Apache parent (its children inherit it), as an init script's.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }
}

/// <summary>
/// A private Apache httpd (Debian's /usr/sbin/apache2) with a generated config in a 0755 temp dir,
/// listening on 127.0.0.1:&lt;free port&gt;, children running as www-data.
/// </summary>
public sealed class ApacheServer : IAsyncDisposable
{
    public static readonly string[] Mpms = ["event", "prefork"];

    private static readonly string[] StandardModules =
    [
        "authn_core", "authz_core", "auth_basic", "auth_digest", "authn_file", "authz_user", "authz_host",
        "authz_groupfile", "authn_socache", "socache_shmcb", "socache_memcache", "mime", "dir", "alias",
        "env", "cgid", "proxy", "proxy_http", "headers",
    ];

    private int _parentPid;
    private static readonly List<ApacheServer> Live = new();

    static ApacheServer()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            List<ApacheServer> live;
            lock (Live)
                live = Live.ToList();
            foreach (var s in live)
                if (s._parentPid != 0)
                    s.Signal("TERM", s._parentPid);
        };
    }

    public ApacheServer(string mpm, ApacheOptions? options = null, string? directory = null)
    {
        if (mpm is not ("event" or "prefork" or "worker"))
            throw new ArgumentException($"unknown MPM {mpm}", nameof(mpm));
        Mpm = mpm;
        Options = options ?? new ApacheOptions();
        Dir = directory ?? TestRun.NewDirectory($"apache-{mpm}");
        Port = AccessHooks.TestSupport.LoopbackPort.Free();
        foreach (var sub in new[] { "logs", "run", "htdocs", "scripts", "cgi-bin" })
        {
            Directory.CreateDirectory(Path.Combine(Dir, sub));
            TestRun.MakeReadable(Path.Combine(Dir, sub));
        }
    }

    public string Mpm { get; }
    public ApacheOptions Options { get; }
    public string Dir { get; }
    public int Port { get; }
    public string BaseUrl => $"http://127.0.0.1:{Port}";
    public string ConfPath => Path.Combine(Dir, "httpd.conf");
    public string DocRoot => Path.Combine(Dir, "htdocs");
    public string ScriptDir => Path.Combine(Dir, "scripts");
    public string CgiDir => Path.Combine(Dir, "cgi-bin");
    public string PidFile => Path.Combine(Dir, "run", "httpd.pid");
    public string ErrorLogPath => Path.Combine(Dir, "logs", "error.log");
    public string AccessLogPath => Path.Combine(Dir, "logs", "access.log");
    public string ModulePath => Options.ModulePath ?? TestRun.ModuleSnapshot;
    public bool Started => _parentPid != 0;
    public int ParentPid => _parentPid;

    public string ErrorLog => ReadShared(ErrorLogPath);
    public string AccessLog => ReadShared(AccessLogPath);

    /// <summary>Writes httpd.conf: the fixed preamble followed by <paramref name="body"/>.</summary>
    public ApacheServer Configure(string body)
    {
        File.WriteAllText(ConfPath, Preamble() + "\n# ---- test body ----\n" + body + "\n");
        return this;
    }

    public string Preamble()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"ServerRoot \"{Dir}\"");
        sb.AppendLine("ServerName 127.0.0.1");
        sb.AppendLine($"Listen 127.0.0.1:{Port}");
        sb.AppendLine($"PidFile \"{PidFile}\"");
        sb.AppendLine($"DefaultRuntimeDir \"{Path.Combine(Dir, "run")}\"");
        sb.AppendLine($"LoadModule mpm_{Mpm}_module {RepoPaths.ApacheModules}/mod_mpm_{Mpm}.so");
        foreach (var m in StandardModules.Where(m => Options.Cgid || m != "cgid"))
            sb.AppendLine($"LoadModule {m}_module {RepoPaths.ApacheModules}/mod_{m}.so");
        if (Options.LoadDotNet)
            sb.AppendLine($"LoadModule dotnet_module \"{ModulePath}\"");
        sb.AppendLine($"User {TestRun.ApacheUser}");
        sb.AppendLine($"Group {TestRun.ApacheUser}");
        sb.AppendLine($"ErrorLog \"{ErrorLogPath}\"");
        sb.AppendLine(Options.AuthDebug
            ? "LogLevel info auth_basic:debug auth_digest:debug authz_core:debug authn_socache:debug" + (Options.LoadDotNet ? " dotnet:debug" : "")
            : "LogLevel info");
        sb.AppendLine("LogFormat \"%h %u \\\"%r\\\" %>s\" ahtest");
        sb.AppendLine($"CustomLog \"{AccessLogPath}\" ahtest");
        sb.AppendLine("TypesConfig /etc/mime.types");
        if (Options.Cgid)
            sb.AppendLine($"ScriptSock \"{Path.Combine(Dir, "run", "cgid.sock")}\"");
        sb.AppendLine("Timeout 30");
        sb.AppendLine("KeepAlive On");
        sb.AppendLine("KeepAliveTimeout 2");
        if (Options.LoadDotNet && Options.ScriptCache)
            sb.AppendLine($"DotNetScriptCache \"{TestRun.ScriptCache}\"");
        if (Mpm == "prefork")
        {
            sb.AppendLine("StartServers 2\nMinSpareServers 1\nMaxSpareServers 40\nServerLimit 40\nMaxRequestWorkers 40");
        }
        else
        {
            sb.AppendLine("StartServers 2\nServerLimit 4\nThreadLimit 16\nThreadsPerChild 16\nMaxRequestWorkers 64\nMinSpareThreads 8\nMaxSpareThreads 64");
        }
        sb.AppendLine($"MaxConnectionsPerChild {Options.MaxConnectionsPerChild}");
        sb.AppendLine($"DocumentRoot \"{DocRoot}\"");
        sb.AppendLine("<Directory />\n    AllowOverride None\n    Require all denied\n</Directory>");
        sb.AppendLine($"<Directory \"{DocRoot}\">\n    AllowOverride None\n    Require all granted\n</Directory>");
        sb.AppendLine("DirectoryIndex index.html");
        if (Options.Cgid)
            sb.AppendLine($"ScriptAlias /cgi-bin/ \"{CgiDir}/\"");
        sb.AppendLine($"<Directory \"{CgiDir}\">\n    AllowOverride None\n    Options +ExecCGI\n    Require all granted\n</Directory>");
        return sb.ToString();
    }

    // ---------------------------------------------------------------- content helpers

    /// <summary>Creates htdocs/&lt;relativeDir&gt;/index.html (and the directories) with a known body.</summary>
    public string AddPage(string relativeDir, string? body = null)
    {
        var dir = Path.Combine(DocRoot, relativeDir.Trim('/'));
        CreateReadableDirectories(dir);
        var file = Path.Combine(dir, "index.html");
        File.WriteAllText(file, body ?? $"page {relativeDir.Trim('/')}\n");
        return file;
    }

    /// <summary>Writes a file under the server directory (readable by www-data) and returns its path.</summary>
    public string WriteFile(string relativePath, string content, UnixFileMode? mode = null)
    {
        var path = Path.Combine(Dir, relativePath);
        CreateReadableDirectories(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        if (mode is not null)
            File.SetUnixFileMode(path, mode.Value);
        return path;
    }

    /// <summary>Writes a script into scripts/ from text.</summary>
    public string WriteScript(string name, string source) => WriteFile(Path.Combine("scripts", name), source);

    /// <summary>Copies Scripts/&lt;name&gt; from the test output into scripts/, replacing @@KEY@@ tokens.</summary>
    public string InstallScript(string name, IDictionary<string, string>? replacements = null, string? asName = null)
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.ScriptsDir, name));
        text = text.Replace("@@DIR@@", Dir);
        if (replacements is not null)
            foreach (var (k, v) in replacements)
                text = text.Replace($"@@{k}@@", v);
        return WriteScript(asName ?? name, text);
    }

    /// <summary>A shell CGI under cgi-bin/ that prints its environment, sorted.</summary>
    public string AddEnvCgi(string name = "env.sh") =>
        WriteFile(Path.Combine("cgi-bin", name), "#!/bin/sh\necho 'Content-Type: text/plain'\necho\nenv | sort\n",
            (UnixFileMode)Convert.ToInt32("755", 8));

    private void CreateReadableDirectories(string dir)
    {
        var missing = new Stack<string>();
        for (var d = dir; !Directory.Exists(d); d = Path.GetDirectoryName(d)!)
            missing.Push(d);
        while (missing.Count > 0)
        {
            var d = missing.Pop();
            Directory.CreateDirectory(d);
            TestRun.MakeReadable(d);
        }
    }

    // ---------------------------------------------------------------- lifecycle

    /// <summary>`apache2 -t -f conf`: exit code and output.</summary>
    public ProcessResult ConfigTest() =>
        ProcessRunner.Run(RepoPaths.ApacheBinary, ["-t", "-f", ConfPath], TimeSpan.FromSeconds(30));

    /// <summary>`apache2 -f conf -k start`, then a bounded wait for the pid file and the port.</summary>
    public async Task StartAsync(TimeSpan? timeout = null)
    {
        if (!File.Exists(ConfPath))
            throw new InvalidOperationException("Configure() first");
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        var r = ProcessRunner.Run(RepoPaths.ApacheBinary, ["-f", ConfPath, "-k", "start"], limit,
            environment: Options.Environment?.ToDictionary());
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"apache2 -k start failed: {r}\n--- error log ---\n{ErrorLog}");
        if (!await TestRun.WaitUntilAsync(() => ReadPid() > 0, limit))
            throw new TimeoutException($"no pid file {PidFile} after {limit}\n--- error log ---\n{ErrorLog}");
        _parentPid = ReadPid();
        lock (Live)
            Live.Add(this);
        if (!await TestRun.WaitForPortAsync(Port, limit))
        {
            await StopAsync();
            throw new TimeoutException($"nothing listens on 127.0.0.1:{Port} after {limit}\n--- error log ---\n{ErrorLog}");
        }
    }

    private int ReadPid()
    {
        try
        {
            return int.TryParse(File.ReadAllText(PidFile).Trim(), out var pid) ? pid : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    public bool ParentAlive => _parentPid != 0 && Directory.Exists($"/proc/{_parentPid}") && !IsZombie(_parentPid);

    /// <summary>Processes whose parent is the Apache parent (workers, and the cgid daemon).</summary>
    public IReadOnlyList<int> ChildPids()
    {
        if (_parentPid == 0)
            return [];
        var pids = new List<int>();
        foreach (var d in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(d), out var pid))
                continue;
            var status = TryRead(Path.Combine(d, "status"));
            if (status is null)
                continue;
            var ppid = StatusField(status, "PPid");
            var state = StatusField(status, "State");
            if (ppid == _parentPid.ToString() && state is not null && !state.StartsWith('Z'))
                pids.Add(pid);
        }
        pids.Sort();
        return pids;
    }

    /// <summary>Sum of VmRSS of the children, in KiB.</summary>
    public long ChildrenRssKb() => ChildPids().Sum(RssKb);

    public static long RssKb(int pid)
    {
        var status = TryRead($"/proc/{pid}/status");
        var rss = status is null ? null : StatusField(status, "VmRSS");
        if (rss is null)
            return 0;
        var m = Regex.Match(rss, @"(\d+)");
        return m.Success ? long.Parse(m.Groups[1].Value) : 0;
    }

    /// <summary>Graceful restart: SIGUSR1 to the parent.</summary>
    public void Graceful() => Signal("USR1", _parentPid);

    /// <summary>Sends a signal to a process of this server (its parent, a worker, a daemon) and to
    /// nothing else. A pid read earlier may name another process by now: pid_max is 32768 here and
    /// a test run wraps it, and a reused pid can even be a thread of the test host (kill(2) of a
    /// thread id signals its whole process), so a stale pid once took the test host down.
    /// False when pid is not this server's.</summary>
    public bool Signal(string signal, int pid)
    {
        if (!IsOurs(pid))
            return false;
        SignalProcess(signal, pid);
        return true;
    }

    /// <summary>True when pid is a process (not a thread) started from this server's config, or a
    /// child of its parent (a daemon renames itself, so its command line does not say).</summary>
    private bool IsOurs(int pid)
    {
        if (pid <= 0 || pid == Environment.ProcessId)
            return false;
        var status = TryRead($"/proc/{pid}/status");
        if (status is null || StatusField(status, "Tgid") != pid.ToString())
            return false;
        if (RunsOurConfig(pid))
            return true;
        return _parentPid != 0 && StatusField(status, "PPid") == _parentPid.ToString() && RunsOurConfig(_parentPid);
    }

    private bool RunsOurConfig(int pid) =>
        TryRead($"/proc/{pid}/cmdline")?.Split('\0').Contains(ConfPath) ?? false;

    /// <summary>The process's start time in clock ticks since boot (0 when it is gone): with the pid,
    /// it names one process for good.</summary>
    private static ulong StartTime(int pid)
    {
        var stat = TryRead($"/proc/{pid}/stat");
        var close = stat?.LastIndexOf(')') ?? -1;
        if (close < 0)
            return 0;
        var fields = stat![(close + 2)..].Split(' ');
        return fields.Length > 19 && ulong.TryParse(fields[19], out var t) ? t : 0;
    }

    /// <summary>SIGTERM to the parent, a bounded wait (10 s), then SIGKILL for it and its children.</summary>
    public async Task<TimeSpan> StopAsync(TimeSpan? timeout = null)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var pid = _parentPid != 0 ? _parentPid : ReadPid();
        if (pid == 0 || !RunsOurConfig(pid))
        {
            _parentPid = 0;
            return sw.Elapsed;
        }
        var children = ChildPidsOf(pid).Select(c => (Pid: c, Start: StartTime(c))).ToList();
        Signal("TERM", pid);
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        var exited = await TestRun.WaitUntilAsync(() => !Directory.Exists($"/proc/{pid}") || IsZombie(pid), limit);
        var elapsed = sw.Elapsed;
        if (!exited)
        {
            Signal("KILL", pid);
            // Once the parent is gone its children have another parent, and a daemon's command line
            // is its own: the start time read before the stop says a pid is still that child.
            foreach (var c in children)
                if (c.Start != 0 && StartTime(c.Pid) == c.Start)
                    SignalProcess("KILL", c.Pid);
            await TestRun.WaitUntilAsync(() => !Directory.Exists($"/proc/{pid}"), TimeSpan.FromSeconds(5));
        }
        else
        {
            // children of a stopped parent should go too; make sure none survives the test.
            await TestRun.WaitUntilAsync(() => children.All(c => StartTime(c.Pid) != c.Start || IsZombie(c.Pid)), TimeSpan.FromSeconds(5));
            foreach (var c in children.Where(c => c.Start != 0 && StartTime(c.Pid) == c.Start && !IsZombie(c.Pid)))
                SignalProcess("KILL", c.Pid);
        }
        _parentPid = 0;
        return elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        // A parent killed by a test leaves its pid file behind: only a live process running this
        // config is stopped.
        if (_parentPid != 0 && RunsOurConfig(_parentPid) || RunsOurConfig(ReadPid()))
            await StopAsync();
        _parentPid = 0;
    }

    private List<int> ChildPidsOf(int parent)
    {
        var saved = _parentPid;
        _parentPid = parent;
        try { return ChildPids().ToList(); }
        finally { _parentPid = saved; }
    }

    /// <summary>True when the process has the .NET runtime (libcoreclr.so) mapped.</summary>
    public static bool HostsRuntime(int pid) => TryRead($"/proc/{pid}/maps")?.Contains("libcoreclr.so", StringComparison.Ordinal) ?? false;

    /// <summary>True when the process no longer exists (or is a zombie awaiting its parent).</summary>
    public static bool IsGone(int pid) => !Directory.Exists($"/proc/{pid}") || IsZombie(pid);

    private static bool IsZombie(int pid)
    {
        var s = TryRead($"/proc/{pid}/status");
        return s is null || (StatusField(s, "State")?.StartsWith('Z') ?? true);
    }

    /// <summary>kill(1) for a process the caller knows is its own (one it started and has not reaped).</summary>
    public static void SignalProcess(string signal, int pid)
    {
        if (pid > 0)
            ProcessRunner.Run("kill", [$"-{signal}", pid.ToString()], TimeSpan.FromSeconds(5));
    }

    private static string? StatusField(string status, string name)
    {
        foreach (var line in status.Split('\n'))
            if (line.StartsWith(name + ":", StringComparison.Ordinal))
                return line[(name.Length + 1)..].Trim();
        return null;
    }

    private static string? TryRead(string path)
    {
        try { return File.ReadAllText(path); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    public static string ReadShared(string path)
    {
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var r = new StreamReader(fs, Encoding.Latin1);
            return r.ReadToEnd();
        }
        catch (FileNotFoundException) { return string.Empty; }
        catch (DirectoryNotFoundException) { return string.Empty; }
    }

    /// <summary>Error-log lines written since <paramref name="offset"/> (use <see cref="ErrorLogLength"/> as a mark).</summary>
    public string ErrorLogSince(long offset)
    {
        var all = ErrorLog;
        return offset < all.Length ? all[(int)offset..] : string.Empty;
    }

    public long ErrorLogLength => ErrorLog.Length;

    /// <summary>The error log lines reporting a child killed by a signal (a crash), for failure messages.</summary>
    public string CrashLines => string.Join("\n", ErrorLog.Split('\n').Where(l => l.Contains("exit signal", StringComparison.Ordinal)).Take(5));

    /// <summary>Waits (bounded) until the access log has a line containing all of <paramref name="parts"/>.
    /// Apache writes the log line after the response, so a client can see the response first.</summary>
    public async Task<string?> WaitForAccessLogLineAsync(TimeSpan timeout, params string[] parts)
    {
        string? found = null;
        await TestRun.WaitUntilAsync(() =>
        {
            found = AccessLog.Split('\n').LastOrDefault(l => parts.All(p => l.Contains(p, StringComparison.Ordinal)));
            return found is not null;
        }, timeout);
        return found;
    }

    /// <summary>Waits (bounded) until the error log contains <paramref name="text"/> after <paramref name="offset"/>.</summary>
    public Task<bool> WaitForErrorLogAsync(string text, TimeSpan timeout, long offset = 0) =>
        TestRun.WaitUntilAsync(() => ErrorLogSince(offset).Contains(text, StringComparison.Ordinal), timeout);

    public override string ToString() => $"apache[{Mpm}] {BaseUrl} in {Dir}";
}
