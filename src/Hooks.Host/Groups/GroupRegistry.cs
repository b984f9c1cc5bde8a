using System.Collections.Concurrent;

namespace AccessHooks.Host.Groups;

/// <summary>The application groups of this process, by resolved name ("" is %{GLOBAL}).</summary>
internal static class GroupRegistry
{
    private static readonly ConcurrentDictionary<string, ApplicationGroup> s_groups = new(StringComparer.Ordinal);

    /// <summary>
    /// How often a script's mtime is checked (DESIGN: cheap, on use). Internal so tests can make
    /// every call check.
    /// </summary>
    internal static TimeSpan ReloadCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    private static volatile bool s_shutDown;

    public static bool IsShutDown => s_shutDown;

    public static ApplicationGroup? Get(string name)
    {
        if (s_groups.TryGetValue(name, out var group))
            return group;
        return s_shutDown ? null : s_groups.GetOrAdd(name, static n => new ApplicationGroup(n));
    }

    public static IEnumerable<ApplicationGroup> Groups => s_groups.Values;

    /// <summary>Disposes every group, waiting at most <paramref name="timeout"/> for calls in flight.</summary>
    public static bool ShutDown(TimeSpan timeout)
    {
        s_shutDown = true;
        var retiring = new List<Task>();
        foreach (var group in s_groups.Values)
            retiring.Add(group.ShutDown());
        s_groups.Clear();
        try
        {
            return Task.WhenAll(retiring).Wait(timeout);
        }
        catch (AggregateException)
        {
            return false;
        }
    }

    /// <summary>Tests: serve again after a ShutDown (a real process exits instead).</summary>
    internal static void ResetAfterShutDown() => s_shutDown = false;
}
