using System.Runtime;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using AccessHooks.Host.Groups;

namespace AccessHooks.Host.Status;

/// <summary>
/// What this process's host shows on the status page: the runtime's own figures, and each
/// application group's scripts and apps with their generations and what their services report
/// (<see cref="IStatusSource"/>). Taken on the status request's thread while others serve; a
/// generation is referenced while it is read, so it cannot be disposed under the report.
/// </summary>
internal sealed record StatusReport(RuntimeFigures Runtime, IReadOnlyList<GroupReport> Groups)
{
    public static StatusReport Take()
    {
        var groups = new List<GroupReport>();
        foreach (var group in GroupRegistry.Groups.OrderBy(g => g.Name, StringComparer.Ordinal))
            groups.Add(GroupReport.Take(group));
        return new StatusReport(RuntimeFigures.Take(), groups);
    }
}

internal sealed record RuntimeFigures(
    int ProcessId, string Framework, string Version, bool ServerGc, string LatencyMode,
    long HeapBytes, long CommittedBytes, long AllocatedBytes, int Gen0Collections, int Gen1Collections,
    int Gen2Collections, long JitCompiledMethods, int ThreadPoolThreads, int LoadContexts)
{
    public static RuntimeFigures Take()
    {
        var gc = GC.GetGCMemoryInfo();
        return new RuntimeFigures(
            Environment.ProcessId, RuntimeInformation.FrameworkDescription, Environment.Version.ToString(),
            GCSettings.IsServerGC, GCSettings.LatencyMode.ToString(), GC.GetTotalMemory(false),
            gc.TotalCommittedBytes, GC.GetTotalAllocatedBytes(false), GC.CollectionCount(0), GC.CollectionCount(1),
            GC.CollectionCount(2), System.Runtime.JitInfo.GetCompiledMethodCount(false), ThreadPool.ThreadCount,
            AssemblyLoadContext.All.Count());
    }
}

internal sealed record GroupReport(string Name, IReadOnlyList<ScriptReport> Scripts, IReadOnlyList<AppReport> Apps)
{
    public static GroupReport Take(ApplicationGroup group)
    {
        var scripts = new List<ScriptReport>();
        foreach (var generation in group.CurrentGenerations)
        {
            if (!generation.TryAddRef())
                continue; // retired between the read and now: the next page shows its successor
            try
            {
                scripts.Add(new ScriptReport(generation.Unit.Path, generation.Number, generation.LoadedAt,
                    Math.Max(0, generation.References - 2), Code(generation.Unit.LoadError),
                    SourceReport.From(generation)));
            }
            finally
            {
                generation.Release();
            }
        }
        var apps = new List<AppReport>();
        if (group.StartedApps is { } started)
        {
            foreach (var (key, generation) in started.Current)
            {
                apps.Add(new AppReport(key, generation.Path, generation.Number, generation.StartedAt,
                    Math.Max(0, generation.References - 1),
                    Code(generation.LoadError)));
            }
        }
        scripts.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        apps.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return new GroupReport(group.DisplayName, scripts, apps);
    }

    private static string? Code(Interop.ErrorCode code) => code == Interop.ErrorCode.None ? null : $"DOTNET{(int)code:D4}";
}

/// <param name="InFlight">Calls running on this generation now.</param>
/// <param name="LoadError">DOTNETnnnn when the script did not load (its hooks answer 500).</param>
internal sealed record ScriptReport(string Path, int Generation, DateTimeOffset LoadedAt, int InFlight, string? LoadError,
    IReadOnlyList<SourceReport> Sources);

/// <param name="Key">Virtual host, port and alias (or file): one running instance.</param>
internal sealed record AppReport(string Key, string Path, int Generation, DateTimeOffset StartedAt, int InFlight, string? LoadError);

internal sealed record SourceReport(string Title, IReadOnlyList<KeyValuePair<string, string>> Values)
{
    public static IReadOnlyList<SourceReport> From(ScriptGeneration generation)
    {
        var reports = new List<SourceReport>();
        IEnumerable<IStatusSource> sources;
        try
        {
            sources = generation.StatusSources().ToList();
        }
        catch (Exception e)
        {
            // A source that cannot even be built (a misconfigured provider) is shown, not thrown.
            return [new SourceReport("(status sources)", [new("error", e.GetType().Name + ": " + e.Message)])];
        }
        foreach (var source in sources)
        {
            try
            {
                reports.Add(new SourceReport(source.StatusTitle, source.GetStatus().ToList()));
            }
            catch (Exception e)
            {
                reports.Add(new SourceReport(source.GetType().Name, [new("error", e.GetType().Name + ": " + e.Message)]));
            }
        }
        return reports;
    }
}
