namespace AccessHooks.Integration.Tests.Infrastructure;

/// <summary>Fixture files made by the real Apache tools.</summary>
public static class HtTools
{
    /// <summary>`htpasswd -b[c] [-B|-m|-s] file user password`.</summary>
    public static void Htpasswd(string file, string user, string password, bool create = false, string algorithm = "-B")
    {
        var args = new List<string> { create ? "-cb" : "-b", algorithm };
        if (algorithm == "-B")
            args.AddRange(["-C", "5"]);
        args.AddRange([file, user, password]);
        AccessHooks.TestSupport.ExternalTool.Run("htpasswd", args, timeout: TimeSpan.FromSeconds(30)).EnsureSuccess("htpasswd");
        File.SetUnixFileMode(file, (UnixFileMode)Convert.ToInt32("644", 8));
    }

    /// <summary>`htdigest [-c] file realm user`, password on stdin (setsid: no controlling tty, so it reads stdin).</summary>
    public static void Htdigest(string file, string realm, string user, string password, bool create = false)
    {
        var args = new List<string> { "htdigest" };
        if (create)
            args.Add("-c");
        args.AddRange([file, realm, user]);
        var r = AccessHooks.TestSupport.ExternalTool.Run("setsid", args, $"{password}\n{password}\n", TimeSpan.FromSeconds(30));
        if (r.ExitCode != 0 || !File.Exists(file) || !File.ReadAllText(file).Contains($"{user}:{realm}:"))
            throw new InvalidOperationException($"htdigest failed: {r}");
        File.SetUnixFileMode(file, (UnixFileMode)Convert.ToInt32("644", 8));
    }

    /// <summary>An AuthGroupFile-format file.</summary>
    public static void GroupFile(string file, IDictionary<string, string[]> groups)
    {
        File.WriteAllLines(file, groups.Select(g => $"{g.Key}: {string.Join(' ', g.Value)}"));
        File.SetUnixFileMode(file, (UnixFileMode)Convert.ToInt32("644", 8));
    }
}
