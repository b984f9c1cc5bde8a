namespace AccessHooks.Host.Hooks;

/// <summary>
/// One hook phase: its function name, parameters and the value types a script may return
/// (each with a converter to the phase's result type).
/// </summary>
internal sealed class Phase<TResult>
{
    public required string Name { get; init; }
    /// <summary>Parameter types after HookRequest (one or two strings).</summary>
    public required int StringArguments { get; init; }
    /// <summary>The signatures a script may use, for the DOTNET0204 message.</summary>
    public required string Expected { get; init; }
    /// <summary>A Func&lt;T, TResult&gt; for a return (or awaited) type T the phase accepts, else null.</summary>
    public required Func<Type, Delegate?> Converter { get; init; }
}

internal static class Phases
{
    public static readonly Phase<AuthResult> CheckPassword = new()
    {
        Name = "CheckPassword",
        StringArguments = 2,
        Expected = "bool?|bool|AuthResult|string CheckPassword(HookRequest request, string user, string password[, CancellationToken cancellationToken]), or Task<T>/ValueTask<T> of those",
        Converter = static type =>
            type == typeof(bool?) ? new Func<bool?, AuthResult>(static value => value)
            : type == typeof(bool) ? new Func<bool, AuthResult>(static value => value ? AuthResult.Granted : AuthResult.Denied)
            : type == typeof(AuthResult) ? new Func<AuthResult, AuthResult>(static value => value)
            : type == typeof(string) ? new Func<string?, AuthResult>(FromName)
            : null,
    };

    public static readonly Phase<string?> GetRealmHash = new()
    {
        Name = "GetRealmHash",
        StringArguments = 2,
        Expected = "string? GetRealmHash(HookRequest request, string user, string realm[, CancellationToken cancellationToken]), or Task<string?>/ValueTask<string?>",
        Converter = static type => type == typeof(string) ? new Func<string?, string?>(static value => value) : null,
    };

    public static readonly Phase<IEnumerable<string>?> GroupsForUser = new()
    {
        Name = "GroupsForUser",
        StringArguments = 1,
        Expected = "IEnumerable<string> GroupsForUser(HookRequest request, string user[, CancellationToken cancellationToken]) (any string collection), or Task<T>/ValueTask<T> of it",
        Converter = static type =>
            !type.IsValueType && typeof(IEnumerable<string>).IsAssignableFrom(type)
                ? typeof(Phases).GetMethod(nameof(Upcast), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                    .MakeGenericMethod(type)
                    .CreateDelegate(typeof(Func<,>).MakeGenericType(type, typeof(IEnumerable<string>)))
                : null,
    };

    public static readonly Phase<bool?> AllowAccess = new()
    {
        Name = "AllowAccess",
        StringArguments = 1,
        Expected = "bool?|bool AllowAccess(HookRequest request, string host[, CancellationToken cancellationToken]), or Task<T>/ValueTask<T> of those",
        Converter = static type =>
            type == typeof(bool?) ? new Func<bool?, bool?>(static value => value)
            : type == typeof(bool) ? new Func<bool, bool?>(static value => value)
            : null,
    };

    /// <summary>null: not found (next provider); a name: granted as that user; "": not a valid answer.</summary>
    private static AuthResult FromName(string? name) => name switch
    {
        null => AuthResult.NotFound,
        "" => throw new InvalidHookResultException("CheckPassword returned an empty user name; return null (not found), false (denied) or a non-empty name"),
        _ => AuthResult.GrantedAs(name),
    };

    private static IEnumerable<string>? Upcast<T>(T value) where T : class, IEnumerable<string> => value;
}
