using AccessHooks.Host.Groups;

namespace AccessHooks.Host.Hooks;

/// <summary>
/// What differs between hook phases, for the one call path (<see cref="HookCallPath"/>) and the
/// binder: the function name, its parameters, the value types a script may return (each with a
/// converter to the phase's result type), the DI service that may answer instead, and where the
/// bound hook sits in a script's unit. Each phase is defined in its twin of the native file
/// (AuthnPhase for dotnet_authn.c, AuthzPhase for dotnet_authz.c, AccessPhase for dotnet_access.c).
/// </summary>
internal sealed class Phase<TResult>
{
    public required string Name { get; init; }
    /// <summary>The provider interface of the DI form, for messages.</summary>
    public required string ServiceName { get; init; }
    /// <summary>Parameter types after HookRequest (one or two strings).</summary>
    public required int StringArguments { get; init; }
    /// <summary>Whether the first argument is a user name (checked by <see cref="UserNameRule"/> before the script runs).</summary>
    public required bool TakesUser { get; init; }
    /// <summary>Whether the second argument is a password: masked in every line logged during the call.</summary>
    public bool SecondArgumentIsSecret { get; init; }
    /// <summary>The signatures a script may use, for the DOTNET0204 message.</summary>
    public required string Expected { get; init; }
    /// <summary>A Func&lt;T, TResult&gt; for a return (or awaited) type T the phase accepts, else null.</summary>
    public required Func<Type, Delegate?> Converter { get; init; }
    /// <summary>The script's bound hook for this phase.</summary>
    public required Func<ScriptUnit, HookSlot<TResult>?> Slot { get; init; }
}
