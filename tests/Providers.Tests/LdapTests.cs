using System.Diagnostics;
using System.DirectoryServices.Protocols;
using System.Net;
using System.Net.Sockets;
using AccessHooks.Providers.Ldap;
using AccessHooks.TestSupport;

namespace AccessHooks.Providers.Tests;

/// <summary>The LDAP provider against a real slapd.</summary>
public sealed class LdapTests(LdapFixture fixture) : IClassFixture<LdapFixture>
{
    [Fact]
    public void Search_then_bind_grants_right_and_denies_wrong_passwords()
    {
        using var directory = fixture.Directory();
        Assert.Equal(AuthResult.Granted, directory.Authenticate("alice", "alice-pw"));
        Assert.Equal(AuthResult.Denied, directory.Authenticate("alice", "bob-pw"));
        Assert.Equal(AuthResult.Denied, directory.Authenticate("alice", "alice-pW"));
        Assert.Equal(AuthResult.NotFound, directory.Authenticate("nobody", "alice-pw"));
    }

    [Fact]
    public void Empty_password_is_denied_without_an_unauthenticated_bind()
    {
        using var directory = fixture.Directory();
        Assert.Equal(AuthResult.Denied, directory.Authenticate("alice", ""));
        Assert.Equal(0, directory.Statistics.UserBinds);
        Assert.Equal(AuthResult.Denied, directory.Authenticate("alice", "alice-pw\0"));
    }

    [Theory]
    [InlineData("*")]
    [InlineData("admin)(uid=*")]
    [InlineData("*)(|(uid=*")]
    [InlineData("alice\0")]
    [InlineData("\0")]
    [InlineData("ali*")]
    [InlineData("alice)(objectClass=*")]
    [InlineData("\\61lice")]
    public void Filter_metacharacters_in_user_names_match_nothing(string user)
    {
        using var directory = fixture.Directory();
        Assert.Equal(AuthResult.NotFound, directory.Authenticate(user, "alice-pw"));
        Assert.Empty(directory.GroupsForUser(user));
    }

    [Fact]
    public void Non_ascii_user_and_password()
    {
        using var directory = fixture.Directory();
        Assert.Equal(AuthResult.Granted, directory.Authenticate("jürgen", "pässwört"));
        Assert.Equal(AuthResult.Denied, directory.Authenticate("jürgen", "passwort"));
        Assert.Equal(AuthResult.NotFound, directory.Authenticate("jurgen", "pässwört"));
    }

    [Fact]
    public void Two_entries_with_the_same_uid_deny_and_log()
    {
        var logger = new ListLogger<LdapDirectory>();
        using var directory = fixture.Directory(logger: logger);
        Assert.Equal(AuthResult.Denied, directory.Authenticate("twin", "twin-pw"));
        Assert.Contains(logger.Lines, l => l.StartsWith("Error") && l.Contains("more than one entry") && l.Contains("twin"));
        Assert.DoesNotContain(logger.Lines, l => l.Contains("twin-pw"));
    }

    [Fact]
    public void Groups_by_member_uniqueMember_and_memberUid()
    {
        using var directory = fixture.Directory();
        Assert.Equal(["staff", "unix"], directory.GroupsForUser("alice").Order());
        Assert.Equal(["admins"], directory.GroupsForUser("bob"));
        Assert.Empty(directory.GroupsForUser("nobody"));
    }

    [Fact]
    public void Nested_groups_three_deep_follow_the_configured_depth()
    {
        using (var directory = fixture.Directory())
            Assert.Equal(["level1", "level2", "level3"], directory.GroupsForUser("carol").Order());
        using (var directory = fixture.Directory(o => o.NestedGroupDepth = 1))
            Assert.Equal(["level1", "level2"], directory.GroupsForUser("carol").Order());
        using (var directory = fixture.Directory(o => o.NestedGroupDepth = 0))
            Assert.Equal(["level1"], directory.GroupsForUser("carol"));
        using (var directory = fixture.Directory(o => o.GroupNameAttribute = "dn"))
            Assert.Contains("cn=level3,ou=groups,dc=example,dc=org", directory.GroupsForUser("carol"));
    }

