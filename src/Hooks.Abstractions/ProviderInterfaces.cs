namespace AccessHooks;

/// <summary>Checks a Basic-auth user name and password (Apache provider <c>dotnet</c>).</summary>
public interface IPasswordChecker
{
    /// <returns>Granted, Denied (chain stops), NotFound (next provider) or GrantedAs(name).</returns>
    ValueTask<AuthResult> CheckPasswordAsync(HookRequest request, string user, string password, CancellationToken cancellationToken = default);
}

/// <summary>Gives the Digest-auth hash for a user (Apache provider <c>dotnet</c> for <c>AuthDigestProvider</c>).</summary>
public interface IRealmHashProvider
{
    /// <returns>32 lowercase hex characters, MD5("user:realm:password"), or null when the user is not known.</returns>
    ValueTask<string?> GetRealmHashAsync(HookRequest request, string user, string realm, CancellationToken cancellationToken = default);
}

/// <summary>Lists the groups of a user, for <c>Require dotnet-group</c>.</summary>
public interface IGroupProvider
{
    /// <summary>The groups <paramref name="user"/> belongs to (empty when none, or when the user is unknown).</summary>
    ValueTask<IReadOnlyCollection<string>> GroupsForUserAsync(HookRequest request, string user, CancellationToken cancellationToken = default);
}

/// <summary>Decides by host in the access-checker phase (<c>DotNetAccessScript</c>).</summary>
public interface IHostAccessPolicy
{
    /// <returns>true: allowed; false: 403; null: no opinion, other modules decide.</returns>
    ValueTask<bool?> AllowAccessAsync(HookRequest request, string host, CancellationToken cancellationToken = default);
}
