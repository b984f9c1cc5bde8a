// The issue's example: users from an htpasswd file, groups from an AuthGroupFile-format file.
// The same file serves as DotNetAuthUserScript and DotNetAuthGroupScript.
public static class Site
{
    public static void ConfigureServices(IServiceCollection services) => services
        .AddHtpasswd("@@HTPASSWD@@")
        .AddGroupFile("@@GROUPS@@");
}
