namespace AccessHooks;

/// <summary>
/// A service with state worth showing on mod_dotnet's status page (<c>SetHandler dotnet-status</c>):
/// a connection pool, a cache, a watched file. Register the instance as
/// <c>services.AddSingleton&lt;IStatusSource&gt;(sp =&gt; sp.GetRequiredService&lt;MyPool&gt;())</c>;
/// the page lists what each script's sources report, for the child that answered.
/// </summary>
public interface IStatusSource
{
    /// <summary>The section's title, such as "LDAP ldap://127.0.0.1:389".</summary>
    string StatusTitle { get; }

    /// <summary>
    /// The current figures as name and value pairs. Called on the status request's thread while
    /// other threads use the service: it must be cheap, thread-safe and never block on I/O, and
    /// must not include secrets (the page may be read by monitoring tools).
    /// </summary>
    IEnumerable<KeyValuePair<string, string>> GetStatus();
}
