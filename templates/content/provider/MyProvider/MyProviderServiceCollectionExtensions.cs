using Microsoft.Extensions.DependencyInjection;

namespace MyProvider;

/// <summary>Registration, for a hook script's <c>ConfigureServices</c>.</summary>
public static class MyProviderServiceCollectionExtensions
{
    /// <summary>Adds <see cref="MyProviderPasswordChecker"/> as one more password checker.</summary>
    public static IServiceCollection AddMyProvider(this IServiceCollection services, Action<MyProviderOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new MyProviderOptions();
        configure(options);
        return services.AddPasswordChecker(new MyProviderPasswordChecker(options));
    }
}
