namespace AccessHooks.Samples.CustomProvider;

/// <summary>
/// A checker that never grants by itself: outside the allowed window it answers Denied, which stops
/// the provider chain, and inside it answers NotFound, so the next provider (an htpasswd file, LDAP)
/// checks the password. Registered first, it turns any password provider into an office-hours one.
/// </summary>
public sealed class TimeWindowPasswordChecker : IPasswordChecker
{
    private readonly TimeWindowOptions _options;
    private readonly TimeProvider _clock;
    private readonly TimeZoneInfo _zone;

    public TimeWindowPasswordChecker(TimeWindowOptions options, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clock);
        _options = options;
        _clock = clock;
        _zone = TimeZoneInfo.FindSystemTimeZoneById(options.TimeZone);
    }

    public ValueTask<AuthResult> CheckPasswordAsync(HookRequest request, string user, string password, CancellationToken cancellationToken = default)
    {
        if (_options.ExemptUsers.Contains(user) || IsOpen(TimeZoneInfo.ConvertTime(_clock.GetUtcNow(), _zone)))
            return ValueTask.FromResult(AuthResult.NotFound);
        request.Logger.LogRefusal(user);
        return ValueTask.FromResult(AuthResult.Denied);
    }

    internal bool IsOpen(DateTimeOffset local)
    {
        var time = TimeOnly.FromDateTime(local.DateTime);
        if (_options.Start <= _options.End)
            return _options.Days.Contains(local.DayOfWeek) && time >= _options.Start && time < _options.End;
        // Spanning midnight: the early-morning part belongs to the window that opened the day before.
        if (time >= _options.Start)
            return _options.Days.Contains(local.DayOfWeek);
        return time < _options.End && _options.Days.Contains(local.AddDays(-1).DayOfWeek);
    }
}
