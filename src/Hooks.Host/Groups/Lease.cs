namespace AccessHooks.Host.Groups;

/// <summary>A call's hold on a generation: the script's unit in it, and a reference to release when the call ends.</summary>
internal readonly struct Lease(Generation generation, ScriptUnit unit)
{
    public Generation Generation { get; } = generation;
    public ScriptUnit Unit { get; } = unit;
}
