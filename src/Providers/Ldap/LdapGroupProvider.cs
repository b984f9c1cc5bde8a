namespace AccessHooks.Providers.Ldap;

/// <summary>The group phase of an <see cref="LdapDirectory"/>.</summary>
public sealed class LdapGroupProvider(LdapDirectory directory) : IGroupProvider
{
    /// <summary>The directory the groups are read from.</summary>
    public LdapDirectory Directory => directory;

    /// <inheritdoc />
    public ValueTask<IReadOnlyCollection<string>> GroupsForUserAsync(HookRequest request, string user, CancellationToken cancellationToken = default)
        => ValueTask.FromResult(directory.GroupsForUser(user, cancellationToken));
}
