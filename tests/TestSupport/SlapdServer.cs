using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AccessHooks.TestSupport;

/// <summary>
/// A private OpenLDAP slapd for tests: its own temp directory, an mdb database for
/// <see cref="BaseDn"/> with the core, cosine, inetorgperson and nis schemas, a plain listener
/// (with STARTTLS) and an LDAPS listener on free loopback ports, and a certificate from a
/// throwaway CA (<see cref="Certificates"/>). Seed it with <see cref="Add"/> (real ldapadd).
/// Stop it with <see cref="Stop"/> (to test a directory going down) or by disposing.
/// Usable as an xunit class or collection fixture (it has a parameterless constructor).
/// </summary>
public sealed class SlapdServer : IDisposable
{
    /// <summary>The suffix of the database.</summary>
    public const string BaseDn = "dc=example,dc=org";

    /// <summary>The rootdn, which may write anything.</summary>
    public const string AdminDn = "cn=admin,dc=example,dc=org";

    /// <summary>The password of <see cref="AdminDn"/>.</summary>
    public const string AdminPassword = "admin-secret";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _directory = new("slapd-");
    private Process? _process;
    private readonly StringBuilder _log = new();
    private readonly string _databaseConfig;

    /// <summary>Starts slapd and waits (bounded) until both listeners accept connections.</summary>
    public SlapdServer()
        : this(string.Empty)
    {
    }

    /// <summary>
    /// Starts slapd with <paramref name="databaseConfig"/> appended to the database section of its
    /// slapd.conf (<c>limits</c>, say). A factory rather than a second public constructor: xunit
    /// fixtures must have exactly one.
    /// </summary>
    public static SlapdServer WithDatabaseConfig(string databaseConfig) => new(databaseConfig);

    private SlapdServer(string databaseConfig)
    {
        _databaseConfig = databaseConfig;
        // A test run that ends without disposing its fixtures (Environment.Exit, an aborted run)
        // must not leave a slapd behind.
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        Certificates = TestCertificateAuthority.Create(_directory.Path);
        _directory.CreateSubdirectory("data");
        Exception? last = null;
        // A free port found now can be taken by the time slapd binds it: try a few pairs.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            Port = LoopbackPort.Free();
            LdapsPort = LoopbackPort.Free();
            try
            {
                Start();
                Add($"""
                    dn: {BaseDn}
                    objectClass: dcObject
                    objectClass: organization
                    dc: example
                    o: Example

                    """);
                return;
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                last = e;
                Stop();
            }
        }
        Dispose();
        throw new InvalidOperationException("slapd did not start: " + last?.Message + "\n" + Log, last);
    }

    /// <summary>The plain LDAP port (STARTTLS available) on 127.0.0.1.</summary>
    public int Port { get; private set; }

    /// <summary>The LDAPS port on 127.0.0.1.</summary>
    public int LdapsPort { get; private set; }

    /// <summary>ldap://127.0.0.1:port</summary>
    public string LdapUri => $"ldap://127.0.0.1:{Port}";

    /// <summary>ldaps://127.0.0.1:port</summary>
    public string LdapsUri => $"ldaps://127.0.0.1:{LdapsPort}";

    /// <summary>The CA whose certificate clients must trust, and the server's certificate.</summary>
    public TestCertificateAuthority Certificates { get; }

    /// <summary>The directory holding slapd's configuration, database and certificates.</summary>
    public string DirectoryPath => _directory.Path;

    /// <summary>True while the slapd process runs.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>What slapd wrote to stderr so far (stats-level log: connections, binds, searches).</summary>
    public string Log { get { lock (_log) return _log.ToString(); } }

    /// <summary>Adds entries with the real ldapadd, bound as <see cref="AdminDn"/>. Throws if ldapadd fails.</summary>
    public void Add(string ldif) =>
        ExternalTool.Run("ldapadd", ["-x", "-H", LdapUri, "-D", AdminDn, "-w", AdminPassword], ldif, TimeSpan.FromSeconds(30))
            .EnsureSuccess("ldapadd");

    /// <summary>Kills slapd (SIGKILL, by pid) and waits for it to exit. Idempotent.</summary>
    public void Stop()
    {
        var process = _process;
        _process = null;
        if (process is null)
            return;
        try
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        process.Dispose();
    }

    /// <summary>Stops slapd and deletes its directory.</summary>
    public void Dispose()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        Stop();
        _directory.Dispose();
    }

    private void OnProcessExit(object? sender, EventArgs e) => Dispose();

    private void Start()
    {
        var config = _directory.WriteFile("slapd.conf", $"""
            include /etc/ldap/schema/core.schema
            include /etc/ldap/schema/cosine.schema
            include /etc/ldap/schema/inetorgperson.schema
            include /etc/ldap/schema/nis.schema
            pidfile {_directory["slapd.pid"]}
            argsfile {_directory["slapd.args"]}
            modulepath /usr/lib/ldap
            moduleload back_mdb
            TLSCACertificateFile {Certificates.CaCertificateFile}
            TLSCertificateFile {Certificates.ServerCertificateFile}
            TLSCertificateKeyFile {Certificates.ServerKeyFile}
            database mdb
            maxsize 67108864
            suffix "{BaseDn}"
            rootdn "{AdminDn}"
            rootpw {AdminPassword}
            directory {_directory["data"]}
            index objectClass,uid,member,uniqueMember,memberUid eq
            access to attrs=userPassword by self read by anonymous auth by * none
            access to * by * read
            {_databaseConfig}

            """);
        var start = new ProcessStartInfo("/usr/sbin/slapd")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        // -d stats: stays in the foreground (so the pid is ours to kill) and logs each connection and operation.
        foreach (var argument in new[] { "-d", "stats", "-f", config, "-h", $"{LdapUri}/ {LdapsUri}/" })
            start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start slapd");
        process.ErrorDataReceived += (_, e) => AppendLog(e.Data);
        process.OutputDataReceived += (_, e) => AppendLog(e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _process = process;
        var deadline = Stopwatch.StartNew();
        while (!(LoopbackPort.Accepts(Port) && LoopbackPort.Accepts(LdapsPort)))
        {
            if (process.HasExited)
                throw new InvalidOperationException($"slapd exited with {process.ExitCode}");
            if (deadline.Elapsed > StartTimeout)
                throw new TimeoutException("slapd did not listen within " + StartTimeout);
            Thread.Sleep(50);
        }
    }

    // A benchmark makes slapd log millions of lines: keep the most recent 4 MB of them.
    private void AppendLog(string? line)
    {
        if (line is null)
            return;
        lock (_log)
        {
            if (_log.Length > 4 << 20)
                _log.Remove(0, _log.Length / 2);
            _log.AppendLine(line);
        }
    }
}
