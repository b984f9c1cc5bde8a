namespace AccessHooks.Host.Gateway;

/// <summary>
/// How apps' file providers watch files (appsettings.json reloading, content root watches). Each
/// Apache child and each daemon runs its own copy of every app it serves, and a
/// FileSystemWatcher costs one inotify instance, counted against Apache's user across all of
/// its processes (fs.inotify.max_user_instances, 128 on Debian): with two apps, a prefork
/// server's 65th child could not start them (the appsettings.json watch throws while the host
/// builds). A watcher also wakes a thread in every child at each change anywhere under the app's
/// directory. Polling (a stat of each watched file every 4 s, ASP.NET Core's own alternative)
/// keeps reloading on change and costs neither.
/// </summary>
internal static class FileWatching
{
    public const string Variable = "DOTNET_USE_POLLING_FILE_WATCHER";

    /// <summary>At host start, before any app: polling, unless the administrator chose
    /// (SetEnv/PassEnv cannot reach a process environment, so it is the environment Apache was
    /// started with, e.g. /etc/apache2/envvars).</summary>
    public static void PreferPolling()
    {
        if (Environment.GetEnvironmentVariable(Variable) is null)
            Environment.SetEnvironmentVariable(Variable, "true");
    }
}
