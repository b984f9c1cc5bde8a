using AccessHooks.Providers.Ldap;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers an LDAP directory as password checker (and group provider), combining with other providers.</summary>
public static class LdapServiceCollectionExtensions
{
    /// <summary>
    /// Adds a directory configured by <paramref name="configure"/>. One <see cref="LdapDirectory"/>
    /// (one connection pool) serves both phases; it is a singleton of the container, so the scripts
    /// of an application group share it, and the container disposes it.
    /// </summary>
    public static IServiceCollection AddLdap(this IServiceCollection services, Action<LdapOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var name = "AccessHooks.Ldap." + Guid.NewGuid().ToString("N");
        services.AddOptions<LdapOptions>(name).Configure(configure);
        var key = new object();
        services.AddKeyedSingleton(key, (sp, _) => new LdapDirectory(
            sp.GetRequiredService<IOptionsMonitor<LdapOptions>>().Get(name),
            sp.GetProviderLogger<LdapDirectory>()));
        services.AddPasswordChecker(sp => new LdapPasswordChecker(sp.GetRequiredKeyedService<LdapDirectory>(key)));
        // Its pool on the status page (SetHandler dotnet-status).
        services.AddSingleton<AccessHooks.IStatusSource>(sp => sp.GetRequiredKeyedService<LdapDirectory>(key));
        // Whether groups are provided is an option, but registration happens now: decide from a
        // throwaway copy of the options, as configured so far.
        var probe = new LdapOptions();
        configure(probe);
        if (probe.ProvideGroups)
            services.AddGroupProvider(sp => new LdapGroupProvider(sp.GetRequiredKeyedService<LdapDirectory>(key)));
        return services;
    }
}
