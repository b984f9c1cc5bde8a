using AccessHooks.Host.Hooks;

namespace AccessHooks.Host.Groups;

/// <summary>The provider interfaces of the DI form, adapted to the same shape as script functions.</summary>
internal static class ServiceAdapters
{
    public static HookFn<AuthResult> For(IPasswordChecker checker) =>
        (request, user, password, token) => checker.CheckPasswordAsync(request, user, password, token);

    public static HookFn<string?> For(IRealmHashProvider provider) =>
        (request, user, realm, token) => provider.GetRealmHashAsync(request, user, realm, token);

    public static HookFn<IEnumerable<string>?> For(IGroupProvider provider) =>
        (request, user, _, token) =>
        {
            var groups = provider.GroupsForUserAsync(request, user, token);
            return groups.IsCompletedSuccessfully
                ? new ValueTask<IEnumerable<string>?>(groups.Result)
                : AwaitGroups(groups);
        };

    public static HookFn<bool?> For(IHostAccessPolicy policy) =>
        (request, host, _, token) => policy.AllowAccessAsync(request, host, token);

    private static async ValueTask<IEnumerable<string>?> AwaitGroups(ValueTask<IReadOnlyCollection<string>> groups) =>
        await groups.ConfigureAwait(false);
}
