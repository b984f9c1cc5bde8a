using System.Security.Claims;

namespace AccessHooks.Host.Gateway;

/// <summary>The user Apache authenticated (REMOTE_USER, AUTH_TYPE) as HttpContext.User, or an anonymous principal.</summary>
internal static class ApacheUser
{
    public const string Scheme = "Apache";

    public static ClaimsPrincipal From(IReadOnlyDictionary<string, string> vars)
    {
        if (!vars.TryGetValue("REMOTE_USER", out var user) || user.Length == 0)
            return new ClaimsPrincipal(new ClaimsIdentity());
        var authType = vars.TryGetValue("AUTH_TYPE", out var type) && type.Length > 0 ? type : Scheme;
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, user), new Claim(ClaimTypes.NameIdentifier, user)], authType);
        return new ClaimsPrincipal(identity);
    }
}
