namespace AccessHooks.Integration.Tests.Infrastructure;

/// <summary>
/// One Apache per MPM for a whole test class, started lazily on first use and stopped when the
/// class is done. A failed start is remembered, so every test of the class fails fast with the
/// same message instead of each waiting for its own timeout.
/// </summary>
public abstract class ApacheFixture : IAsyncLifetime
{
    private readonly Dictionary<string, Task<ApacheServer>> _servers = new();
    private readonly List<ApacheServer> _created = new();

    /// <summary>Whether the config loads mod_dotnet (the test fails clearly when it is not built).</summary>
    protected virtual bool NeedsModule => true;

    protected virtual ApacheOptions Options => new();

    /// <summary>Writes the files the config needs and returns the config body.</summary>
    protected abstract string Build(ApacheServer server);

    public Task<ApacheServer> ServerAsync(string mpm)
    {
        lock (_servers)
        {
            if (!_servers.TryGetValue(mpm, out var task))
            {
                task = StartAsync(mpm);
                _servers[mpm] = task;
            }
            return task;
        }
    }

    private async Task<ApacheServer> StartAsync(string mpm)
    {
        if (NeedsModule)
            RepoPaths.RequireModule();
        var server = new ApacheServer(mpm, Options);
        lock (_created)
            _created.Add(server);
        server.Configure(Build(server));
        await server.StartAsync();
        return server;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        List<ApacheServer> servers;
        lock (_created)
            servers = _created.ToList();
        foreach (var s in servers)
            await s.DisposeAsync();
    }
}

/// <summary>Theory data: each test runs under both MPMs.</summary>
public static class Mpm
{
    public static TheoryData<string> Both => new() { "event", "prefork" };
}

/// <summary>Config snippets used by many tests.</summary>
public static class Conf
{
    /// <summary>A &lt;Location&gt; with Basic auth through the given providers; <paramref name="script"/> is the
    /// DotNetAuthUserScript argument text (see <see cref="Script"/>).</summary>
    public static string BasicLocation(string path, string? script, string providers = "dotnet",
        string require = "Require valid-user", string extra = "", string realm = "test realm") => $"""
        <Location "{path}">
            AuthType Basic
            AuthName "{realm}"
            AuthBasicProvider {providers}
            {(script is null ? "" : $"DotNetAuthUserScript {script}")}
            {extra}
            {require}
        </Location>

        """;

    public static string Quote(string s) => "\"" + s + "\"";

    /// <summary>A script directive argument: the quoted path and, optionally, application-group=.</summary>
    public static string Script(string path, string? group = null) =>
        Quote(path) + (group is null ? "" : $" application-group={group}");
}
