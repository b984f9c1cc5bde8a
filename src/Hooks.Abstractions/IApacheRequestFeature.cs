namespace AccessHooks;

/// <summary>
/// Apache's view of an application request, on <c>HttpContext.Features</c> of every request the
/// gateway serves: the CGI variables (as mod_wsgi's environ) and mod_dotnet's own. The app reads
/// it with <c>context.Features.Get&lt;IApacheRequestFeature&gt;()</c>.
/// </summary>
public interface IApacheRequestFeature
{
    /// <summary>
    /// Every variable: REQUEST_METHOD, REQUEST_URI, SCRIPT_NAME, PATH_INFO, SCRIPT_FILENAME,
    /// REMOTE_ADDR, REMOTE_USER, AUTH_TYPE, HTTPS, the mod_ssl variables when TLS is on, what
    /// SetEnv and SetEnvIf set, and <c>mod_dotnet.application_group</c> /
    /// <c>mod_dotnet.process_group</c>. Never HTTP_AUTHORIZATION (headers are on the request).
    /// </summary>
    IReadOnlyDictionary<string, string> Variables { get; }

    /// <summary>The URL path up to the app (the app's PathBase).</summary>
    string ScriptName { get; }

    /// <summary>The URL path after the app's (the app's Path).</summary>
    string PathInfo { get; }

    /// <summary>The app's file: the .cs script or the main .dll.</summary>
    string ScriptFileName { get; }

    /// <summary>The application group the app runs in ("" is %{GLOBAL}).</summary>
    string ApplicationGroup { get; }

    /// <summary>The process group: "" when the app runs embedded in Apache's children.</summary>
    string ProcessGroup { get; }
}
