// DI form: the bundled htpasswd provider.
public static class Site
{
    public static void ConfigureServices(IServiceCollection services) =>
        services.AddHtpasswd("@@HTPASSWD@@");
}
