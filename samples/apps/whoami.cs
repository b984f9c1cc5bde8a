// A script app (docs/gateway.md): served inside Apache's children by
//   DotNetScriptAlias /whoami /path/to/whoami.cs
// It shows who Apache authenticated (HttpContext.User) and whether the Authorization header
// reached the app (only with DotNetPassAuthorization On or pass-authorization=On).

public static class WhoAmI
{
    public static void Configure(WebApplication app)
    {
        app.MapGet("/", (HttpContext context) =>
        {
            var apache = context.Features.Get<IApacheRequestFeature>()!;
            var user = context.User.Identity;
            return Results.Text(
                $"user:            {(user?.IsAuthenticated == true ? user.Name : "(anonymous)")}\n" +
                $"authenticated:   {user?.AuthenticationType ?? "-"}\n" +
                $"Authorization:   {(context.Request.Headers.ContainsKey("Authorization") ? "passed to the app" : "not passed (DotNetPassAuthorization Off)")}\n" +
                $"path base:       {context.Request.PathBase}\n" +
                $"client:          {context.Connection.RemoteIpAddress}\n" +
                $"app group:       {(apache.ApplicationGroup.Length == 0 ? "%{GLOBAL}" : apache.ApplicationGroup)}\n" +
                $"served by:       Apache child {Environment.ProcessId}\n");
        });
    }
}
