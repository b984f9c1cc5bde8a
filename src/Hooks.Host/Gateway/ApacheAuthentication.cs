using System.Text.Encodings.Web;
using AccessHooks.Host.Interop;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AccessHooks.Host.Gateway;

/// <summary>
/// The "Apache" authentication scheme, as IIS in-process registers "Windows": the user is who
/// Apache authenticated, so [Authorize] and RequireAuthorization() work; a challenge answers 401
/// (Apache's auth configuration on the location is what asks for credentials) and a forbid 403.
/// It becomes the default only when the app chose no default of its own.
/// </summary>
internal sealed class ApacheAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var feature = Context.Features.Get<IApacheRequestFeature>();
        if (feature is AppRequest request)
        {
            // The gateway's own request: no variable dictionary, and the principal it already has.
            return Task.FromResult(request.RemoteUser.Length == 0
                ? AuthenticateResult.NoResult()
                : AuthenticateResult.Success(new AuthenticationTicket(request.ApachePrincipal, Scheme.Name)));
        }
        if (feature is null || !feature.Variables.TryGetValue("REMOTE_USER", out var user) || user.Length == 0)
            return Task.FromResult(AuthenticateResult.NoResult());
        var principal = ApacheUser.From(user, feature.Variables.TryGetValue("AUTH_TYPE", out var type) ? type : string.Empty);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name)));
    }
}

internal static class ApacheAuthenticationRegistration
{
    /// <summary>Adds the scheme after the app's own services (so the app's choices stand).</summary>
    public static void AddApacheAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication();
        services.AddOptions<AuthenticationOptions>().Configure(options =>
        {
            if (!options.Schemes.Any(s => s.Name == ApacheUser.Scheme))
                options.AddScheme<ApacheAuthenticationHandler>(ApacheUser.Scheme, "Apache");
        }).PostConfigure(options =>
        {
            if (options.DefaultScheme is null)
            {
                options.DefaultAuthenticateScheme ??= ApacheUser.Scheme;
                options.DefaultChallengeScheme ??= ApacheUser.Scheme;
                options.DefaultForbidScheme ??= ApacheUser.Scheme;
            }
        });
    }
}
