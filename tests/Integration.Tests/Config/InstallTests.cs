using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.Config;

/// <summary>`make install DESTDIR=...` (scripts/install): the installed layout, and an Apache that loads the
/// module from there and serves the issue's example (htpasswd + group file behind Require dotnet-group).</summary>
public sealed class InstallTests
{
    [Fact]
    public async Task Install_layout_and_an_apache_using_the_installed_module()
    {
        RepoPaths.RequireModule();
        var destdir = TestRun.NewDirectory("destdir");
        var installScript = Path.Combine(RepoPaths.Root, "scripts", "install");
        // scripts/install is what `make install` runs after building; calling it directly avoids a rebuild.
        var r = File.Exists(installScript)
            ? ProcessRunner.Run("bash", [installScript, destdir], TimeSpan.FromMinutes(3), workingDirectory: RepoPaths.Root)
            : ProcessRunner.Run("make", ["-C", RepoPaths.Root, "install", $"DESTDIR={destdir}"], TimeSpan.FromMinutes(10));
        Assert.True(r.ExitCode == 0, r.ToString());

        var files = Directory.EnumerateFiles(destdir, "*", SearchOption.AllDirectories).ToList();
        var so = Assert.Single(files, f => Path.GetFileName(f) == "mod_dotnet.so");
        var host = Path.Combine(Path.GetDirectoryName(so)!, "mod_dotnet", "AccessHooks.Host.dll");
        Assert.True(File.Exists(host), $"{host} missing; installed: {string.Join("\n", files.Take(50))}");
        Assert.True(File.Exists(Path.ChangeExtension(host, ".runtimeconfig.json")));
        var load = Assert.Single(files, f => f.EndsWith("/mods-available/dotnet.load", StringComparison.Ordinal));
        var loadText = File.ReadAllText(load);
        var installedPath = so[destdir.Length..];
        Assert.Contains($"LoadModule dotnet_module {installedPath}", loadText.Replace("\"", ""));
        Assert.Equal("/usr/lib/apache2/modules/mod_dotnet.so", installedPath);

        // an Apache loading the installed copy
        var s = new ApacheServer("event", new ApacheOptions { ModulePath = so });
        await using var _ = s;
        var htpasswd = Path.Combine(s.Dir, "site.htpasswd");
        HtTools.Htpasswd(htpasswd, "ian", "ian-pw", create: true);
        HtTools.Htpasswd(htpasswd, "ivy", "ivy-pw");
        var groups = Path.Combine(s.Dir, "site.groups");
        HtTools.GroupFile(groups, new Dictionary<string, string[]> { ["staff"] = ["ian"] });
        var script = s.InstallScript("GroupFileSite.cs", new Dictionary<string, string> { ["HTPASSWD"] = htpasswd, ["GROUPS"] = groups });
        s.AddPage("private");
        s.Configure($"""
            <Location "/private/">
                AuthType Basic
                AuthName "private"
                AuthBasicProvider dotnet
                DotNetAuthUserScript "{script}"
                DotNetAuthGroupScript "{script}"
                Require dotnet-group staff
            </Location>
            """);
        Assert.Contains($"LoadModule dotnet_module \"{so}\"", File.ReadAllText(s.ConfPath));
        await s.StartAsync();
        using var http = new Http(s.BaseUrl);
        Assert.Equal(401, (await http.GetAsync("/private/")).Status);
        Assert.Equal(401, (await http.GetAsync("/private/", "ivy", "ivy-pw")).Status);
        var ok = await http.GetAsync("/private/", "ian", "ian-pw");
        Assert.True(ok.Status == 200, ok + "\n" + s.ErrorLog);
        // the host came from the installed tree, not from build/
        var maps = string.Join("\n", s.ChildPids().Select(p => { try { return File.ReadAllText($"/proc/{p}/maps"); } catch (IOException) { return ""; } }));
        Assert.Contains(Path.GetDirectoryName(host)!, maps);
        Assert.DoesNotContain(RepoPaths.ModulesDir + "/", maps);
    }
}
