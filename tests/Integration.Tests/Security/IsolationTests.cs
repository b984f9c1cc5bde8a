using System.Text.RegularExpressions;
using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.Security;

/// <summary>
/// Issue 7, item 1: a directive is answered by its own script. Two sites with two scripts in one
/// application group (%{GLOBAL}, a named group, %{SERVER}) never accept each other's users or
/// groups, in any child, once every child has loaded both.
/// </summary>
public sealed class IsolationFixture : ApacheFixture
{
    public static readonly string[] Groups = ["global", "named", "server"];

    // No mod_cgid: its daemon is a child of the parent too, and never loads a script.
    protected override ApacheOptions Options => new() { Cgid = false };

    protected override string Build(ApacheServer s)
    {
        var shared = Path.Combine(s.Dir, "both.htpasswd");
        HtTools.Htpasswd(shared, "alice", "alice-pw", create: true, algorithm: "-s");
        HtTools.Htpasswd(shared, "bob", "bob-pw", algorithm: "-s");
        var body = new System.Text.StringBuilder();
        // A fixed number of children, so the test can wait until each has loaded every script.
        body.AppendLine(s.Mpm == "prefork"
            ? "StartServers 2\nMinSpareServers 2\nMaxSpareServers 2\nServerLimit 2\nMaxRequestWorkers 2"
            : "StartServers 2\nServerLimit 2\nThreadsPerChild 16\nMaxRequestWorkers 32\nMinSpareThreads 1\nMaxSpareThreads 32");
        foreach (var site in new[] { ("a", "alice"), ("b", "bob") })
        {
            var htpasswd = Path.Combine(s.Dir, $"site-{site.Item1}.htpasswd");
            HtTools.Htpasswd(htpasswd, site.Item2, site.Item2 + "-pw", create: true, algorithm: "-s");
            var groups = Path.Combine(s.Dir, $"site-{site.Item1}.groups");
            HtTools.GroupFile(groups, new Dictionary<string, string[]> { ["members"] = [site.Item2] });
            foreach (var group in Groups)
            {
                var script = s.InstallScript("GroupFileSite.cs", new Dictionary<string, string> { ["HTPASSWD"] = htpasswd, ["GROUPS"] = groups },
                    asName: $"site-{site.Item1}-{group}.cs");
                var groupArg = group switch { "global" => null, "named" => "shared", _ => "%{SERVER}" };
                s.AddPage($"{group}/{site.Item1}");
                s.AddPage($"{group}/{site.Item1}-groups");
                body.Append(Conf.BasicLocation($"/{group}/{site.Item1}/", Conf.Script(script, groupArg)));
                // Users from a file both sites share; groups from this site's script only.
                body.Append(Conf.BasicLocation($"/{group}/{site.Item1}-groups/", null, providers: "file",
                    extra: $"AuthUserFile \"{shared}\"\n    DotNetAuthGroupScript {Conf.Script(script, groupArg)}",
                    require: "Require dotnet-group members"));
            }
        }
        // Function form and DI form mixed in one group.
        s.AddPage("mixed/fn");
        body.Append(Conf.BasicLocation("/mixed/fn/", Conf.Script(s.InstallScript("FunctionCheck.cs"), "shared")));
        return body.ToString();
    }

    /// <summary>Every script path, for the "loaded in every child" wait.</summary>
    public static IEnumerable<string> ScriptNames =>
        from site in new[] { "a", "b" } from g in Groups select $"site-{site}-{g}.cs";
}

public sealed class IsolationTests(IsolationFixture fixture) : IClassFixture<IsolationFixture>
{
    private static async Task LoadEverythingInEveryChild(ApacheServer s)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        using var http = new Http(s.BaseUrl, keepAlive: false);
        while (true)
        {
            var children = s.ChildPids();
            var log = s.ErrorLog;
            var missing = (from pid in children
                           from name in IsolationFixture.ScriptNames.Append("FunctionCheck.cs")
                           where !Regex.IsMatch(log, $@"DOTNET0217: script '[^']*/{Regex.Escape(name)}' loaded in application group '[^']*' \(process {pid}\)")
                           select (pid, name)).ToList();
            if (children.Count >= 2 && missing.Count == 0)
                return;
            Assert.True(DateTime.UtcNow < deadline, $"not loaded in every child: {string.Join(", ", missing.Take(8))}\n{s.ErrorLog}");
            // Concurrent requests spread over the children.
            var batch = new List<Task<HttpResult>>();
            foreach (var group in IsolationFixture.Groups)
            {
                batch.Add(http.GetAsync($"/{group}/a/", "alice", "alice-pw"));
                batch.Add(http.GetAsync($"/{group}/b/", "bob", "bob-pw"));
                batch.Add(http.GetAsync($"/{group}/a-groups/", "alice", "alice-pw"));
                batch.Add(http.GetAsync($"/{group}/b-groups/", "bob", "bob-pw"));
            }
            batch.Add(http.GetAsync("/mixed/fn/", "fn-user", "fn-pw"));
            foreach (var r in await Task.WhenAll(batch))
                Assert.True(r.Status == 200, r + "\n" + s.ErrorLog);
        }
    }

    [Theory]
    [MemberData(nameof(Mpm.Both), MemberType = typeof(Mpm))]
    public async Task Site_B_users_and_groups_are_refused_at_site_A_in_every_child(string mpm)
    {
        var s = await fixture.ServerAsync(mpm);
        await LoadEverythingInEveryChild(s);
        using var http = new Http(s.BaseUrl, keepAlive: false);
        for (var round = 0; round < 6; round++)
        {
            var checks = new List<(string What, Task<HttpResult> Request, int Expected)>();
            foreach (var group in IsolationFixture.Groups)
            {
                checks.Add(($"{group}: bob at a", http.GetAsync($"/{group}/a/", "bob", "bob-pw"), 401));
                checks.Add(($"{group}: alice at b", http.GetAsync($"/{group}/b/", "alice", "alice-pw"), 401));
                checks.Add(($"{group}: bob in a's groups", http.GetAsync($"/{group}/a-groups/", "bob", "bob-pw"), 401));
                checks.Add(($"{group}: alice in b's groups", http.GetAsync($"/{group}/b-groups/", "alice", "alice-pw"), 401));
                checks.Add(($"{group}: alice at a", http.GetAsync($"/{group}/a/", "alice", "alice-pw"), 200));
            }
            // The function script is not answered by the DI scripts of its group, nor broken by them.
            checks.Add(("fn: alice", http.GetAsync("/mixed/fn/", "alice", "alice-pw"), 401));
            checks.Add(("fn: own user", http.GetAsync("/mixed/fn/", "fn-user", "fn-pw"), 200));
            foreach (var (what, request, expected) in checks)
            {
                var r = await request;
                Assert.True(r.Status == expected, $"{what}: {r.Status}, expected {expected}\n{s.ErrorLog}");
            }
        }
        Assert.DoesNotContain("DOTNET0209", s.ErrorLog);
    }
}
