using System.Security.Claims;

namespace AccessHooks.Host.Gateway;

/// <summary>The user Apache authenticated (REMOTE_USER, AUTH_TYPE) as HttpContext.User, or an anonymous principal.</summary>
internal static class ApacheUser
{
    public const string Scheme = "Apache";

    public static ClaimsPrincipal From(string user, string authType)
    {
        if (user.Length == 0)
            return new ClaimsPrincipal(new ClaimsIdentity());
        if (authType.Length == 0)
            authType = Scheme;
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, user), new Claim(ClaimTypes.NameIdentifier, user)], authType);
        return new ClaimsPrincipal(identity);
    }
}
