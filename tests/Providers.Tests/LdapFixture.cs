using AccessHooks.Providers.Ldap;
using AccessHooks.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace AccessHooks.Providers.Tests;

/// <summary>
/// One slapd for the LDAP tests, seeded with ldapadd: people, a reader account, a reader whose
/// searches slapd cuts off after one entry, and groups of every kind.
/// </summary>
public sealed class LdapFixture : IDisposable
{
    public const string ReaderDn = "cn=reader,dc=example,dc=org";
    public const string ReaderPassword = "reader-secret";
    public const string LimitedReaderDn = "cn=limited-reader,dc=example,dc=org";
    public const string LimitedReaderPassword = "limited-secret";
    public const string UserFilterUrlSuffix = "/dc=example,dc=org?uid?sub?(objectClass=inetOrgPerson)";

    public LdapFixture()
    {
        // A server-side size limit of one entry per search for the limited reader only.
        Server = SlapdServer.WithDatabaseConfig($"limits dn.exact=\"{LimitedReaderDn}\" size=1");
        Server.Add($"""
            dn: {ReaderDn}
            objectClass: organizationalRole
            objectClass: simpleSecurityObject
            cn: reader
            userPassword: {ReaderPassword}

            dn: {LimitedReaderDn}
            objectClass: organizationalRole
            objectClass: simpleSecurityObject
            cn: limited-reader
            userPassword: {LimitedReaderPassword}

            dn: ou=people,dc=example,dc=org
            objectClass: organizationalUnit
            ou: people

            dn: ou=others,dc=example,dc=org
            objectClass: organizationalUnit
            ou: others

            dn: ou=groups,dc=example,dc=org
            objectClass: organizationalUnit
            ou: groups

            {Person("alice", "alice-pw")}
            {Person("bob", "bob-pw")}
            {Person("carol", "carol-pw")}
            {Person("jürgen", "pässwört")}
            {Person("twin", "twin-pw")}
            dn: uid=twin,ou=others,dc=example,dc=org
            objectClass: inetOrgPerson
            uid: twin
            cn: twin
            sn: twin
            userPassword: twin-pw

            dn: cn=staff,ou=groups,dc=example,dc=org
            objectClass: groupOfNames
            cn: staff
            member: uid=alice,ou=people,dc=example,dc=org

            dn: cn=admins,ou=groups,dc=example,dc=org
            objectClass: groupOfUniqueNames
            cn: admins
            uniqueMember: uid=bob,ou=people,dc=example,dc=org

            dn: cn=unix,ou=groups,dc=example,dc=org
            objectClass: posixGroup
            cn: unix
            gidNumber: 5000
            memberUid: alice

            dn: cn=level1,ou=groups,dc=example,dc=org
            objectClass: groupOfNames
            cn: level1
            member: uid=carol,ou=people,dc=example,dc=org

            dn: cn=level2,ou=groups,dc=example,dc=org
            objectClass: groupOfUniqueNames
            cn: level2
            uniqueMember: cn=level1,ou=groups,dc=example,dc=org

            dn: cn=level3,ou=groups,dc=example,dc=org
            objectClass: groupOfNames
            cn: level3
            member: cn=level2,ou=groups,dc=example,dc=org

            """);
    }

    public SlapdServer Server { get; }

    private static string Person(string uid, string password) => $"""
        dn: uid={uid},ou=people,dc=example,dc=org
        objectClass: inetOrgPerson
        uid: {uid}
        cn: {uid}
        sn: {uid}
        userPassword: {password}

        """;

    public LdapOptions Options(Action<LdapOptions>? configure = null)
    {
        var options = new LdapOptions
        {
            Url = Server.LdapUri + UserFilterUrlSuffix,
            BindDn = ReaderDn,
            BindPassword = ReaderPassword,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            OperationTimeout = TimeSpan.FromSeconds(5),
        };
        configure?.Invoke(options);
        return options;
    }

    public LdapDirectory Directory(Action<LdapOptions>? configure = null, Microsoft.Extensions.Logging.ILogger<LdapDirectory>? logger = null) =>
        new(Options(configure), logger ?? NullLogger<LdapDirectory>.Instance);

    public void Dispose() => Server.Dispose();
}
