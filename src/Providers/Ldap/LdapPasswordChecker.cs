namespace AccessHooks.Providers.Ldap;

/// <summary>The password phase of an <see cref="LdapDirectory"/>.</summary>
public sealed class LdapPasswordChecker(LdapDirectory directory) : IPasswordChecker
{
    /// <summary>The directory users are bound against.</summary>
    public LdapDirectory Directory => directory;

    // libldap calls block; the host already runs hooks on a worker thread that waits for the answer,
    // so running synchronously here costs no extra thread hop.
    /// <inheritdoc />
    public ValueTask<AuthResult> CheckPasswordAsync(HookRequest request, string user, string password, CancellationToken cancellationToken = default)
        => ValueTask.FromResult(directory.Authenticate(user, password, cancellationToken));
}
