namespace AccessHooks.Host.Tests;

/// <summary>
/// Tests that change process-wide state (Console, the reload interval, the compile counter's
/// meaning, shutdown) run alone, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialTests
{
    public const string Name = "serial";
}