    [Fact]
    public void Pool_reuses_connections_one_user_bind_per_check()
    {
        using var directory = fixture.Directory(o => o.PoolSize = 4);
        for (var i = 0; i < 30; i++)
            Assert.Equal(AuthResult.Granted, directory.Authenticate("alice", "alice-pw"));
        var sequential = directory.Statistics;
        Assert.Equal(2, sequential.ConnectionsOpened);   // one search, one bind connection
        Assert.Equal(1, sequential.ServiceBinds);
        Assert.Equal(30, sequential.UserBinds);
        Assert.Equal(30, sequential.Searches);

        // A refused password is an answer, not a broken connection: nothing is reopened.
        for (var i = 0; i < 5; i++)
            Assert.Equal(AuthResult.Denied, directory.Authenticate("alice", "wrong"));
        Assert.Equal(2, directory.Statistics.ConnectionsOpened);

        Parallel.For(0, 80, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
            Assert.Equal(AuthResult.Granted, directory.Authenticate("bob", "bob-pw")));
        var parallel = directory.Statistics;
        Assert.True(parallel.ConnectionsOpened <= 8, $"{parallel.ConnectionsOpened} connections for a pool of 4 per kind");
        Assert.True(parallel.ServiceBinds <= 4, $"{parallel.ServiceBinds} service binds: search connections were not reused");
        Assert.Equal(115, parallel.UserBinds);
    }

    [Fact]
    public void Starttls_with_the_test_ca()
    {
        using var directory = fixture.Directory(o => { o.StartTls = true; o.CaCertificateFile = fixture.Server.Certificates.CaCertificateFile; });
        var before = CountStartTls();
        Assert.Equal(AuthResult.Granted, directory.Authenticate("alice", "alice-pw"));
        Assert.Equal(AuthResult.Denied, directory.Authenticate("alice", "wrong"));
        // Both the search and the bind connection upgraded before sending credentials.
        Assert.True(WaitFor(() => CountStartTls() >= before + 2), "slapd logged no STARTTLS:\n" + fixture.Server.Log);
    }

