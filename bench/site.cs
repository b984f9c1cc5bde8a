// The benchmark's provider script: the same htpasswd and group files as mod_authn_file
// and mod_authz_groupfile read, through the bundled providers.
public static class BenchSite
{
    private const string StateDir = "@STATE@";

    public static void ConfigureServices(IServiceCollection services) => services
        .AddHtpasswd(StateDir + "/users.htpasswd")
        .AddGroupFile(StateDir + "/users.groups");
}
