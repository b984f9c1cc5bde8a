using AccessHooks.Providers.GroupFile;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers AuthGroupFile-format files as group providers; several combine (union of groups).</summary>
public static class GroupFileServiceCollectionExtensions
{
    /// <summary>Adds an Apache group file (<c>group: user user ...</c>, as AuthGroupFile reads) as a group provider.</summary>
    public static IServiceCollection AddGroupFile(this IServiceCollection services, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return services.AddGroupFile(o => o.Path = path);
    }

    /// <summary>Adds an Apache group file as a group provider, with its options set by <paramref name="configure"/>.</summary>
    public static IServiceCollection AddGroupFile(this IServiceCollection services, Action<GroupFileOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var name = "AccessHooks.GroupFile." + Guid.NewGuid().ToString("N");
        services.AddOptions<GroupFileOptions>(name).Configure(configure);
        return services.AddGroupProvider(sp => new GroupFileProvider(
            sp.GetRequiredService<IOptionsMonitor<GroupFileOptions>>().Get(name),
            sp.GetProviderLogger<GroupFileProvider>()));
    }
}
