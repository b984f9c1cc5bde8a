using System.DirectoryServices.Protocols;
using Microsoft.Extensions.Logging;

namespace AccessHooks.Providers.Ldap;

/// <summary>
/// One configured directory: search-then-bind authentication and group lookup over a shared
/// connection pool. Registered as a singleton per <c>AddLdap</c> call, so the password checker and
/// the group provider of an application group use the same pool. A directory that is down, slow or
/// misconfigured makes these methods throw (the host answers 500); they never grant on failure.
/// </summary>
public sealed class LdapDirectory : IDisposable, IStatusSource
{
    private readonly LdapOptions _options;
    private readonly LdapUrl _url;
    private readonly ILogger _logger;
    private readonly LdapCounters _counters = new();
    private readonly LdapConnectionPool _searchPool;
    private readonly LdapConnectionPool _bindPool;
    private readonly string? _privateCaDirectory;

    /// <summary>A directory connection pool for <paramref name="options"/>.</summary>
    public LdapDirectory(LdapOptions options, ILogger<LdapDirectory> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _url = LdapUrl.Parse(options.Url);
        _logger = logger;
        var caDirectory = options.CaCertificateDirectory;
        if (options.CaCertificateFile is { } caFile)
        {
            // libldap (GnuTLS) takes a CA directory per connection, not a file: give it a private
            // directory holding just a link to the file, so later changes of the file are seen.
            _privateCaDirectory = Directory.CreateTempSubdirectory("accesshooks-ldap-ca-").FullName;
            File.CreateSymbolicLink(Path.Combine(_privateCaDirectory, "ca.pem"), Path.GetFullPath(caFile));
            caDirectory = _privateCaDirectory;
        }
        _searchPool = new LdapConnectionPool(options.PoolSize, options.OperationTimeout, ct =>
        {
            var connection = PooledConnection.Open(_url, options, caDirectory, _counters, ct);
            try
            {
                if (!string.IsNullOrEmpty(options.BindDn))
                {
                    Interlocked.Increment(ref _counters.ServiceBinds);
                    if (!connection.TryBind(options.BindDn, options.BindPassword!, ct))
                        throw new LdapException(49, $"The LDAP bind DN {options.BindDn} was refused: wrong BindPassword?");
                }
                return connection;
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        });
        _bindPool = new LdapConnectionPool(options.PoolSize, options.OperationTimeout, ct => PooledConnection.Open(_url, options, caDirectory, _counters, ct));
    }

    /// <summary>The parsed URL in use.</summary>
    public LdapUrl Url => _url;

    /// <summary>Pool counters: connections opened, binds, searches, timeouts.</summary>
    public LdapStatistics Statistics => _counters.Snapshot();

    /// <inheritdoc/>
    public string StatusTitle => $"LDAP {(_url.Secure ? "ldaps" : "ldap")}://{string.Join(",", _url.Hosts)}:{_url.Port}/{_url.BaseDn}";

    /// <inheritdoc/>
    public IEnumerable<KeyValuePair<string, string>> GetStatus()
    {
        var s = Statistics;
        return
        [
            new("PoolSize", _options.PoolSize.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("IdleSearchConnections", _searchPool.IdleCount.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("IdleBindConnections", _bindPool.IdleCount.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("ConnectionsOpened", s.ConnectionsOpened.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("ServiceBinds", s.ServiceBinds.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("UserBinds", s.UserBinds.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("Searches", s.Searches.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("Timeouts", s.Timeouts.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ];
    }

    /// <summary>
    /// Search-then-bind: finds the one entry whose URL attribute equals <paramref name="user"/> and
    /// binds as it with <paramref name="password"/>. NotFound: no such entry. Denied: wrong password,
    /// empty password (never an anonymous bind), or several matching entries. Throws when the user
    /// search was cut short (size limit, referrals) before it could tell.
    /// </summary>
    public AuthResult Authenticate(string user, string password, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(password);
        // RFC 4513: a simple bind with a DN and an empty password is an unauthenticated bind,
        // which many servers accept. It must never count as knowing the password.
        if (password.Length == 0 || password.Contains('\0'))
            return AuthResult.Denied;
        var entry = FindUser(user, cancellationToken);
        if (entry.Outcome != AuthOutcome.Granted)
            return entry.Outcome == AuthOutcome.NotFound ? AuthResult.NotFound : AuthResult.Denied;
        var bound = _bindPool.Use(connection =>
        {
            Interlocked.Increment(ref _counters.UserBinds);
            return connection.TryBind(entry.Dn!, password, cancellationToken);
        }, cancellationToken);
        return bound ? AuthResult.Granted : AuthResult.Denied;
    }

    /// <summary>
    /// The groups <paramref name="user"/> belongs to: those listing the user's DN (member,
    /// uniqueMember) or name (memberUid), then groups containing those groups, to
    /// <see cref="LdapOptions.NestedGroupDepth"/> levels. Unknown user: no groups. Throws when the
    /// user name matches several entries or a search result is incomplete (size limit, referrals).
    /// </summary>
    public IReadOnlyCollection<string> GroupsForUser(string user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        var entry = FindUser(user, cancellationToken);
        if (entry.Outcome == AuthOutcome.NotFound)
            return [];
        // Several entries for one name: whose groups apply is unknowable, and "none" would let a
        // banned user past "Require not dotnet-group". Fail the request instead.
        if (entry.Outcome != AuthOutcome.Granted)
            throw new InvalidOperationException($"LDAP: more than one entry matches {_url.Attribute}={user} under '{_url.BaseDn}'; refusing to list groups for an ambiguous user.");
        var names = new List<string>();
        var seenDns = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var memberClauses = _options.MemberDnAttributes.Select(a => LdapFilter.Equal(a, entry.Dn!))
            .Concat(_options.MemberNameAttributes.Select(a => LdapFilter.Equal(a, entry.Name!)));
        var frontier = SearchGroups(memberClauses, names, seenDns, cancellationToken);
        for (var depth = 0; depth < _options.NestedGroupDepth && frontier.Count > 0; depth++)
        {
            var parentClauses = frontier.SelectMany(dn => _options.MemberDnAttributes.Select(a => LdapFilter.Equal(a, dn)));
            frontier = SearchGroups(parentClauses, names, seenDns, cancellationToken);
        }
        return names;
    }

    private List<string> SearchGroups(IEnumerable<string> memberClauses, List<string> names, HashSet<string> seenDns, CancellationToken cancellationToken)
    {
        var clauses = string.Concat(memberClauses);
        if (clauses.Length == 0)
            return [];
        var filter = $"(&{LdapFilter.Parenthesize(_options.GroupFilter)}(|{clauses}))";
        var nameAttribute = _options.GroupNameAttribute;
        var byDn = string.Equals(nameAttribute, "dn", StringComparison.OrdinalIgnoreCase);
        var searchBase = _options.GroupSearchBase ?? _url.BaseDn;
        var request = new SearchRequest(searchBase, filter, SearchScope.Subtree, byDn ? "1.1" : nameAttribute);
        var response = _searchPool.Use(connection => connection.Search(request, cancellationToken), cancellationToken);
        // A partial list could lack exactly the group a "Require not" excludes.
        LdapIncompleteResultException.ThrowIfIncomplete(response, "group search", searchBase);
        var found = new List<string>();
        foreach (SearchResultEntry group in response.Entries)
        {
            // A group reachable twice (diamond or cycle) is listed and expanded once.
            if (!seenDns.Add(group.DistinguishedName))
                continue;
            found.Add(group.DistinguishedName);
            if (byDn)
            {
                names.Add(group.DistinguishedName);
            }
            else if (group.Attributes[nameAttribute] is { Count: > 0 } values)
            {
                foreach (var value in values.GetValues(typeof(string)))
                    names.Add((string)value);
            }
        }
        return found;
    }

    private (AuthOutcome Outcome, string? Dn, string? Name) FindUser(string user, CancellationToken cancellationToken)
    {
        var filter = $"(&{_url.Filter}{LdapFilter.Equal(_url.Attribute, user)})";
        // Two is enough to tell "exactly one" from "several" without fetching a large result.
        var request = new SearchRequest(_url.BaseDn, filter, _url.Scope, _url.Attribute) { SizeLimit = 2 };
        var response = _searchPool.Use(connection => connection.Search(request, cancellationToken), cancellationToken);
        // Two entries prove "several" however the search ended (our own limit of 2 cuts it short on
        // purpose); fewer, from a truncated or referred search, prove nothing: the user may exist
        // again (or only) where the search did not reach.
        if (response.Entries.Count < 2)
            LdapIncompleteResultException.ThrowIfIncomplete(response, "user search", _url.BaseDn);
        switch (response.Entries.Count)
        {
            case 0:
                return (AuthOutcome.NotFound, null, null);
            case 1:
                var entry = response.Entries[0];
                // memberUid holds the name as stored, which may differ in case from what was typed.
                var name = entry.Attributes[_url.Attribute] is { Count: > 0 } values ? values[0] as string ?? user : user;
                return (AuthOutcome.Granted, entry.DistinguishedName, name);
            default:
                _logger.LogError("LDAP: more than one entry matches {Attribute}={User} under {BaseDn}; refusing the user", _url.Attribute, user, _url.BaseDn);
                return (AuthOutcome.Denied, null, null);
        }
    }

    /// <summary>Closes the pooled connections.</summary>
    public void Dispose()
    {
        _searchPool.Dispose();
        _bindPool.Dispose();
        if (_privateCaDirectory is not null)
        {
            try { Directory.Delete(_privateCaDirectory, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }
}
