using AccessHooks;
using AccessHooks.Providers;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers providers so that several combine: each becomes a <see cref="ProviderSlot{TService}"/>
/// and the phase interface itself resolves to a composite over all slots in registration order.
/// Use these for your own classes too (<c>services.AddPasswordChecker&lt;MyChecker&gt;()</c>);
/// a plain <c>AddSingleton&lt;IPasswordChecker, MyChecker&gt;()</c> would replace the composite.
/// </summary>
public static class AccessHooksProviderServiceCollectionExtensions
{
    /// <summary>Adds <typeparamref name="TChecker"/> (a singleton built by the container) to the password chain.</summary>
    public static IServiceCollection AddPasswordChecker<TChecker>(this IServiceCollection services) where TChecker : class, IPasswordChecker
        => services.AddPasswordChecker(sp => ActivatorUtilities.CreateInstance<TChecker>(sp));

    /// <summary>Adds a checker instance to the password chain. The container does not dispose it.</summary>
    public static IServiceCollection AddPasswordChecker(this IServiceCollection services, IPasswordChecker checker)
    {
        ArgumentNullException.ThrowIfNull(checker);
        return services.AddSlot(_ => checker, owned: false, sp => new CompositePasswordChecker(Resolve<IPasswordChecker>(sp)));
    }

    /// <summary>Adds a checker made once by <paramref name="factory"/> (a singleton the container owns and disposes).</summary>
    public static IServiceCollection AddPasswordChecker(this IServiceCollection services, Func<IServiceProvider, IPasswordChecker> factory)
        => services.AddSlot(factory, owned: true, sp => new CompositePasswordChecker(Resolve<IPasswordChecker>(sp)));

    /// <summary>Registers <typeparamref name="TProvider"/> as one more group provider (asked after those registered before).</summary>
    public static IServiceCollection AddGroupProvider<TProvider>(this IServiceCollection services) where TProvider : class, IGroupProvider
        => services.AddGroupProvider(sp => ActivatorUtilities.CreateInstance<TProvider>(sp));

    /// <summary>Registers the provider <paramref name="factory"/> makes as one more group provider.</summary>
    public static IServiceCollection AddGroupProvider(this IServiceCollection services, Func<IServiceProvider, IGroupProvider> factory)
        => services.AddSlot(factory, owned: true, sp => new CompositeGroupProvider(Resolve<IGroupProvider>(sp)));

    /// <summary>Registers <typeparamref name="TProvider"/> as one more Digest realm-hash provider.</summary>
    public static IServiceCollection AddRealmHashProvider<TProvider>(this IServiceCollection services) where TProvider : class, IRealmHashProvider
        => services.AddRealmHashProvider(sp => ActivatorUtilities.CreateInstance<TProvider>(sp));

    /// <summary>Registers the provider <paramref name="factory"/> makes as one more Digest realm-hash provider.</summary>
    public static IServiceCollection AddRealmHashProvider(this IServiceCollection services, Func<IServiceProvider, IRealmHashProvider> factory)
        => services.AddSlot(factory, owned: true, sp => new CompositeRealmHashProvider(Resolve<IRealmHashProvider>(sp)));

    /// <summary>
    /// A logger for a provider: the container's when logging is registered, otherwise a null
    /// logger, because the host's container need not register logging at all.
    /// </summary>
    public static ILogger<T> GetProviderLogger<T>(this IServiceProvider services)
    {
        var factory = services.GetService<ILoggerFactory>();
        return factory is null ? NullLogger<T>.Instance : factory.CreateLogger<T>();
    }

    private static IServiceCollection AddSlot<TService>(this IServiceCollection services, Func<IServiceProvider, TService> factory, bool owned,
        Func<IServiceProvider, TService> composite) where TService : class
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(factory);
        if (owned)
        {
            // A keyed singleton per call: the container creates it once, shares it, and disposes it.
            var key = new object();
            services.AddKeyedSingleton<TService>(key, (sp, _) => factory(sp));
            services.AddSingleton(new ProviderSlot<TService>(sp => sp.GetRequiredKeyedService<TService>(key)));
        }
        else
        {
            services.AddSingleton(new ProviderSlot<TService>(factory));
        }
        services.TryAddSingleton<TService>(composite);
        return services;
    }

    private static IEnumerable<TService> Resolve<TService>(IServiceProvider services) where TService : class
        => services.GetServices<ProviderSlot<TService>>().Select(slot => slot.Resolve(services));
}
