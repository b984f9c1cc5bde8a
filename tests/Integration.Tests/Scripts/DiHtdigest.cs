// DI form: the bundled htdigest provider for Digest auth.
public static class Site
{
    public static void ConfigureServices(IServiceCollection services) =>
        services.AddHtdigest("@@HTDIGEST@@");
}
