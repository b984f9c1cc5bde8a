using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.Daemon;

/// <summary>
/// Issue 9: the daemon wire's parsers (what a daemon reads from anything that connects, what the
/// relay reads from a daemon, and the encoder against the parser) under libFuzzer with ASan and
/// UBSan: fuzz/run replays the corpus earlier runs grew and fuzzes each target 20 s here
/// (`make fuzz`: 10 minutes each). Zero crashes.
/// </summary>
public sealed class WireFuzzTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public void The_wire_parsers_survive_libFuzzer_with_sanitizers()
    {
        var r = ProcessRunner.Run("bash", [Path.Combine(RepoPaths.Root, "fuzz", "run")], TimeSpan.FromMinutes(5),
            workingDirectory: RepoPaths.Root, environment: new Dictionary<string, string> { ["SECONDS_PER_TARGET"] = "20" });
        output.WriteLine(r.Output);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("fuzz: no crashes", r.Output);
        // Each target really ran (a fuzzer that exits at once would prove nothing).
        var runs = System.Text.RegularExpressions.Regex.Matches(r.Output, @"stat::number_of_executed_units: (\d+)");
        Assert.Equal(3, runs.Count);
        Assert.All(runs, m => Assert.True(long.Parse(m.Groups[1].Value) > 10_000, m.Value));
    }
}
