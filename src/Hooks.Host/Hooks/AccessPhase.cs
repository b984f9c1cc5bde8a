using AccessHooks.Host.Interop;
using AccessHooks.Host.Logging;

namespace AccessHooks.Host.Hooks;

/// <summary>The managed twin of dotnet_access.c: DotNetAccessScript's AllowAccess in the access-checker phase.</summary>
internal static unsafe class AccessPhase
{
    public static readonly Phase<bool?> AllowAccessPhase = new()
    {
        Name = "AllowAccess",
        ServiceName = nameof(IHostAccessPolicy),
        StringArguments = 1,
        TakesUser = false,
        Expected = "bool?|bool AllowAccess(HookRequest request, string host[, CancellationToken cancellationToken]), or Task<T>/ValueTask<T> of those",
        Converter = static type =>
            type == typeof(bool?) ? new Func<bool?, bool?>(static value => value)
            : type == typeof(bool) ? new Func<bool, bool?>(static value => value)
            : null,
        Slot = static unit => unit.AllowAccess,
    };

    public static int AllowAccess(HookCall* call, byte* host, HookResult* result) =>
        HookCallPath.Run(AllowAccessPhase, call, NativeString.Decode(host) ?? string.Empty, string.Empty, result,
            Bridge.AccessDeny, Translate);

    private static int Translate(bool? allowed, string source, object? state, CallLog log, HookResult* result)
    {
        result->Outcome = allowed switch
        {
            true => Bridge.AccessAllow,
            false => Bridge.AccessDeny,
            null => Bridge.AccessDecline,
        };
        return Bridge.CallOk;
    }
}
