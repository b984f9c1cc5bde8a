using Microsoft.Extensions.DependencyInjection;

namespace MyProvider;

/// <summary>Registration, for a hook script's <c>ConfigureServices</c>.</summary>
public static class ProviderIdentServiceCollectionExtensions
{
    /// <summary>Adds <see cref="ProviderIdentPasswordChecker"/> as one more password checker.</summary>
    public static IServiceCollection AddProviderIdent(this IServiceCollection services, Action<ProviderIdentOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new ProviderIdentOptions();
        configure(options);
        return services.AddPasswordChecker(new ProviderIdentPasswordChecker(options));
    }
}
