using System.DirectoryServices.Protocols;
using AccessHooks.Providers.Ldap;

namespace AccessHooks.Providers.Tests;

public sealed class LdapUrlAndFilterTests
{
    [Fact]
    public void Url_defaults_are_mod_authnz_ldap_ones()
    {
        var url = LdapUrl.Parse("ldap://ldap.example.org/dc=example,dc=org");
        Assert.Equal(["ldap.example.org"], url.Hosts);
        Assert.Equal(389, url.Port);
        Assert.False(url.Secure);
        Assert.Equal("dc=example,dc=org", url.BaseDn);
        Assert.Equal("uid", url.Attribute);
        Assert.Equal(SearchScope.Subtree, url.Scope);
        Assert.Equal("(objectClass=*)", url.Filter);
    }

    [Fact]
    public void Url_with_every_part()
    {
        var url = LdapUrl.Parse("ldaps://a.example.org b.example.org:1636/ou=people,dc=example,dc=org?mail,cn?one?objectClass=person");
        Assert.True(url.Secure);
        Assert.Equal(["a.example.org", "b.example.org"], url.Hosts);
        Assert.Equal(1636, url.Port);
        Assert.Equal("mail", url.Attribute);
        Assert.Equal(SearchScope.OneLevel, url.Scope);
        Assert.Equal("(objectClass=person)", url.Filter);
        Assert.Equal(636, LdapUrl.Parse("ldaps://h/").Port);
        Assert.Equal("o=a b", LdapUrl.Parse("ldap://h/o=a%20b").BaseDn);
    }

    [Theory]
    [InlineData("http://h/")]
    [InlineData("ldap://h:99999/")]
    [InlineData("ldap://h/dc=x?uid?deep")]
    public void Bad_urls_are_refused(string url) => Assert.Throws<FormatException>(() => LdapUrl.Parse(url));

    [Theory]
    [InlineData("alice", "alice")]
    [InlineData("*", "\\2a")]
    [InlineData("admin)(uid=*", "admin\\29\\28uid=\\2a")]
    [InlineData("a\\b", "a\\5cb")]
    [InlineData("nul\0byte", "nul\\00byte")]
    [InlineData("jürgen", "j\\c3\\bcrgen")]
    [InlineData("😀", "\\f0\\9f\\98\\80")]
    public void Filter_values_are_escaped_per_rfc_4515(string value, string escaped) => Assert.Equal(escaped, LdapFilter.Escape(value));
}
