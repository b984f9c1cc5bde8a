using AccessHooks.Providers;
using AccessHooks.Providers.GroupFile;
using AccessHooks.Providers.Htpasswd;

namespace AccessHooks.Host.Groups;

/// <summary>
/// Which provider services may run on Apache's worker itself instead of being handed to its hook
/// thread. Only the bundled file providers qualify: they answer from an in-memory snapshot of
/// their file, and what could take long (an expensive password hash) they run asynchronously,
/// where the deadline still reaches it. The hand-over exists for code that may block without
/// end (a script's own method, a custom provider, LDAP's synchronous libldap calls), and costs
/// two context switches per call; these providers do not need it. Nor do they read the
/// HookRequest they are given (only the user name, password and realm), so they get an empty one
/// (<see cref="Hooks.HookSlot{TResult}.ReadsRequest"/>). Exact types: the providers are sealed,
/// and a composite qualifies only when every member does.
/// </summary>
internal static class InlineProviders
{
    public static bool AnswersInline(IPasswordChecker? checker) => checker switch
    {
        HtpasswdPasswordChecker => true,
        CompositePasswordChecker composite => composite.Checkers.Count > 0 && composite.Checkers.All(AnswersInline),
        _ => false,
    };

    public static bool AnswersInline(IRealmHashProvider? provider) => provider switch
    {
        HtdigestRealmHashProvider => true,
        CompositeRealmHashProvider composite => composite.Providers.Count > 0 && composite.Providers.All(AnswersInline),
        _ => false,
    };

    public static bool AnswersInline(IGroupProvider? provider) => provider switch
    {
        GroupFileProvider => true,
        CompositeGroupProvider composite => composite.Providers.Count > 0 && composite.Providers.All(AnswersInline),
        _ => false,
    };
}
