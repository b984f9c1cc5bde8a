using AccessHooks.Providers.Ldap;
using AccessHooks.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace AccessHooks.Providers.Tests;

/// <summary>
/// A search that slapd cut short (size limit) or referred elsewhere (referrals are not followed)
/// fails the request instead of answering from part of the directory.
/// </summary>
public sealed class LdapIncompleteResultTests(LdapFixture fixture) : IClassFixture<LdapFixture>
{
    private LdapDirectory LimitedDirectory() => fixture.Directory(o =>
    {
        o.BindDn = LdapFixture.LimitedReaderDn;
        o.BindPassword = LdapFixture.LimitedReaderPassword;
    });

    [Fact]
    public void Group_search_cut_short_by_the_servers_size_limit_fails_closed()
    {
        // slapd returns one entry per search to the limited reader; alice is in two groups
        // (staff, unix), so her group search comes back truncated: a list missing one of them
        // could be missing the group a "Require not dotnet-group" excludes.
        using var directory = LimitedDirectory();
        Assert.Equal(AuthResult.Granted, directory.Authenticate("alice", "alice-pw"));
        var e = Assert.Throws<LdapIncompleteResultException>(() => directory.GroupsForUser("alice"));
        Assert.Contains("size limit", e.Message);
        Assert.Contains("group search", e.Message);
        // Within the limit the answer is complete and given.
        Assert.Equal(["admins"], directory.GroupsForUser("bob"));
    }

    [Fact]
    public void User_search_cut_short_by_the_servers_size_limit_fails_closed()
    {
        // Two entries have uid=twin (and the same password). Cut to one, the search looked like an
        // unambiguous match, and the first twin was bound as and granted.
        using var directory = LimitedDirectory();
        var e = Assert.Throws<LdapIncompleteResultException>(() => directory.Authenticate("twin", "twin-pw"));
        Assert.Contains("user search", e.Message);
        Assert.DoesNotContain("twin-pw", e.Message);
        Assert.Throws<LdapIncompleteResultException>(() => directory.GroupsForUser("twin"));
    }

    [Fact]
    public void Groups_of_a_name_matching_two_entries_fail_closed()
    {
        // Whose groups? Answering "none" would let a banned twin past "Require not dotnet-group".
        using var directory = fixture.Directory();
        Assert.Equal(AuthResult.Denied, directory.Authenticate("twin", "twin-pw"));
        Assert.Throws<InvalidOperationException>(() => directory.GroupsForUser("twin"));
    }

    [Fact]
    public void Referrals_in_a_search_are_not_followed_and_fail_closed()
    {
        using var server = new SlapdServer();
        server.Add("""
            dn: ou=people,dc=example,dc=org
            objectClass: organizationalUnit
            ou: people

            dn: uid=dave,ou=people,dc=example,dc=org
            objectClass: inetOrgPerson
            uid: dave
            cn: dave
            sn: dave
            userPassword: dave-pw

            dn: ou=groups,dc=example,dc=org
            objectClass: organizationalUnit
            ou: groups

            dn: cn=staff,ou=groups,dc=example,dc=org
            objectClass: groupOfNames
            cn: staff
            member: uid=dave,ou=people,dc=example,dc=org

            dn: ou=moved,ou=groups,dc=example,dc=org
            objectClass: referral
            objectClass: extensibleObject
            ou: moved
            ref: ldap://127.0.0.1:1/ou=moved,ou=groups,dc=example,dc=org

            """);
        LdapDirectory Directory(string urlBase, string? groupBase) => new(new LdapOptions
        {
            Url = $"{server.LdapUri}/{urlBase}?uid?sub",
            BindDn = SlapdServer.AdminDn,
            BindPassword = SlapdServer.AdminPassword,
            GroupSearchBase = groupBase,
        }, NullLogger<LdapDirectory>.Instance);

        // Users under ou=people, which holds no referral: a complete answer.
        using (var clean = Directory("ou=people,dc=example,dc=org", "ou=people,dc=example,dc=org"))
        {
            Assert.Equal(AuthResult.Granted, clean.Authenticate("dave", "dave-pw"));
            Assert.Empty(clean.GroupsForUser("dave"));
        }
        // Part of ou=groups lives on another server: the groups dave has there are unknown.
        using (var groups = Directory("ou=people,dc=example,dc=org", "ou=groups,dc=example,dc=org"))
        {
            var e = Assert.Throws<LdapIncompleteResultException>(() => groups.GroupsForUser("dave"));
            Assert.Contains("referral", e.Message);
        }
        // The group search base itself is a referral: S.DS.P returns result code Referral and no
        // entries without throwing, which read as "no groups".
        using (var moved = Directory("ou=people,dc=example,dc=org", "ou=moved,ou=groups,dc=example,dc=org"))
            Assert.Throws<LdapIncompleteResultException>(() => moved.GroupsForUser("dave"));
        // Likewise a user search base that is a referral: not "no such user" (NotFound would let the next provider decide).
        using (var movedUsers = Directory("ou=moved,ou=groups,dc=example,dc=org", null))
            Assert.Throws<LdapIncompleteResultException>(() => movedUsers.Authenticate("dave", "dave-pw"));
        // A user search over the whole tree: a second dave could be in the part not searched.
        using (var everything = Directory("dc=example,dc=org", null))
            Assert.Throws<LdapIncompleteResultException>(() => everything.Authenticate("dave", "dave-pw"));
    }
}
