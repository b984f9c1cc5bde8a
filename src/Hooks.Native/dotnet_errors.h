/*
 * The error catalogue: every code the module logs, defined once here. docs/error-reference.md
 * lists each with its cause and fix, and tests/Host.Tests checks the two agree (and that
 * src/Hooks.Host/Interop/ErrorCode.cs mirrors these numbers).
 * Numbers that mod_wsgi uses for the same meaning keep mod_wsgi's number.
 *
 * DOTNET_ERROR(number, NAME, "short meaning")
 */
#ifndef DOTNET_ERRORS_H
#define DOTNET_ERRORS_H

#define DOTNET_ERROR_LIST(X) \
    X(100, RUNTIME_NOT_FOUND,     "the .NET runtime (hostfxr) was not found") \
    X(101, RUNTIME_START_FAILED,  "the .NET runtime failed to start") \
    X(102, HOST_NOT_FOUND,        "the managed host AccessHooks.Host.dll was not found") \
    X(103, HOST_INIT_FAILED,      "the managed host failed to initialise") \
    X(104, RUNTIME_STARTED,       "the .NET runtime started in this child") \
    X(105, RUNTIME_UNAVAILABLE,   "the .NET runtime is not available in this child") \
    X(106, FRAMEWORK_MISSING,     "a shared framework the host needs is not installed") \
    X(117, DAEMON_SOCKET_ACCESS,  "cannot reach the daemon socket directory") \
    X(144, DAEMON_HEADER_TOO_LONG, "daemon response header line too long") \
    X(145, DAEMON_HEADER_TIMEOUT, "timeout reading daemon response headers") \
    X(146, DAEMON_CLOSED_EARLY,   "daemon process closed connection before sending complete response headers") \
    X(147, DAEMON_HEADER_IO,      "I/O error reading daemon response headers") \
    X(200, SCRIPT_NOT_FOUND,      "script file not found or not readable") \
    X(201, COMPILE_ERROR,         "script failed to compile") \
    X(202, MISSING_FUNCTION,      "script provides no function or service for this hook") \
    X(203, HOOK_EXCEPTION,        "script raised an exception") \
    X(204, WRONG_RETURN_TYPE,     "script function has the wrong signature or returned the wrong type") \
    X(205, EMPTY_USER,            "empty user name") \
    X(206, HOOK_TIMEOUT,          "script did not answer within DotNetHookTimeout") \
    X(207, ACCESS_DENIED,         "client denied by access script") \
    X(208, USER_IN_NO_GROUP,      "user is in none of the required groups") \
    X(209, SCRIPT_LOAD_ERROR,     "script failed to load") \
    X(210, INVALID_RESULT,        "script returned an invalid value") \
    X(211, SCRIPT_LOG,            "message from a script") \
    X(212, BAD_USER_NAME,         "user name contains control characters") \
    X(213, SCRIPT_CACHE_ERROR,    "script cache directory not usable") \
    X(214, INTERNAL_ERROR,        "internal error in the managed host") \
    X(215, SCRIPT_RELOADED,       "script changed on disk and was reloaded") \
    X(216, CREDENTIALS_TOO_LONG,  "user name or password too long") \
    X(217, SCRIPT_LOADED,         "script loaded into its application group") \
    X(218, SERVICES_DISPOSE_SLOW, "disposing a script generation's services was slow or failed") \
    X(219, HOOK_STUCK,            "a hook is still running after its deadline") \
    X(220, SCRIPT_CACHE_UNSAFE,   "script cache directory or file not trusted") \
    X(221, AUTHN_CACHE_HASH,      "no hash could be offered to mod_authn_socache") \
    X(222, REFERENCE_CONFLICT,    "a script references an assembly its group already has from another file") \
    X(230, APP_EXECCGI_OFF,       "Options ExecCGI is off where SetHandler dotnet-script would run an app") \
    X(231, APP_NOT_FOUND,         "the requested file is not an application") \
    X(232, APP_LOAD_ERROR,        "an application failed to load or start") \
    X(233, APP_EXCEPTION,         "an application request raised an unhandled exception") \
    X(234, APP_RESPONSE_ERROR,    "an application's response could not be sent as the app gave it") \
    X(235, APP_CLIENT_GONE,       "the client went away before the response was complete") \
    X(236, APP_STARTED,           "an application started in this process") \
    X(237, APP_RELOADED,          "an application changed on disk and was restarted") \
    X(238, APP_STOP_SLOW,         "an application did not stop within its shutdown timeout") \
    X(239, APP_LOG,               "a line from an application's own logging") \
    X(240, APP_PRELOAD_SKIPPED,   "an application or script to preload is not there") \
    X(241, APP_UNLOAD_INCOMPLETE, "a reloaded application's load context did not unload") \
    X(242, CHILD_REPLACEMENT,     "a child asked to be replaced; the parent restarts gracefully") \
    X(243, STATUS_MEMORY,         "the dotnet-status counters have no shared memory or no slot") \
    X(250, DAEMON_STARTED,        "a daemon process started") \
    X(251, DAEMON_EXITED,         "a daemon process exited or was replaced") \
    X(252, DAEMON_START_FAILED,   "a daemon process group could not be started") \
    X(253, DAEMON_REQUEST_REFUSED, "a connection to a daemon socket was refused") \
    X(254, DAEMON_CONNECT_FAILED, "cannot connect to the daemon process group") \
    X(255, DAEMON_GROUP_UNKNOWN,  "a process group is named that no DotNetDaemonProcess defines") \
    X(256, DAEMON_REQUEST_TIMEOUT, "a request in a daemon ran past request-timeout") \
    X(257, DAEMON_QUEUE_TIMEOUT,  "a request waited past queue-timeout for a daemon thread") \
    X(300, CONFIG_BAD_ARGUMENT,   "bad directive argument") \
    X(301, CONFIG_NOT_ALLOWED,    "directive not allowed in this context") \
    X(302, CONFIG_NO_SCRIPT,      "a dotnet provider is used but no script is configured")

enum dotnet_error {
    DOTNET_OK = 0,
#define DOTNET_ERROR_ENUM(num, name, text) DOTNET_##name = num,
    DOTNET_ERROR_LIST(DOTNET_ERROR_ENUM)
#undef DOTNET_ERROR_ENUM
};

/* "the .NET runtime failed to start" for 101; "unknown error" for numbers not in the list. */
const char *dotnet_error_text(int code);

#endif /* DOTNET_ERRORS_H */
