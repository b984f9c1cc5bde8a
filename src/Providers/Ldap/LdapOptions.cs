namespace AccessHooks.Providers.Ldap;

/// <summary>Options of <c>AddLdap</c>, modelled on mod_authnz_ldap's directives (named in each remark).</summary>
public sealed class LdapOptions
{
    /// <summary>
    /// <c>ldap[s]://host[:port]/basedn?attribute?scope?filter</c> (AuthLDAPURL). Defaults: attribute
    /// uid, scope sub, filter (objectClass=*). Required.
    /// </summary>
    public string Url { get; set; } = string.Empty;

    /// <summary>The DN searches bind as (AuthLDAPBindDN); empty: search anonymously.</summary>
    public string? BindDn { get; set; }

    /// <summary>The password of <see cref="BindDn"/> (AuthLDAPBindPassword). Never logged.</summary>
    public string? BindPassword { get; set; }

    /// <summary>Upgrade ldap:// connections with STARTTLS before any bind (AuthLDAPURL ... STARTTLS). Ignored for ldaps://.</summary>
    public bool StartTls { get; set; }

    /// <summary>A PEM CA certificate file that server certificates must chain to (LDAPTrustedGlobalCert CA_BASE64).</summary>
    public string? CaCertificateFile { get; set; }

    /// <summary>A directory of PEM CA certificates, as an alternative to <see cref="CaCertificateFile"/>.</summary>
    public string? CaCertificateDirectory { get; set; }

    /// <summary>
    /// Check the server's certificate on ldaps:// and STARTTLS: it must chain to a trusted CA
    /// (<see cref="CaCertificateFile"/> or <see cref="CaCertificateDirectory"/> when set, else
    /// libldap's default: TLS_CACERT or TLS_CACERTDIR in ldap.conf) and name the host of the URL.
    /// Default true, and then it holds whatever ldap.conf, an ldaprc or LDAPTLS_REQCERT say
    /// (LDAPVerifyServerCert On).
    /// False turns checking off, so anyone on the path can read the bind DN's and users' passwords:
    /// for tests only.
    /// </summary>
    public bool VerifyServerCertificate { get; set; } = true;

    /// <summary>Longest time to establish a connection, TLS included (LDAPConnectionTimeout). Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest time for one bind or search (LDAPTimeout). Default 10 s. A slower directory fails the request (500).</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Most connections open at once for searches, and as many for user binds (LDAPConnectionPoolTTL's
    /// pool). A request waits up to <see cref="OperationTimeout"/> for a free one. Default 10.
    /// </summary>
    public int PoolSize { get; set; } = 10;

    /// <summary>Also register the directory as a group provider. Default true.</summary>
    public bool ProvideGroups { get; set; } = true;

    /// <summary>Where groups are searched (subtree). Default: the URL's base DN.</summary>
    public string? GroupSearchBase { get; set; }

    /// <summary>Which entries are groups.</summary>
    public string GroupFilter { get; set; } = "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))";

    /// <summary>Attributes that hold members as DNs (AuthLDAPGroupAttribute, AuthLDAPGroupAttributeIsDN on).</summary>
    public IList<string> MemberDnAttributes { get; set; } = ["member", "uniqueMember"];

    /// <summary>Attributes that hold members by user name (posixGroup's memberUid). Empty list: none.</summary>
    public IList<string> MemberNameAttributes { get; set; } = ["memberUid"];

    /// <summary>
    /// The attribute whose value <c>Require dotnet-group</c> compares with (default cn); the
    /// special value <c>dn</c> lists groups by distinguished name instead.
    /// </summary>
    public string GroupNameAttribute { get; set; } = "cn";

    /// <summary>How many levels of groups-in-groups are followed (AuthLDAPMaxSubGroupDepth). Default 10; 0 = none.</summary>
    public int NestedGroupDepth { get; set; } = 10;

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Url))
            throw new InvalidOperationException("LDAP: Url is required.");
        _ = LdapUrl.Parse(Url);
        if (!string.IsNullOrEmpty(BindDn) && string.IsNullOrEmpty(BindPassword))
            throw new InvalidOperationException("LDAP: BindDn is set but BindPassword is empty (an unauthenticated bind would silently be anonymous).");
        if (PoolSize < 1)
            throw new InvalidOperationException("LDAP: PoolSize must be at least 1.");
        if (ConnectTimeout <= TimeSpan.Zero || OperationTimeout <= TimeSpan.Zero)
            throw new InvalidOperationException("LDAP: timeouts must be positive.");
        if (NestedGroupDepth < 0)
            throw new InvalidOperationException("LDAP: NestedGroupDepth cannot be negative.");
        if (CaCertificateFile is not null && !File.Exists(CaCertificateFile))
            throw new InvalidOperationException($"LDAP: CaCertificateFile {CaCertificateFile} does not exist.");
    }
}
