using System.DirectoryServices.Protocols;
using System.Net;

namespace AccessHooks.Providers.Ldap;

/// <summary>
/// One libldap connection of the pool with the operations the provider needs, each bounded by a
/// <see cref="LdapWatchdog"/>. A connection that failed at the transport level or timed out is
/// marked <see cref="Broken"/> and never returned to the pool.
/// </summary>
internal sealed class PooledConnection : IDisposable
{
    private readonly LdapConnection _connection;
    private readonly TimeSpan _operationTimeout;
    private readonly LdapCounters _counters;

    private PooledConnection(LdapConnection connection, TimeSpan operationTimeout, LdapCounters counters)
    {
        _connection = connection;
        _operationTimeout = operationTimeout;
        _counters = counters;
    }

    public bool Broken { get; private set; }

    /// <summary>Whether this connection came from the pool (so a failure may just mean it went stale).</summary>
    public bool Reused { get; set; }

    /// <summary>Connects (and upgrades to TLS) within the connect timeout; throws <see cref="TimeoutException"/> or <see cref="LdapException"/>.</summary>
    public static PooledConnection Open(LdapUrl url, LdapOptions options, string? caDirectory, LdapCounters counters, CancellationToken cancellationToken)
    {
        var identifier = new LdapDirectoryIdentifier([.. url.Hosts], url.Port, fullyQualifiedDnsHostName: false, connectionless: false);
        var connection = new LdapConnection(identifier) { AuthType = AuthType.Basic, AutoBind = false, Timeout = options.OperationTimeout };
        var pooled = new PooledConnection(connection, options.OperationTimeout, counters);
        try
        {
            var session = connection.SessionOptions;
            session.ProtocolVersion = 3;
            // Referrals would make libldap connect elsewhere, unbounded and with our credentials.
            session.ReferralChasing = ReferralChasingOptions.None;
            if (url.Secure || options.StartTls)
            {
                if (OperatingSystem.IsWindows())
                    throw new PlatformNotSupportedException("The LDAP provider's TLS set-up targets OpenLDAP's libldap (Linux).");
                if (caDirectory is not null)
                    session.TrustedCertificatesDirectory = caDirectory;
                PinCertificateChecking(connection, options, configuredCa: caDirectory is not null);
                // The connection's own TLS context, built from the options just set (without it the
                // process-wide default context, made from libldap's defaults, would be used).
                session.StartNewTlsSessionContext();
                if (url.Secure)
                    session.SecureSocketLayer = true;
            }
            NativeLdap.TrySetNetworkTimeout(connection, options.ConnectTimeout);
            Interlocked.Increment(ref counters.ConnectionsOpened);
            // libldap connects lazily; a root DSE read (no attributes) makes the connection, and
            // STARTTLS needs an established connection before any credentials go over it.
            pooled.Run(options.ConnectTimeout, cancellationToken, c =>
                c.SendRequest(new SearchRequest(string.Empty, "(objectClass=*)", SearchScope.Base, "1.1")));
            if (!url.Secure && options.StartTls)
                pooled.StartTls(options.ConnectTimeout, cancellationToken);
            return pooled;
        }
        catch
        {
            pooled.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Upgrades the connection with STARTTLS. slapd refuses it with operationsError ("cannot start
    /// TLS when operations are outstanding") while it is still retiring the root DSE search that
    /// opened the connection, although that search's result has arrived: about one connection in a
    /// hundred. Nothing but that search went over the plain connection, so asking again a moment
    /// later is safe; any other refusal, or the same one a few times over, fails the connection.
    /// </summary>
    private void StartTls(TimeSpan timeout, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Run(timeout, cancellationToken, c => { if (!OperatingSystem.IsWindows()) c.SessionOptions.StartTransportLayerSecurity(null); return null; });
                return;
            }
            catch (TlsOperationException e) when (attempt < 5 && e.Response?.ResultCode == ResultCode.OperationsError)
            {
                Thread.Sleep(10 * attempt);
            }
        }
    }

    /// <summary>
    /// Every libldap connection starts from process-wide defaults that libldap reads once, from
    /// ldap.conf, an ldaprc in the working or home directory, and LDAPTLS_* variables; so
    /// "TLS_REQCERT never" in any of them would switch certificate checks off for this provider too.
    /// Set checking on this connection instead. Without a CA in the options, the connection trusts
    /// libldap's default CA (TLS_CACERT), which it does not inherit by itself. Not being able to do
    /// either is an error, not a reason to connect unchecked.
    /// </summary>
    private static void PinCertificateChecking(LdapConnection connection, LdapOptions options, bool configuredCa)
    {
        if (!NativeLdap.TrySetRequireCertificate(connection, options.VerifyServerCertificate) ||
            (!configuredCa && !NativeLdap.TryUseDefaultCertificateAuthorities(connection)))
            throw new InvalidOperationException(
                "LDAP: cannot set certificate checking on the libldap connection (has System.DirectoryServices.Protocols changed?); refusing to use TLS without it.");
    }

    /// <summary>Binds as <paramref name="dn"/>. False on invalid credentials; throws on anything transport-level.</summary>
    public bool TryBind(string dn, string password, CancellationToken cancellationToken)
    {
        try
        {
            Run(_operationTimeout, cancellationToken, c => { c.Bind(new NetworkCredential(dn, password)); return null; });
            return true;
        }
        catch (LdapException e) when (IsCredentialRefusal(e))
        {
            return false;
        }
    }

    public SearchResponse Search(SearchRequest request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _counters.Searches);
        request.TimeLimit = _operationTimeout;
        try
        {
            return (SearchResponse)Run(_operationTimeout, cancellationToken, c => c.SendRequest(request, _operationTimeout))!;
        }
        catch (DirectoryOperationException e) when (e.Response is SearchResponse partial && partial.ResultCode == ResultCode.SizeLimitExceeded)
        {
            // More entries than a size limit (the request's or the server's): the caller decides
            // whether what did arrive answers its question (LdapIncompleteResultException).
            return partial;
        }
    }

    private DirectoryResponse? Run(TimeSpan timeout, CancellationToken cancellationToken, Func<LdapConnection, DirectoryResponse?> operation)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var watchdog = new LdapWatchdog(_connection, timeout, cancellationToken);
        try
        {
            return operation(_connection);
        }
        catch (Exception e) when (watchdog.Fired || e is LdapException { ErrorCode: 85 or -5 })
        {
            Broken = true;
            Interlocked.Increment(ref _counters.Timeouts);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"The LDAP server did not answer within {timeout.TotalSeconds:0.#} s.", e);
        }
        catch (LdapException e) when (IsCredentialRefusal(e))
        {
            throw; // an answer, not a failure: the connection stays usable
        }
        catch (DirectoryOperationException)
        {
            throw; // the server answered with an error result (no such base DN, say)
        }
        catch (Exception)
        {
            // Server down, TLS failure, protocol error: do not hand this connection out again.
            Broken = true;
            throw;
        }
    }

    /// <summary>
    /// The server answered the bind and refused these credentials; the connection itself is fine.
    /// 49 invalid credentials (wrong password, no password on the entry), 48 inappropriate
    /// authentication, 50 insufficient access, 53 unwilling to perform (locked or disabled account).
    /// </summary>
    private static bool IsCredentialRefusal(LdapException e) => e.ErrorCode is 48 or 49 or 50 or 53;

    public void Dispose() => _connection.Dispose();
}
