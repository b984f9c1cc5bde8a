using AccessHooks.Providers.Htpasswd;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers htpasswd and htdigest files as providers. Calls combine with other providers in registration order.</summary>
public static class HtpasswdServiceCollectionExtensions
{
    /// <summary>Adds an htpasswd file to the password chain (<see cref="AccessHooks.IPasswordChecker"/>).</summary>
    public static IServiceCollection AddHtpasswd(this IServiceCollection services, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return services.AddHtpasswd(o => o.Path = path);
    }

    /// <summary>Adds an htpasswd file configured by <paramref name="configure"/> (named options, so several files can coexist).</summary>
    public static IServiceCollection AddHtpasswd(this IServiceCollection services, Action<HtpasswdOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var name = "AccessHooks.Htpasswd." + Guid.NewGuid().ToString("N");
        services.AddOptions<HtpasswdOptions>(name).Configure(configure);
        return services.AddPasswordChecker(sp => new HtpasswdPasswordChecker(
            sp.GetRequiredService<IOptionsMonitor<HtpasswdOptions>>().Get(name),
            sp.GetProviderLogger<HtpasswdPasswordChecker>()));
    }

    /// <summary>Adds an htdigest file (<c>htdigest</c>'s user:realm:hash) as the Digest-auth realm hash source.</summary>
    public static IServiceCollection AddHtdigest(this IServiceCollection services, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return services.AddHtdigest(o => o.Path = path);
    }

    /// <summary>Adds an htdigest file as a Digest realm-hash provider, with its options set by <paramref name="configure"/>.</summary>
    public static IServiceCollection AddHtdigest(this IServiceCollection services, Action<HtdigestOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var name = "AccessHooks.Htdigest." + Guid.NewGuid().ToString("N");
        services.AddOptions<HtdigestOptions>(name).Configure(configure);
        return services.AddRealmHashProvider(sp => new HtdigestRealmHashProvider(
            sp.GetRequiredService<IOptionsMonitor<HtdigestOptions>>().Get(name),
            sp.GetProviderLogger<HtdigestRealmHashProvider>()));
    }
}
