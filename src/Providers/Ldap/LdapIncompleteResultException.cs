using System.DirectoryServices.Protocols;

namespace AccessHooks.Providers.Ldap;

/// <summary>
/// A search whose answer may be missing entries: the server stopped at a size limit, or referred
/// part (or all) of it to other servers, and referrals are not followed. Answering from it could
/// leave out the group a <c>Require not dotnet-group</c> excludes, or the second entry that makes a
/// user name ambiguous, so the request fails instead (500). The message names the search base and
/// the cause, never an entry's attributes.
/// </summary>
public sealed class LdapIncompleteResultException : DirectoryOperationException
{
    /// <summary>An incomplete result, explained by <paramref name="message"/>.</summary>
    public LdapIncompleteResultException(string message)
        : base(message)
    {
    }

    /// <summary>Throws unless <paramref name="response"/> is a complete, successful result.</summary>
    /// <param name="response">What the search returned (partial results included).</param>
    /// <param name="what">"user search" or "group search", for the message.</param>
    /// <param name="baseDn">The search base, for the message.</param>
    internal static void ThrowIfIncomplete(SearchResponse response, string what, string baseDn)
    {
        if (response.ResultCode == ResultCode.SizeLimitExceeded)
            throw new LdapIncompleteResultException(
                $"LDAP: the {what} under '{baseDn}' hit a size limit after {response.Entries.Count} entries; refusing to answer from a partial result. " +
                "Raise the server's size limit for the bind DN (slapd: limits/sizelimit) or narrow the search.");
        var referral = response.Referral is { Length: > 0 } referrals ? referrals[0].ToString() : null;
        if (response.ResultCode != ResultCode.Success)
            throw new LdapIncompleteResultException(
                $"LDAP: the {what} under '{baseDn}' ended with {response.ResultCode}{(referral is null ? "" : $" ({referral})")} instead of a complete result; referrals are not followed.");
        if (response.References.Count > 0)
        {
            var first = response.References[0].Reference is { Length: > 0 } uris ? uris[0].ToString() : "?";
            throw new LdapIncompleteResultException(
                $"LDAP: the {what} under '{baseDn}' returned {response.References.Count} referral(s) to other servers (first: {first}), which are not followed, " +
                "so the result may be incomplete. Point the search base at a subtree this server holds.");
        }
    }
}
