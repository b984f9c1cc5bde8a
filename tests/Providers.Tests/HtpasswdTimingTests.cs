using System.Diagnostics;
using AccessHooks.TestSupport;

namespace AccessHooks.Providers.Tests;

/// <summary>An unknown user must cost what a wrong password costs, or timing reveals which users exist.</summary>
[Collection(SerialCollection.Name)]
public sealed class HtpasswdTimingTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("-B", "-C", "5")]
    [InlineData("-m")]
    public void Unknown_user_and_wrong_password_take_the_same_time(params string[] flags)
    {
        var file = _directory["users"];
        foreach (var user in new[] { "alice", "bob", "carol" })
            HtpasswdFiles.Add(file, user, "pw-" + user, flags);
        var checker = HtpasswdFiles.Checker(file);
        checker.Check("alice", "warm-up");

        // A real leak (no decoy) shows on every attempt; a shared machine's scheduling noise on
        // one attempt at most, so up to three attempts are measured before failing.
        var report = string.Empty;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var unknown = new List<double>();
            var wrong = new List<double>();
            for (var i = 0; i < 60; i++)
            {
                // Interleaved and alternating in order, so neither series is always the one
                // measured right after the other used up the time slice.
                var unknownFirst = i % 2 == 0;
                if (unknownFirst) unknown.Add(Measure(() => Assert.Equal(AuthResult.NotFound, checker.Check("nobody" + i, "guess"))));
                wrong.Add(Measure(() => Assert.Equal(AuthResult.Denied, checker.Check("bob", "guess"))));
                if (!unknownFirst) unknown.Add(Measure(() => Assert.Equal(AuthResult.NotFound, checker.Check("nobody" + i, "guess"))));
            }
            var ratio = Median(unknown) / Median(wrong);
            if (ratio is > 1 / 1.5 and < 1.5)
                return;
            report += $"attempt {attempt + 1}: median unknown {Median(unknown):0.000} ms vs wrong {Median(wrong):0.000} ms (ratio {ratio:0.00})\n";
        }
        Assert.Fail(report);
    }

    [Fact]
    public void Without_the_decoy_the_test_would_see_a_difference()
    {
        // Guards the test above: an unknown user answered with no work is far faster than a bcrypt check.
        var file = _directory["users"];
        HtpasswdFiles.Add(file, "bob", "pw", "-B", "-C", "5");
        var checker = HtpasswdFiles.Checker(file);
        checker.Check("bob", "warm-up");
        var bcrypt = Median(Enumerable.Range(0, 15).Select(_ => Measure(() => checker.Check("bob", "guess"))).ToList());
        var nothing = Median(Enumerable.Range(0, 15).Select(_ => Measure(() => _ = "bob".GetHashCode())).ToList());
        Assert.True(bcrypt / Math.Max(nothing, 1e-6) > 1.5);
    }

    private static double Measure(Action action)
    {
        var timer = Stopwatch.StartNew();
        action();
        return timer.Elapsed.TotalMilliseconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
