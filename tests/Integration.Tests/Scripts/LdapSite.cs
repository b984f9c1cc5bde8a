// Users and groups from LDAP (search-then-bind; groups by member DN). One pool for both hooks.
public static class Site
{
    public static void ConfigureServices(IServiceCollection services) => services
        .AddLdap(o =>
        {
            o.Url = "@@LDAPURL@@";
            o.BindDn = "@@BINDDN@@";
            o.BindPassword = "@@BINDPW@@";
            o.GroupSearchBase = "@@GROUPBASE@@";
        });
}
