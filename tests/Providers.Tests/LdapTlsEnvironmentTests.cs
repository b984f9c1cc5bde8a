using AccessHooks.Providers.Ldap;
using AccessHooks.TestSupport;

namespace AccessHooks.Providers.Tests;

/// <summary>
/// TLS to the directory checks the server's certificate whatever libldap's process-wide defaults
/// say: LDAPTLS_REQCERT, or an ldaprc in the working or home directory. libldap reads those once
/// per process, at its first call, so each case runs <see cref="LdapTlsProbe"/> in a child process
/// (dotnet exec of this test assembly, see <see cref="Program"/>) started with them.
/// </summary>
public sealed class LdapTlsEnvironmentTests(LdapFixture fixture) : IClassFixture<LdapFixture>, IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("LDAPTLS_REQCERT=never")]
    [InlineData("ldaprc in the working directory")]
    [InlineData(".ldaprc in the home directory")]
    public void Untrusted_server_certificate_fails_closed_even_where_libldap_defaults_turn_checking_off(string defaults)
    {
        var (outcomes, all) = Probe(defaults switch
        {
            "LDAPTLS_REQCERT=never" => new() { ["LDAPTLS_REQCERT"] = "never" },
            "ldaprc in the working directory" => new() { ["work/ldaprc"] = "TLS_REQCERT never\n" },
            _ => new() { ["home/.ldaprc"] = "TLS_REQCERT allow\n" },
        });

        // The control: set up as the provider used to (CA directory, new TLS context, checking
        // left to libldap), a connection takes the server's certificate in this environment
        // although it does not chain to the CA given, so the case really tests something.
        Assert.True(outcomes["raw-ldaps-untrusted"].StartsWith("ok:", StringComparison.Ordinal), all);
        Assert.True(outcomes["raw-starttls-untrusted"].StartsWith("ok:", StringComparison.Ordinal), all);
        // The provider refuses it, over LDAPS and STARTTLS alike, before any credentials are sent:
        // with the CA of its options, and with libldap's default CA (the system's, not the test CA).
        foreach (var probe in new[] { "provider-ldaps-untrusted", "provider-starttls-untrusted", "provider-ldaps-default-ca", "provider-starttls-default-ca" })
        {
            Assert.True(outcomes[probe].StartsWith("failed:LdapException", StringComparison.Ordinal), $"{probe}: {all}");
        }
        // And with the right CA, the same process works.
        Assert.Equal("ok:Granted", outcomes["provider-ldaps-trusted"]);
        Assert.Equal("ok:Granted", outcomes["provider-starttls-trusted"]);
    }

    [Fact]
    public void Without_a_ca_in_the_options_libldaps_default_ca_is_trusted_and_checked()
    {
        // LDAPTLS_CACERT sets libldap's default CA, as TLS_CACERT in ldap.conf does.
        var (outcomes, all) = Probe(new() { ["LDAPTLS_CACERT"] = fixture.Server.Certificates.CaCertificateFile });
        Assert.True(outcomes["provider-ldaps-default-ca"] == "ok:Granted", all);
        Assert.True(outcomes["provider-starttls-default-ca"] == "ok:Granted", all);
        // A CA in the options replaces the default rather than adding to it.
        Assert.True(outcomes["provider-ldaps-untrusted"].StartsWith("failed:LdapException", StringComparison.Ordinal), all);
        Assert.True(outcomes["provider-starttls-untrusted"].StartsWith("failed:LdapException", StringComparison.Ordinal), all);
    }

    [Fact]
    public void Checking_can_be_turned_off_explicitly_in_the_options()
    {
        using var emptyCa = new TempDirectory();
        using var unverified = fixture.Directory(o =>
        {
            o.Url = fixture.Server.LdapsUri + LdapFixture.UserFilterUrlSuffix;
            o.CaCertificateDirectory = emptyCa.Path;
            o.VerifyServerCertificate = false;
        });
        Assert.Equal(AuthResult.Granted, unverified.Authenticate("alice", "alice-pw"));
        using var checking = fixture.Directory(o =>
        {
            o.Url = fixture.Server.LdapsUri + LdapFixture.UserFilterUrlSuffix;
            o.CaCertificateDirectory = emptyCa.Path;
        });
        Assert.ThrowsAny<System.DirectoryServices.Protocols.LdapException>(() => checking.Authenticate("alice", "alice-pw"));
    }

    /// <summary>
    /// Runs the probes in a child process. <paramref name="setup"/>: environment variables, or files
    /// when the name starts with "work/" (the child's working directory) or "home/" (its HOME).
    /// The child gets none of this process's LDAP* variables and a home of its own.
    /// </summary>
    private (Dictionary<string, string> Outcomes, string Output) Probe(Dictionary<string, string> setup)
    {
        var home = _directory.CreateSubdirectory("home");
        var work = _directory.CreateSubdirectory("work");
        // A CA the server's certificate does not chain to: the one the provider is told to trust.
        var otherCa = TestCertificateAuthority.Create(_directory.CreateSubdirectory("other-ca")).CaCertificateFile;
        var environment = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(name => name.StartsWith("LDAP", StringComparison.Ordinal))
            .ToDictionary(name => name, string? (_) => null);
        environment["HOME"] = home;
        foreach (var (name, value) in setup)
        {
            if (name.StartsWith("work/", StringComparison.Ordinal) || name.StartsWith("home/", StringComparison.Ordinal))
                File.WriteAllText(_directory[name], value);
            else
                environment[name] = value;
        }
        var result = ExternalTool.Run(DotnetHost(),
            ["exec", typeof(LdapTlsProbe).Assembly.Location, LdapTlsProbe.Command,
                fixture.Server.Port.ToString(), fixture.Server.LdapsPort.ToString(), fixture.Server.Certificates.CaCertificateFile, otherCa],
            timeout: TimeSpan.FromSeconds(120), workingDirectory: work, environment: environment).EnsureSuccess("LDAP TLS probe");
        return (LdapTlsProbe.Parse(result.StandardOutput), result.StandardOutput + result.StandardError);
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : "dotnet";
}
