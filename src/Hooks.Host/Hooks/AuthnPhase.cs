using System.Runtime.InteropServices;
using System.Text.Unicode;
using AccessHooks.Host.Interop;
using AccessHooks.Host.Logging;

namespace AccessHooks.Host.Hooks;

/// <summary>
/// The managed twin of dotnet_authn.c: provider "dotnet" for AuthBasicProvider (CheckPassword)
/// and AuthDigestProvider (GetRealmHash).
/// </summary>
internal static unsafe class AuthnPhase
{
    public static readonly Phase<AuthResult> CheckPasswordPhase = new()
    {
        Name = "CheckPassword",
        ServiceName = nameof(IPasswordChecker),
        StringArguments = 2,
        TakesUser = true,
        SecondArgumentIsSecret = true,
        Expected = "bool?|bool|AuthResult|string CheckPassword(HookRequest request, string user, string password[, CancellationToken cancellationToken]), or Task<T>/ValueTask<T> of those",
        Converter = static type =>
            type == typeof(bool?) ? new Func<bool?, AuthResult>(static value => value)
            : type == typeof(bool) ? new Func<bool, AuthResult>(static value => value ? AuthResult.Granted : AuthResult.Denied)
            : type == typeof(AuthResult) ? new Func<AuthResult, AuthResult>(static value => value)
            : type == typeof(string) ? new Func<string?, AuthResult>(FromName)
            : null,
        Slot = static unit => unit.CheckPassword,
    };

    public static readonly Phase<string?> GetRealmHashPhase = new()
    {
        Name = "GetRealmHash",
        ServiceName = nameof(IRealmHashProvider),
        StringArguments = 2,
        TakesUser = true,
        Expected = "string? GetRealmHash(HookRequest request, string user, string realm[, CancellationToken cancellationToken]), or Task<string?>/ValueTask<string?>",
        Converter = static type => type == typeof(string) ? new Func<string?, string?>(static value => value) : null,
        Slot = static unit => unit.GetRealmHash,
    };

    public static int CheckPassword(HookCall* call, byte* user, byte* password, HookResult* result)
    {
        var name = NativeString.Decode(user) ?? string.Empty;
        // A name that was not UTF-8 reached the script as Latin-1; REMOTE_USER becomes that
        // string's UTF-8 form, so the two spellings of one name are one user after a grant.
        var normalised = user != null && !Utf8.IsValid(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(user)) ? name : null;
        return HookCallPath.Run(CheckPasswordPhase, call, name, NativeString.Decode(password) ?? string.Empty, result,
            (int)AuthOutcome.Denied, TranslateCheck, normalised);
    }

    public static int GetRealmHash(HookCall* call, byte* user, byte* realm, HookResult* result) =>
        HookCallPath.Run(GetRealmHashPhase, call, NativeString.Decode(user) ?? string.Empty, NativeString.Decode(realm) ?? string.Empty, result,
            (int)AuthOutcome.Denied, TranslateRealmHash);

    private static int TranslateCheck(AuthResult answer, string source, object? normalisedName, CallLog log, HookResult* result)
    {
        result->Outcome = (int)answer.Outcome;
        if (answer.Outcome != AuthOutcome.Granted)
            return Bridge.CallOk;
        if (answer.UserName is { Length: > 0 } renamed)
        {
            if (!UserNameRule.IsAcceptable(renamed))
                return HookCallPath.Fail(result, log, ErrorCode.InvalidResult, $"{source} granted access as a user name with control characters");
            result->Text = NativeString.ToMalloc(renamed);
        }
        else
        {
            if (normalisedName is string name)
                result->Text = NativeString.ToMalloc(name);
            // Only for the name the source checked: a renamed user is not cached at all.
            if (answer.StoredHash is { Length: > 0 } stored)
                result->CacheHash = NativeString.ToMalloc(stored);
        }
        return Bridge.CallOk;
    }

    /// <summary>The one owner of the realm-hash rule: 32 hex digits, handed to the module in lowercase.</summary>
    private static int TranslateRealmHash(string? hash, string source, object? state, CallLog log, HookResult* result)
    {
        if (hash is null)
        {
            result->Outcome = (int)AuthOutcome.NotFound;
            return Bridge.CallOk;
        }
        if (!IsMd5Hex(hash))
        {
            // The value itself is not logged: it is a password equivalent.
            return HookCallPath.Fail(result, log, ErrorCode.InvalidResult,
                $"{source} returned a value that is not 32 hex digits (MD5 of \"user:realm:password\"); return null when the user is not known");
        }
        result->Outcome = (int)AuthOutcome.Granted;
        result->Text = NativeString.ToMalloc(hash.ToLowerInvariant());
        return Bridge.CallOk;
    }

    /// <summary>null: not found (next provider); a name: granted as that user; "": not a valid answer.</summary>
    private static AuthResult FromName(string? name) => name switch
    {
        null => AuthResult.NotFound,
        "" => throw new InvalidHookResultException("CheckPassword returned an empty user name; return null (not found), false (denied) or a non-empty name"),
        _ => AuthResult.GrantedAs(name),
    };

    private static bool IsMd5Hex(string value)
    {
        if (value.Length != 32)
            return false;
        foreach (var c in value)
        {
            if (!char.IsAsciiHexDigit(c))
                return false;
        }
        return true;
    }
}
