using AccessHooks.Providers.Htpasswd;
using AccessHooks.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace AccessHooks.Providers.Tests;

/// <summary>Fixture files made by the real htpasswd, and checkers over them.</summary>
internal static class HtpasswdFiles
{
    /// <summary>Runs <c>htpasswd -b [flags] file user password</c> (creating the file with -c when new).</summary>
    public static void Add(string file, string user, string password, params string[] flags)
    {
        var arguments = new List<string> { File.Exists(file) ? "-b" : "-cb" };
        arguments.AddRange(flags);
        arguments.AddRange([file, user, password]);
        ExternalTool.Run("htpasswd", arguments).EnsureSuccess("htpasswd " + string.Join(' ', flags));
    }

    /// <summary>One "user:hash" line made by <c>htpasswd -nb [flags]</c>.</summary>
    public static string Line(string user, string password, params string[] flags)
    {
        var arguments = new List<string> { "-nb" };
        arguments.AddRange(flags);
        arguments.AddRange([user, password]);
        return ExternalTool.Run("htpasswd", arguments).EnsureSuccess("htpasswd -n").StandardOutput.Trim();
    }

    public static HtpasswdPasswordChecker Checker(string path, ListLogger<HtpasswdPasswordChecker>? logger = null, TimeSpan? interval = null, TimeSpan? settle = null) =>
        new(new HtpasswdOptions
        {
            Path = path,
            ReloadCheckInterval = interval ?? TimeSpan.FromSeconds(1),
            ReloadSettleTime = settle ?? TimeSpan.FromMilliseconds(500),
        }, (Microsoft.Extensions.Logging.ILogger<HtpasswdPasswordChecker>?)logger ?? NullLogger<HtpasswdPasswordChecker>.Instance);

    public static AuthResult Check(this HtpasswdPasswordChecker checker, string user, string password) =>
        checker.CheckPasswordAsync(TestRequests.Empty, user, password).AsTask().GetAwaiter().GetResult();
}
