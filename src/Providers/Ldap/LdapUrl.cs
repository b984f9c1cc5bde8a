using System.DirectoryServices.Protocols;

namespace AccessHooks.Providers.Ldap;

/// <summary>
/// An RFC 4516 URL as mod_authnz_ldap's AuthLDAPURL takes it:
/// <c>ldap[s]://host[:port] [host2...]/basedn?attribute?scope?filter</c>, with its defaults:
/// attribute uid, scope sub, filter (objectClass=*).
/// </summary>
public sealed record LdapUrl(bool Secure, IReadOnlyList<string> Hosts, int Port, string BaseDn, string Attribute, SearchScope Scope, string Filter)
{
    /// <summary>Parses an AuthLDAPURL-style URL (<c>ldap://host:port/basedn?attribute?scope?filter</c>); throws <see cref="FormatException"/> when it is not one.</summary>
    public static LdapUrl Parse(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        bool secure;
        string rest;
        if (url.StartsWith("ldaps://", StringComparison.OrdinalIgnoreCase)) { secure = true; rest = url[8..]; }
        else if (url.StartsWith("ldap://", StringComparison.OrdinalIgnoreCase)) { secure = false; rest = url[7..]; }
        else throw new FormatException("An LDAP URL starts with ldap:// or ldaps://");

        var slash = rest.IndexOf('/');
        var hostPart = slash < 0 ? rest : rest[..slash];
        var pathPart = slash < 0 ? string.Empty : rest[(slash + 1)..];
        var port = secure ? 636 : 389;
        var hosts = new List<string>();
        // Several hosts separated by blanks (mod_authnz_ldap); libldap tries them in order. One port for all.
        foreach (var hostPort in hostPart.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var (host, hostPortNumber) = SplitHostPort(hostPort);
            hosts.Add(host.Length == 0 ? "localhost" : host);
            if (hostPortNumber is { } p)
                port = p;
        }
        if (hosts.Count == 0)
            hosts.Add("localhost");

        var fields = pathPart.Split('?');
        string Field(int i) => i < fields.Length ? Uri.UnescapeDataString(fields[i]) : string.Empty;
        var attribute = Field(1).Split(',')[0];
        var scope = Field(2).ToLowerInvariant() switch
        {
            "" or "sub" => SearchScope.Subtree,
            "one" => SearchScope.OneLevel,
            "base" => SearchScope.Base,
            var other => throw new FormatException($"Unknown LDAP URL scope '{other}' (base, one or sub)"),
        };
        var filter = Field(3);
        return new LdapUrl(secure, hosts, port, Field(0),
            attribute.Length == 0 ? "uid" : attribute, scope,
            filter.Length == 0 ? "(objectClass=*)" : LdapFilter.Parenthesize(filter));
    }

    private static (string Host, int? Port) SplitHostPort(string hostPort)
    {
        if (hostPort.StartsWith('['))
        {
            var close = hostPort.IndexOf(']');
            if (close < 0) throw new FormatException($"Bad IPv6 host in LDAP URL: {hostPort}");
            var host = hostPort[1..close];
            return hostPort.Length > close + 1 && hostPort[close + 1] == ':' ? (host, ParsePort(hostPort[(close + 2)..])) : (host, null);
        }
        var colon = hostPort.LastIndexOf(':');
        return colon < 0 ? (hostPort, null) : (hostPort[..colon], ParsePort(hostPort[(colon + 1)..]));
    }

    private static int ParsePort(string text) =>
        int.TryParse(text, out var port) && port is > 0 and < 65536 ? port : throw new FormatException($"Bad port in LDAP URL: {text}");
}
