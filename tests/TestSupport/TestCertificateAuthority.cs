namespace AccessHooks.TestSupport;

/// <summary>
/// A throwaway CA and a server certificate for 127.0.0.1 / localhost, made with GnuTLS's certtool
/// (what slapd on Debian links against), for LDAPS and STARTTLS tests.
/// </summary>
public sealed class TestCertificateAuthority
{
    private TestCertificateAuthority(string caCertificate, string serverCertificate, string serverKey)
    {
        CaCertificateFile = caCertificate;
        ServerCertificateFile = serverCertificate;
        ServerKeyFile = serverKey;
    }

    /// <summary>The CA certificate (PEM) clients must trust.</summary>
    public string CaCertificateFile { get; }

    /// <summary>The server certificate (PEM), valid for IP 127.0.0.1 and DNS localhost.</summary>
    public string ServerCertificateFile { get; }

    /// <summary>The server's private key (PEM).</summary>
    public string ServerKeyFile { get; }

    /// <summary>Creates the CA and server certificate as files in <paramref name="directory"/>.</summary>
    public static TestCertificateAuthority Create(string directory)
    {
        string P(string name) => Path.Combine(directory, name);
        File.WriteAllText(P("ca.tmpl"), "cn = AccessHooks Test CA\nca\ncert_signing_key\nexpiration_days = 30\n");
        File.WriteAllText(P("server.tmpl"),
            "cn = 127.0.0.1\nip_address = 127.0.0.1\ndns_name = localhost\ntls_www_server\nencryption_key\nsigning_key\nexpiration_days = 30\n");
        ExternalTool.Run("certtool", "--generate-privkey", "--key-type=ecdsa", "--outfile", P("ca.key")).EnsureSuccess("certtool (CA key)");
        ExternalTool.Run("certtool", "--generate-self-signed", "--load-privkey", P("ca.key"), "--template", P("ca.tmpl"),
            "--outfile", P("ca.pem")).EnsureSuccess("certtool (CA certificate)");
        ExternalTool.Run("certtool", "--generate-privkey", "--key-type=ecdsa", "--outfile", P("server.key")).EnsureSuccess("certtool (server key)");
        ExternalTool.Run("certtool", "--generate-certificate", "--load-privkey", P("server.key"), "--load-ca-certificate", P("ca.pem"),
            "--load-ca-privkey", P("ca.key"), "--template", P("server.tmpl"), "--outfile", P("server.pem")).EnsureSuccess("certtool (server certificate)");
        foreach (var key in new[] { P("ca.key"), P("server.key") })
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return new TestCertificateAuthority(P("ca.pem"), P("server.pem"), P("server.key"));
    }
}
