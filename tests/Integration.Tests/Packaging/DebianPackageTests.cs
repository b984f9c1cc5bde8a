using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.Packaging;

/// <summary>
/// Issue 11: `make deb` (scripts/deb) builds libapache2-mod-dotnet with debhelper and lintian finds
/// no error in it; its metadata declares Debian's names for what it needs, its contents are the
/// module, the host beside it, the mods-available files and the docs; and an Apache loading the
/// module from the unpacked package serves a protected request. The install into a real Debian
/// root (debootstrap, a2enmod, configtest, purge) is `make deb-check`, run by hand (needs minutes
/// and the Debian mirror).
/// </summary>
public sealed class DebianPackageTests
{
    private static readonly Lazy<(ProcessResult Build, string Deb)> Built = new(() =>
    {
        var r = ProcessRunner.Run("bash", [Path.Combine(RepoPaths.Root, "scripts", "deb")], TimeSpan.FromMinutes(10),
            workingDirectory: RepoPaths.Root);
        var deb = Directory.Exists(Path.Combine(RepoPaths.Root, "build", "deb"))
            ? Directory.GetFiles(Path.Combine(RepoPaths.Root, "build", "deb"), "libapache2-mod-dotnet_*.deb").SingleOrDefault() ?? ""
            : "";
        return (r, deb);
    });

    private static string Deb()
    {
        var (build, deb) = Built.Value;
        Assert.True(build.ExitCode == 0 && deb.Length > 0, build.ToString());
        return deb;
    }

    private static string Field(string deb, string name) =>
        ProcessRunner.Run("dpkg-deb", ["-f", deb, name], TimeSpan.FromSeconds(30)).Output.Trim();

    [Fact]
    public void Metadata_names_the_package_its_version_and_Debian_dependencies()
    {
        var deb = Deb();
        Assert.Equal("libapache2-mod-dotnet", Field(deb, "Package"));
        var props = File.ReadAllText(Path.Combine(RepoPaths.Root, "Directory.Build.props"));
        string Tag(string t) => System.Text.RegularExpressions.Regex.Match(props, $"<{t}>([^<]*)</{t}>").Groups[1].Value;
        Assert.Equal($"{Tag("VersionPrefix")}~{Tag("VersionSuffix")}", Field(deb, "Version"));
        Assert.Equal("httpd", Field(deb, "Section"));
        var depends = Field(deb, "Depends").Split(',').Select(d => d.Trim().Split(' ')[0]).ToList();
        // The module API, what the module links, and what the runtime and the LDAP provider load.
        foreach (var needed in new[] { "apache2-api-20120211", "libc6", "libcrypt1", "libstdc++6", "libicu72", "libssl3", "zlib1g", "libldap-2.5-0" })
            Assert.Contains(needed, depends);
        Assert.DoesNotContain(depends, d => d.Contains("dotnet", StringComparison.OrdinalIgnoreCase)); // Debian has none
    }

    [Fact]
    public void Contents_are_the_module_the_host_the_apache_files_and_the_docs()
    {
        var deb = Deb();
        var listing = ProcessRunner.Run("dpkg-deb", ["-c", deb], TimeSpan.FromSeconds(30));
        Assert.Equal(0, listing.ExitCode);
        var files = listing.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Last()).ToList();
        foreach (var path in new[]
        {
            "./usr/lib/apache2/modules/mod_dotnet.so",
            "./usr/lib/apache2/modules/mod_dotnet/AccessHooks.Host.dll",
            "./usr/lib/apache2/modules/mod_dotnet/AccessHooks.Host.runtimeconfig.json",
            "./usr/lib/apache2/modules/mod_dotnet/AccessHooks.Providers.Ldap.dll",
            "./etc/apache2/mods-available/dotnet.load",
            "./etc/apache2/mods-available/dotnet.conf",
            "./usr/share/doc/libapache2-mod-dotnet/copyright",
            "./usr/share/doc/libapache2-mod-dotnet/docs/directives.md.gz",
            "./usr/share/doc/libapache2-mod-dotnet/docs/status-page.md.gz",
        })
            Assert.Contains(path, files);
        Assert.DoesNotContain(files, f => f.EndsWith(".xml", StringComparison.Ordinal));
        Assert.DoesNotContain(files, f => f.Contains("/build/", StringComparison.Ordinal) || f.Contains("/tests/", StringComparison.Ordinal));

        var unpacked = TestRun.NewDirectory("deb-unpacked");
        Assert.Equal(0, ProcessRunner.Run("dpkg-deb", ["-x", deb, unpacked], TimeSpan.FromSeconds(60)).ExitCode);
        Assert.Equal("LoadModule dotnet_module /usr/lib/apache2/modules/mod_dotnet.so",
            File.ReadAllLines(Path.Combine(unpacked, "etc/apache2/mods-available/dotnet.load")).Single(l => !l.StartsWith('#')));
        // Every directive in dotnet.conf is a commented default: enabling the module changes nothing.
        var conf = File.ReadAllLines(Path.Combine(unpacked, "etc/apache2/mods-available/dotnet.conf"));
        Assert.All(conf.Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')),
            l => Assert.Matches("^</?IfModule", l));
    }

    [Fact]
    public void Lintian_reports_no_errors()
    {
        Deb(); // scripts/deb fails when lintian reports an error; its report is kept beside the package
        var report = File.ReadAllText(Path.Combine(RepoPaths.Root, "build", "deb", "lintian.txt"));
        Assert.DoesNotContain("\nE: ", "\n" + report);
    }

    [Fact]
    public async Task An_apache_loading_the_packaged_module_serves_a_protected_request()
    {
        var unpacked = TestRun.NewDirectory("deb-served");
        Assert.Equal(0, ProcessRunner.Run("dpkg-deb", ["-x", Deb(), unpacked], TimeSpan.FromSeconds(60)).ExitCode);
        var so = Path.Combine(unpacked, "usr/lib/apache2/modules/mod_dotnet.so");
        await using var s = new ApacheServer("prefork", new ApacheOptions { ModulePath = so, Cgid = false });
        // A config with dotnet.conf included as the package ships it.
        s.AddPage("private");
        s.Configure($"""
            Include "{Path.Combine(unpacked, "etc/apache2/mods-available/dotnet.conf")}"
            """ + "\n" + Conf.BasicLocation("/private/", Conf.Script(s.InstallScript("BoolPlain.cs"), "site")));
        var test = s.ConfigTest();
        Assert.True(test.ExitCode == 0 && !test.Output.Contains("DOTNET0"), test.ToString());
        await s.StartAsync();
        using var http = new Http(s.BaseUrl);
        Assert.Equal(401, (await http.GetAsync("/private/", "alice", "wrong")).Status);
        var ok = await http.GetAsync("/private/", "alice", "secret");
        Assert.True(ok.Status == 200, ok + "\n" + s.ErrorLog);
        var maps = string.Join("\n", s.ChildPids().Select(p => { try { return File.ReadAllText($"/proc/{p}/maps"); } catch (IOException) { return ""; } }));
        Assert.Contains(Path.Combine(unpacked, "usr/lib/apache2/modules/mod_dotnet/"), maps);
    }
}
