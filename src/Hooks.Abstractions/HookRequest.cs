using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AccessHooks;

/// <summary>
/// A read-only view of the request a hook runs for: the CGI-style variables mod_wsgi gives its
/// auth scripts. The Authorization and Proxy-Authorization headers are never part of it, whoever
/// builds it, so a hook cannot leak credentials it was not handed explicitly.
/// </summary>
public class HookRequest
{
    /// <summary>The variable that carries the application group the script runs in.</summary>
    public const string ApplicationGroupVariable = "mod_dotnet.application_group";

    /// <summary>The variable that carries <see cref="Path"/>: the decoded, normalised path Apache matched &lt;Location&gt; against.</summary>
    public const string PathVariable = "mod_dotnet.path";

    // One request is built per hook call, so construction cost matters more than lookups: the
    // variables stay in the array they arrive in (a request has ~20; a lookup scans them, first
    // occurrence wins) and a dictionary is built only if a script asks for all of them.
    private readonly KeyValuePair<string, string>[] _list;
    private readonly int _count;
    private Dictionary<string, string>? _variables;
    private IPAddress? _remoteAddress;

    /// <param name="variables">CGI-style variables (REMOTE_ADDR, HTTP_HOST, ...). Credential headers are dropped.</param>
    /// <param name="logger">Where <see cref="Logger"/> writes; Apache's error log when the module builds the request.</param>
    public HookRequest(IEnumerable<KeyValuePair<string, string>> variables, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var copy = new List<KeyValuePair<string, string>>();
        foreach (var (name, value) in variables)
        {
            ArgumentNullException.ThrowIfNull(name, nameof(variables));
            if (IsCredentialVariable(name))
                continue;
            copy.Add(new KeyValuePair<string, string>(name, value ?? string.Empty));
        }
        _list = copy.ToArray();
        _count = _list.Length;
        Logger = logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// The host's constructor: takes ownership of <paramref name="variables"/> (the first
    /// <paramref name="count"/> entries; names non-null, values non-null) without copying it.
    /// Credential variables are still removed here, whoever built the array.
    /// </summary>
    internal HookRequest(KeyValuePair<string, string>[] variables, int count, ILogger logger)
    {
        var kept = 0;
        for (var i = 0; i < count; i++)
        {
            var variable = variables[i];
            if (IsCredentialVariable(variable.Key))
                continue;
            variables[kept++] = variable;
        }
        _list = variables;
        _count = kept;
        Logger = logger;
    }

    /// <summary>A CGI-style variable, or null when absent: <c>request["REMOTE_ADDR"]</c>.</summary>
    public string? this[string name]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(name);
            var list = _list;
            for (var i = 0; i < _count; i++)
            {
                if (string.Equals(list[i].Key, name, StringComparison.Ordinal))
                    return list[i].Value;
            }
            return null;
        }
    }

    /// <summary>All variables.</summary>
    public IReadOnlyDictionary<string, string> Variables
    {
        get
        {
            var existing = Volatile.Read(ref _variables);
            if (existing is not null)
                return existing;
            var built = new Dictionary<string, string>(_count, StringComparer.Ordinal);
            for (var i = 0; i < _count; i++)
                built.TryAdd(_list[i].Key, _list[i].Value);
            // Two threads may race to build it; both results are equal, one is kept.
            return Interlocked.CompareExchange(ref _variables, built, null) ?? built;
        }
    }

    /// <summary>
    /// A request header by name, case-insensitive; null when absent. Never Authorization. As
    /// for CGI, a header whose name has characters other than letters, digits and '-' is not
    /// passed at all, so <c>Header("X_Forwarded_For")</c> is null rather than
    /// X-Forwarded-For's value (the module's rule, dotnet_request_vars.c).
    /// </summary>
    public string? Header(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-')
                return null;
        }
        return name.Length == 0 ? null : this[HeaderVariableName(name)];
    }

    /// <summary>The request method (<c>REQUEST_METHOD</c>), "" when unknown.</summary>
    public string Method => this["REQUEST_METHOD"] ?? string.Empty;

    /// <summary>
    /// The path Apache matched &lt;Location&gt; and &lt;Directory&gt; against: %-decoded, with
    /// <c>//</c>, <c>/./</c> and <c>/../</c> resolved, so <c>/%76ault</c>, <c>//vault</c> and
    /// <c>/x/../vault</c> are all <c>/vault</c>. Decide by this, never by <c>REQUEST_URI</c>,
    /// which stays as the client sent it. A request built without the module's variable (a unit
    /// test's) falls back to <c>SCRIPT_NAME</c> + <c>PATH_INFO</c>, then to REQUEST_URI's path.
    /// </summary>
    public string Path
    {
        get
        {
            if (this[PathVariable] is { } path)
                return path;
            if (this["SCRIPT_NAME"] is { } scriptName)
                return scriptName + (this["PATH_INFO"] ?? string.Empty);
            var uri = this["REQUEST_URI"] ?? string.Empty;
            var query = uri.IndexOf('?');
            return query < 0 ? uri : uri[..query];
        }
    }

    /// <summary>The client's address as Apache established it (mod_remoteip respected); <see cref="IPAddress.None"/> when unknown.</summary>
    public IPAddress RemoteAddress =>
        _remoteAddress ??= IPAddress.TryParse(this["REMOTE_ADDR"], out var address) ? address : IPAddress.None;

    /// <summary>Whether the request came over TLS (mod_ssl's <c>HTTPS</c> is on).</summary>
    public bool IsHttps => string.Equals(this["HTTPS"], "on", StringComparison.OrdinalIgnoreCase);

    /// <summary>The virtual host's name (<c>SERVER_NAME</c>), "" when unknown.</summary>
    public string ServerName => this["SERVER_NAME"] ?? string.Empty;

    /// <summary>The application group the script runs in ("" is <c>%{GLOBAL}</c>).</summary>
    public string ApplicationGroup => this[ApplicationGroupVariable] ?? string.Empty;

    /// <summary>Writes to Apache's error log for this request.</summary>
    public ILogger Logger { get; }

    /// <summary>The variable name of a header: <c>X-Forwarded-For</c> is <c>HTTP_X_FORWARDED_FOR</c>.</summary>
    public static string HeaderVariableName(string headerName)
    {
        return string.Create(5 + headerName.Length, headerName, static (span, name) =>
        {
            "HTTP_".AsSpan().CopyTo(span);
            for (var i = 0; i < name.Length; i++)
            {
                var c = name[i];
                span[5 + i] = c == '-' ? '_' : char.ToUpperInvariant(c);
            }
        });
    }

    private static bool IsCredentialVariable(string name) =>
        string.Equals(name, "HTTP_AUTHORIZATION", StringComparison.OrdinalIgnoreCase) ||
        string.Equals(name, "HTTP_PROXY_AUTHORIZATION", StringComparison.OrdinalIgnoreCase);
}
