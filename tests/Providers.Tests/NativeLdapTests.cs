using System.DirectoryServices.Protocols;
using AccessHooks.Providers.Ldap;

namespace AccessHooks.Providers.Tests;

public sealed class NativeLdapTests
{
    [Fact]
    public void The_libldap_handle_behind_ldap_connection_is_reachable()
    {
        // The watchdog depends on S.DS.P's private handle field and on loading libldap itself;
        // a package upgrade that breaks either must fail here, not silently disarm the watchdog.
        using var connection = new LdapConnection(new LdapDirectoryIdentifier("127.0.0.1", 1));
        Assert.True(NativeLdap.TrySetNetworkTimeout(connection, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Certificate_checking_can_be_pinned_on_a_connection()
    {
        // Without these the provider refuses TLS altogether (fails closed); this catches the cause early.
        using var connection = new LdapConnection(new LdapDirectoryIdentifier("127.0.0.1", 1));
        Assert.True(NativeLdap.TrySetRequireCertificate(connection, verify: true));
        Assert.True(NativeLdap.TrySetRequireCertificate(connection, verify: false));
        Assert.True(NativeLdap.TryUseDefaultCertificateAuthorities(connection));
    }
}
