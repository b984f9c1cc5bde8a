// The DI form: register providers instead of writing functions. One script serves both
// DotNetAuthUserScript and DotNetAuthGroupScript in application group "demo", so both
// phases share one container (and one parsed copy of each file).
public static class Site
{
    // make demo replaces this with the folder holding its generated files.
    private const string StateDir = "@DEMO_STATE@";

    public static void ConfigureServices(IServiceCollection services) => services
        .AddHtpasswd(StateDir + "/site.htpasswd")
        .AddGroupFile(StateDir + "/site.groups");
}