    [Fact]
    public void Starttls_connections_open_reliably()
    {
        // slapd answers about one STARTTLS in a hundred with "operations are outstanding" (the
        // search that opened the connection is still being retired); that must not fail requests.
        var failures = new List<string>();
        for (var i = 0; i < 300; i++)
        {
            using var directory = fixture.Directory(o => { o.StartTls = true; o.CaCertificateFile = fixture.Server.Certificates.CaCertificateFile; });
            var e = Record.Exception(() => directory.Authenticate("alice", "alice-pw"));
            if (e is not null)
                failures.Add(e.Message);
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of 300 connections failed: {string.Join("; ", failures.Distinct())}");
    }

    [Fact]
    public void Ldaps_with_the_test_ca()
    {
        using var directory = fixture.Directory(o =>
        {
            o.Url = fixture.Server.LdapsUri + LdapFixture.UserFilterUrlSuffix;
            o.CaCertificateFile = fixture.Server.Certificates.CaCertificateFile;
        });
        Assert.Equal(AuthResult.Granted, directory.Authenticate("alice", "alice-pw"));
        Assert.Equal(["staff", "unix"], directory.GroupsForUser("alice").Order());
    }

    [Fact]
    public void Ldaps_and_starttls_with_an_untrusted_certificate_fail_closed()
    {
        using var emptyCa = new TempDirectory();
        using (var ldaps = fixture.Directory(o => { o.Url = fixture.Server.LdapsUri + LdapFixture.UserFilterUrlSuffix; o.CaCertificateDirectory = emptyCa.Path; }))
            Assert.ThrowsAny<LdapException>(() => ldaps.Authenticate("alice", "alice-pw"));
        using (var starttls = fixture.Directory(o => { o.StartTls = true; o.CaCertificateDirectory = emptyCa.Path; }))
            Assert.ThrowsAny<LdapException>(() => starttls.Authenticate("alice", "alice-pw"));
    }

    [Fact]
    public void Wrong_bind_password_fails_closed()
    {
        using var directory = fixture.Directory(o => o.BindPassword = "not-the-reader-password");
        Assert.ThrowsAny<LdapException>(() => directory.Authenticate("alice", "alice-pw"));
    }

    [Fact]
    public void Directory_stopped_mid_run_fails_closed_with_an_exception()
    {
        using var server = new SlapdServer();
        server.Add("""
            dn: uid=dave,dc=example,dc=org
            objectClass: inetOrgPerson
            uid: dave
            cn: dave
            sn: dave
            userPassword: dave-pw

            """);
        using var directory = new LdapDirectory(new LdapOptions
        {
            Url = server.LdapUri + "/dc=example,dc=org",
            BindDn = SlapdServer.AdminDn,
            BindPassword = SlapdServer.AdminPassword,
            ConnectTimeout = TimeSpan.FromSeconds(2),
            OperationTimeout = TimeSpan.FromSeconds(2),
        }, Microsoft.Extensions.Logging.Abstractions.NullLogger<LdapDirectory>.Instance);
        Assert.Equal(AuthResult.Granted, directory.Authenticate("dave", "dave-pw"));

        server.Stop();
        var timer = Stopwatch.StartNew();
        for (var i = 0; i < 3; i++)
        {
            var e = Record.Exception(() => directory.Authenticate("dave", "dave-pw"));
            Assert.True(e is LdapException or TimeoutException, $"expected a failure, got {e?.ToString() ?? "an answer"}");
            Assert.ThrowsAny<Exception>(() => directory.GroupsForUser("dave"));
        }
        Assert.True(timer.Elapsed < TimeSpan.FromSeconds(15), $"took {timer.Elapsed}");
    }

    [Theory]
    [InlineData("ldap", false)]
    [InlineData("ldaps", false)]
    [InlineData("ldap", true)]
    public async Task Server_that_accepts_and_never_answers_times_out_in_bounded_time(string scheme, bool startTls)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var held = new List<TcpClient>();
        using var stop = new CancellationTokenSource();
        var acceptor = Task.Run(async () =>
        {
            try
            {
                while (true)
                    held.Add(await listener.AcceptTcpClientAsync(stop.Token));
            }
            catch (OperationCanceledException)
            {
            }
        });
        try
        {
            using var directory = new LdapDirectory(new LdapOptions
            {
                Url = $"{scheme}://127.0.0.1:{port}/dc=example,dc=org",
                BindDn = "cn=reader,dc=example,dc=org",
                BindPassword = "x",
                StartTls = startTls,
                CaCertificateFile = fixture.Server.Certificates.CaCertificateFile,
                ConnectTimeout = TimeSpan.FromSeconds(1),
                OperationTimeout = TimeSpan.FromSeconds(1),
            }, Microsoft.Extensions.Logging.Abstractions.NullLogger<LdapDirectory>.Instance);
            var timer = Stopwatch.StartNew();
            var check = Task.Run(() => directory.Authenticate("alice", "alice-pw"));
            var finished = await Task.WhenAny(check, Task.Delay(TimeSpan.FromSeconds(20)));
            Assert.Same(check, finished);
            await Assert.ThrowsAsync<TimeoutException>(() => check);
            Assert.True(timer.Elapsed < TimeSpan.FromSeconds(6), $"took {timer.Elapsed}");
            Assert.True(directory.Statistics.Timeouts >= 1);
        }
        finally
        {
            stop.Cancel();
            listener.Stop();
            await acceptor;
            foreach (var client in held)
                client.Dispose();
        }
    }

    private int CountStartTls() => fixture.Server.Log.Split('\n').Count(l => l.Contains("STARTTLS"));

    private static bool WaitFor(Func<bool> condition)
    {
        var timer = Stopwatch.StartNew();
        while (!condition())
        {
            if (timer.Elapsed > TimeSpan.FromSeconds(5))
                return false;
            Thread.Sleep(20);
        }
        return true;
    }
}
