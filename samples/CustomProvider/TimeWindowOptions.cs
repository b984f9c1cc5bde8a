namespace AccessHooks.Samples.CustomProvider;

/// <summary>When logins are allowed: a daily time window on some days, in one time zone.</summary>
public sealed class TimeWindowOptions
{
    /// <summary>First allowed time of day (inclusive). Default 07:00.</summary>
    public TimeOnly Start { get; set; } = new(7, 0);

    /// <summary>End of the window (exclusive). Default 19:00. An end before the start spans midnight.</summary>
    public TimeOnly End { get; set; } = new(19, 0);

    /// <summary>Days the window applies; on other days every login is refused. Default Monday to Friday.</summary>
    public ISet<DayOfWeek> Days { get; set; } = new HashSet<DayOfWeek>
    {
        DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday,
    };

    /// <summary>The time zone the window is expressed in (an IANA id such as Europe/Berlin). Default UTC.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>Users who may log in at any time (an on-call account, say).</summary>
    public ISet<string> ExemptUsers { get; set; } = new HashSet<string>(StringComparer.Ordinal);
}
