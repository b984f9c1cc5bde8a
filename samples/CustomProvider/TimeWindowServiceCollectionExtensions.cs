using AccessHooks.Samples.CustomProvider;

namespace Microsoft.Extensions.DependencyInjection;

public static class TimeWindowServiceCollectionExtensions
{
    /// <summary>
    /// Puts a time window in front of the providers registered after it:
    /// <c>services.AddTimeWindow(o =&gt; o.TimeZone = "Europe/Berlin").AddHtpasswd(path)</c>.
    /// </summary>
    public static IServiceCollection AddTimeWindow(this IServiceCollection services, Action<TimeWindowOptions>? configure = null)
    {
        var options = new TimeWindowOptions();
        configure?.Invoke(options);
        return services.AddPasswordChecker(sp => new TimeWindowPasswordChecker(options, sp.GetService<TimeProvider>() ?? TimeProvider.System));
    }
}
