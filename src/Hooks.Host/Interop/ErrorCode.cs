namespace AccessHooks.Host.Interop;

/// <summary>
/// The error catalogue of src/Hooks.Native/dotnet_errors.h, same numbers (a test keeps them in
/// step). Logged as DOTNETnnnn by the module.
/// </summary>
internal enum ErrorCode
{
    None = 0,
    RuntimeNotFound = 100,
    RuntimeStartFailed = 101,
    HostNotFound = 102,
    HostInitFailed = 103,
    RuntimeStarted = 104,
    RuntimeUnavailable = 105,
    DaemonSocketAccess = 117,
    DaemonHeaderTooLong = 144,
    DaemonHeaderTimeout = 145,
    DaemonClosedEarly = 146,
    DaemonHeaderIo = 147,
    ScriptNotFound = 200,
    CompileError = 201,
    MissingFunction = 202,
    HookException = 203,
    WrongReturnType = 204,
    EmptyUser = 205,
    HookTimeout = 206,
    AccessDenied = 207,
    UserInNoGroup = 208,
    ScriptLoadError = 209,
    InvalidResult = 210,
    ScriptLog = 211,
    BadUserName = 212,
    ScriptCacheError = 213,
    InternalError = 214,
    ScriptReloaded = 215,
    CredentialsTooLong = 216,
    ScriptLoaded = 217,
    ServicesDisposeSlow = 218,
    HookStuck = 219,
    ScriptCacheUnsafe = 220,
    AuthnCacheHashFailed = 221,
    ConfigBadArgument = 300,
    ConfigNotAllowed = 301,
    ConfigNoScript = 302,
}
