using AccessHooks.Host.Interop;
using AccessHooks.Host.Logging;

namespace AccessHooks.Host.Hooks;

/// <summary>
/// The managed twin of dotnet_authz.c: Require dotnet-group g1 g2 ... The module hands over the
/// required groups; the answer is the index of the first one GroupsForUser lists (ordinal), so the
/// user's group list never crosses the bridge.
/// </summary>
internal static unsafe class AuthzPhase
{
    public static readonly Phase<IEnumerable<string>?> GroupsForUserPhase = new()
    {
        Name = "GroupsForUser",
        ServiceName = nameof(IGroupProvider),
        StringArguments = 1,
        TakesUser = true,
        Expected = "IEnumerable<string> GroupsForUser(HookRequest request, string user[, CancellationToken cancellationToken]) (any string collection), or Task<T>/ValueTask<T> of it",
        Converter = static type =>
            !type.IsValueType && typeof(IEnumerable<string>).IsAssignableFrom(type)
                ? typeof(AuthzPhase).GetMethod(nameof(Materialise), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                    .MakeGenericMethod(type)
                    .CreateDelegate(typeof(Func<,>).MakeGenericType(type, typeof(IEnumerable<string>)))
                : null,
        Slot = static unit => unit.GroupsForUser,
    };

    public static int GroupsMatch(HookCall* call, byte* user, byte** groups, int groupCount, HookResult* result)
    {
        var required = new string?[Math.Max(0, groups == null ? 0 : groupCount)];
        for (var i = 0; i < required.Length; i++)
            required[i] = NativeString.Decode(groups[i]);
        return HookCallPath.Run(GroupsForUserPhase, call, NativeString.Decode(user) ?? string.Empty, string.Empty, result,
            Bridge.GroupNoMatch, Translate, required);
    }

    private static int Translate(IEnumerable<string>? listed, string source, object? state, CallLog log, HookResult* result)
    {
        if (listed is null)
        {
            return HookCallPath.Fail(result, log, ErrorCode.InvalidResult,
                $"{source} returned null; return an empty list when the user is in no group");
        }
        result->Outcome = FirstMatch(listed, (string?[])state!);
        return Bridge.CallOk;
    }

    /// <summary>
    /// The script's sequence is enumerated here, inside the timed hook call and while its
    /// generation is held: a lazy (yield return) result runs the script's code now, not later.
    /// </summary>
    private static IEnumerable<string>? Materialise<T>(T value) where T : class, IEnumerable<string> =>
        value switch
        {
            null => null,
            string[] array => array,
            IReadOnlyCollection<string> => value,
            _ => value.ToArray(),
        };

    private static int FirstMatch(IEnumerable<string> listed, string?[] required)
    {
        var best = Bridge.GroupNoMatch;
        if (required.Length == 0)
            return best;
        foreach (var name in listed)
        {
            if (name is null)
                continue;
            var limit = best < 0 ? required.Length : best;
            for (var i = 0; i < limit; i++)
            {
                if (string.Equals(required[i], name, StringComparison.Ordinal))
                {
                    best = i;
                    break;
                }
            }
            if (best == 0)
                break;
        }
        return best;
    }
}
