// A hook script for Apache's mod_dotnet. Use it with:
//
//   <Location /private>
//       AuthType Basic
//       AuthName "private"
//       AuthBasicProvider dotnet
//       DotNetAuthUserScript /etc/apache2/hooks/HookScriptName.cs application-group=HookScriptName
//       DotNetAuthGroupScript /etc/apache2/hooks/HookScriptName.cs application-group=HookScriptName
//       Require dotnet-group staff
//   </Location>
//
// The script is compiled once (then cached) and reloaded when it changes. docs/providers.md has
// every form a script can take.

public static class SiteHooks
{
    // The DI form: register providers. Several are asked in order; the first that knows the
    // user answers. Files are parsed once and reloaded when they change.
    public static void ConfigureServices(IServiceCollection services) => services
        .AddHtpasswd("HTPASSWD_PATH")
        .AddGroupFile("GROUPS_PATH");

    // The function form: write the check yourself instead (remove ConfigureServices above).
    // Return true (granted), false (wrong password: 401) or null (unknown user: Apache asks
    // the next provider). Never log the password.
    //
    // public static bool? CheckPassword(HookRequest request, string user, string password)
    // {
    //     request.Logger.LogInformation("checking {User} from {Address}", user, request.RemoteAddress);
    //     return user == "demo" ? password == "demo" : null;
    // }
    //
    // public static IEnumerable<string> GroupsForUser(HookRequest request, string user) =>
    //     user == "demo" ? ["staff"] : [];
}
