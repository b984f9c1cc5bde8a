using AccessHooks.Samples.CustomProvider;
using Microsoft.Extensions.DependencyInjection;
using Moq;

namespace AccessHooks.Providers.Tests;

/// <summary>The sample custom provider, with Moq standing in for the clock and the provider behind it.</summary>
public sealed class TimeWindowPasswordCheckerTests
{
    // 2026-06-03 is a Wednesday.
    private static readonly DateTimeOffset WednesdayNoonUtc = new(2026, 6, 3, 12, 0, 0, TimeSpan.Zero);

    private static Mock<TimeProvider> Clock(DateTimeOffset now)
    {
        var clock = new Mock<TimeProvider>();
        clock.Setup(c => c.GetUtcNow()).Returns(now);
        return clock;
    }

    private static AuthResult Check(TimeWindowOptions options, DateTimeOffset now, string user = "alice") =>
        new TimeWindowPasswordChecker(options, Clock(now).Object).CheckPasswordAsync(TestRequests.Empty, user, "pw").AsTask().GetAwaiter().GetResult();

    [Fact]
    public void Inside_the_window_it_lets_the_next_provider_decide()
        => Assert.Equal(AuthResult.NotFound, Check(new TimeWindowOptions(), WednesdayNoonUtc));

    [Fact]
    public void Outside_the_window_or_on_a_weekend_it_denies()
    {
        Assert.Equal(AuthResult.Denied, Check(new TimeWindowOptions(), WednesdayNoonUtc.AddHours(10)));
        Assert.Equal(AuthResult.Denied, Check(new TimeWindowOptions(), WednesdayNoonUtc.AddDays(3)));
    }

    [Fact]
    public void Exempt_users_pass_at_any_time()
    {
        var options = new TimeWindowOptions();
        options.ExemptUsers.Add("oncall");
        Assert.Equal(AuthResult.NotFound, Check(options, WednesdayNoonUtc.AddDays(3), "oncall"));
    }

    [Fact]
    public void The_window_is_evaluated_in_its_time_zone_and_may_span_midnight()
    {
        var night = new TimeWindowOptions { Start = new(22, 0), End = new(6, 0), TimeZone = "Asia/Tokyo" };
        // 12:00 UTC is 21:00 in Tokyo: closed; 14:00 UTC is 23:00: open; Thursday 03:00 Tokyo belongs to Wednesday's night.
        Assert.Equal(AuthResult.Denied, Check(night, WednesdayNoonUtc));
        Assert.Equal(AuthResult.NotFound, Check(night, WednesdayNoonUtc.AddHours(2)));
        Assert.Equal(AuthResult.NotFound, Check(night, WednesdayNoonUtc.AddHours(6)));
    }

    [Fact]
    public async Task Registered_first_it_guards_the_provider_behind_it()
    {
        var behind = new Mock<IPasswordChecker>(MockBehavior.Strict);
        behind.Setup(c => c.CheckPasswordAsync(It.IsAny<HookRequest>(), "alice", "pw", It.IsAny<CancellationToken>()))
            .Returns(ValueTask.FromResult(AuthResult.Granted));
        var clock = Clock(WednesdayNoonUtc);
        using var provider = new ServiceCollection()
            .AddSingleton(clock.Object)
            .AddTimeWindow()
            .AddPasswordChecker(behind.Object)
            .BuildServiceProvider();
        var checker = provider.GetRequiredService<IPasswordChecker>();

        Assert.Equal(AuthResult.Granted, await checker.CheckPasswordAsync(TestRequests.Empty, "alice", "pw"));
        clock.Setup(c => c.GetUtcNow()).Returns(WednesdayNoonUtc.AddDays(3));
        Assert.Equal(AuthResult.Denied, await checker.CheckPasswordAsync(TestRequests.Empty, "alice", "pw"));
        behind.Verify(c => c.CheckPasswordAsync(It.IsAny<HookRequest>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Once);
    }
}
