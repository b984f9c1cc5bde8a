namespace AccessHooks.Providers;

/// <summary>How often a provider file is checked for changes, and how long it must be left alone before it is re-read.</summary>
public class WatchedFileOptions
{
    /// <summary>The file to read. Required.</summary>
    public string Path { get; set; } = string.Empty;

    /// <summary>
    /// At most one metadata check (one statx call) per interval; lookups in between use the
    /// current snapshot without touching the file system. Default 1 second.
    /// </summary>
    public TimeSpan ReloadCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A changed file is re-read only once its modification time is at least this old, so a
    /// file that is still being written (htpasswd copies, editors truncate then write) is not
    /// parsed half-way. Default 0.5 seconds.
    /// </summary>
    public TimeSpan ReloadSettleTime { get; set; } = TimeSpan.FromMilliseconds(500);

    internal void Validate(string provider)
    {
        if (string.IsNullOrWhiteSpace(Path))
            throw new InvalidOperationException($"{provider}: Path is required.");
        if (ReloadCheckInterval < TimeSpan.Zero || ReloadSettleTime < TimeSpan.Zero)
            throw new InvalidOperationException($"{provider}: ReloadCheckInterval and ReloadSettleTime cannot be negative.");
    }
}
