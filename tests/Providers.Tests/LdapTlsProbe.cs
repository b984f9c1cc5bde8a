using System.DirectoryServices.Protocols;
using AccessHooks.Providers.Ldap;
using AccessHooks.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace AccessHooks.Providers.Tests;

/// <summary>
/// Runs in a child process (see <see cref="Program"/>), whose libldap starts from the environment
/// the test gave it, and prints one line per probe: <c>name=ok:answer</c> or
/// <c>name=failed:ExceptionType</c>. The raw probes set TLS up the way the provider did before
/// it pinned certificate checking (CA directory, new TLS context), as a control: they show the
/// environment really switches checking off (or adds a CA) for a connection that does not.
/// </summary>
internal static class LdapTlsProbe
{
    public const string Command = "ldap-tls-probe";

    /// <param name="args">
    /// The plain port, the LDAPS port, the CA file slapd's certificate chains to, and another CA
    /// file. Probes named "-default-ca" give the provider no CA, so it uses libldap's default.
    /// </param>
    public static int Run(string[] args)
    {
        var (port, ldapsPort, trustedCa, untrustedCa) = (int.Parse(args[0]), int.Parse(args[1]), args[2], args[3]);
        Report("raw-ldaps-untrusted", () => Raw(ldapsPort, ldaps: true, untrustedCa));
        Report("raw-starttls-untrusted", () => Raw(port, ldaps: false, untrustedCa));
        Report("provider-ldaps-untrusted", () => Provider($"ldaps://127.0.0.1:{ldapsPort}", startTls: false, untrustedCa));
        Report("provider-starttls-untrusted", () => Provider($"ldap://127.0.0.1:{port}", startTls: true, untrustedCa));
        Report("provider-ldaps-trusted", () => Provider($"ldaps://127.0.0.1:{ldapsPort}", startTls: false, trustedCa));
        Report("provider-starttls-trusted", () => Provider($"ldap://127.0.0.1:{port}", startTls: true, trustedCa));
        Report("provider-ldaps-default-ca", () => Provider($"ldaps://127.0.0.1:{ldapsPort}", startTls: false, null));
        Report("provider-starttls-default-ca", () => Provider($"ldap://127.0.0.1:{port}", startTls: true, null));
        return 0;
    }

    /// <summary>Parses what <see cref="Run"/> printed.</summary>
    public static Dictionary<string, string> Parse(string output) => output
        .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(line => line.Split('=', 2))
        .Where(parts => parts.Length == 2)
        .ToDictionary(parts => parts[0], parts => parts[1]);

    private static void Report(string name, Func<string> probe)
    {
        string outcome;
        try
        {
            outcome = "ok:" + probe();
        }
        catch (Exception e)
        {
            outcome = $"failed:{e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}";
        }
        Console.WriteLine($"{name}={outcome}");
    }

    private static string Raw(int port, bool ldaps, string caFile)
    {
        using var caDirectory = new TempDirectory();
        File.Copy(caFile, caDirectory["ca.pem"]);
        using var connection = new LdapConnection(new LdapDirectoryIdentifier("127.0.0.1", port)) { AuthType = AuthType.Anonymous, Timeout = TimeSpan.FromSeconds(5) };
        var session = connection.SessionOptions;
        session.ProtocolVersion = 3;
        if (!OperatingSystem.IsWindows())
        {
            session.TrustedCertificatesDirectory = caDirectory.Path;
            session.StartNewTlsSessionContext();
        }
        session.SecureSocketLayer = ldaps;
        var rootDse = new SearchRequest(string.Empty, "(objectClass=*)", SearchScope.Base, "1.1");
        connection.SendRequest(rootDse);
        if (!ldaps && !OperatingSystem.IsWindows())
        {
            session.StartTransportLayerSecurity(null);
            connection.SendRequest(rootDse);
        }
        return "connected";
    }

    private static string Provider(string uri, bool startTls, string? caFile)
    {
        using var directory = new LdapDirectory(new LdapOptions
        {
            Url = uri + LdapFixture.UserFilterUrlSuffix,
            BindDn = LdapFixture.ReaderDn,
            BindPassword = LdapFixture.ReaderPassword,
            StartTls = startTls,
            CaCertificateFile = caFile,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            OperationTimeout = TimeSpan.FromSeconds(5),
        }, NullLogger<LdapDirectory>.Instance);
        return directory.Authenticate("alice", "alice-pw").Outcome.ToString();
    }
}
