namespace AccessHooks.Providers.Tests;

/// <summary>
/// Tests that measure time or load the CPU on purpose run alone, after the parallel ones: timing
/// medians taken while eight other threads hash passwords would measure the neighbours.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "Serial (timing and load)";
}
