namespace AccessHooks.Providers;

/// <summary>
/// One registered provider of a phase (<see cref="IPasswordChecker"/>, <see cref="IGroupProvider"/>,
/// <see cref="IRealmHashProvider"/>), in registration order. The host resolves the phase interface
/// itself, which is a composite over all slots, so several <c>AddXxx</c> calls combine instead of
/// the last one silently winning.
/// </summary>
public sealed class ProviderSlot<TService> where TService : class
{
    private readonly Func<IServiceProvider, TService> _resolve;

    /// <summary>A slot whose service <paramref name="resolve"/> makes on first use.</summary>
    public ProviderSlot(Func<IServiceProvider, TService> resolve)
    {
        ArgumentNullException.ThrowIfNull(resolve);
        _resolve = resolve;
    }

    /// <summary>The slot's service, made on first use from <paramref name="services"/>.</summary>
    public TService Resolve(IServiceProvider services) => _resolve(services);
}
