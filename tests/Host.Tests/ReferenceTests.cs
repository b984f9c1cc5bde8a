using AccessHooks.Host.Scripts;
using AccessHooks.Host.Tests.Infrastructure;

namespace AccessHooks.Host.Tests;

/// <summary>#r references and compiled (.dll) scripts.</summary>
public sealed class ReferenceTests : IDisposable
{
    private readonly ScriptDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Compiles <paramref name="source"/> into &lt;folder&gt;/&lt;assemblyName&gt;.dll (folder: relative to the test's directory).</summary>
    private string BuildLibrary(string assemblyName, string source, string folder = "")
    {
        Directory.CreateDirectory(Path.Combine(_dir.Path, folder));
        var path = _dir.Write(Path.Combine(folder, assemblyName + ".cs"), source);
        var output = ScriptCompiler.Compile(ScriptSource.Read(path), assemblyName);
        Assert.True(output.Image is not null, string.Join("\n", output.Errors));
        var dll = Path.Combine(_dir.Path, folder, assemblyName + ".dll");
        File.WriteAllBytes(dll, output.Image!);
        File.Delete(path);
        return dll;
    }

    [Fact]
    public void HashRReferencesAreCompiledAgainstAndLoaded()
    {
        var unique = "Lib" + Guid.NewGuid().ToString("N");
        BuildLibrary(unique, $"namespace {unique} {{ public static class Names {{ public static string Of(string u) => \"lib:\" + u; }} }}");
        var path = _dir.Write("auth.cs", $"// a comment first\n#r \"{unique}.dll\"\n\npublic static class Auth {{ public static string CheckPassword(HookRequest r, string u, string p) => {unique}.Names.Of(u); }}\n");
        var result = new HookInvoker(path).CheckPassword("alice", "x");
        Assert.True(result.Ok, result.Log);
        Assert.Equal("lib:alice", result.Text);
    }

    [Fact]
    public void LineNumbersStayTheScriptsWithHashR()
    {
        var unique = "Lib" + Guid.NewGuid().ToString("N");
        BuildLibrary(unique, $"namespace {unique} {{ public static class X {{ }} }}");
        var path = _dir.Write("auth.cs", $"#r \"{unique}.dll\"\npublic static class Auth {{ public static bool CheckPassword(HookRequest r, string u, string p) => nope; }}\n");
        var result = new HookInvoker(path).CheckPassword("alice", "x");
        Assert.Equal(201, result.Error);
        Assert.Contains(result.Lines, line => line.Message.StartsWith(path + ":2:", StringComparison.Ordinal));
    }

    [Fact]
    public void MissingHashRIsACompileError()
    {
        var path = _dir.Write("auth.cs", "#r \"nowhere.dll\"\npublic static class Auth { public static bool CheckPassword(HookRequest r, string u, string p) => true; }\n");
        var result = new HookInvoker(path).CheckPassword("alice", "x");
        Assert.Equal(201, result.Error);
        Assert.Contains(result.Lines, line => line.Message.Contains("nowhere.dll"));
    }

    /// <summary>Helpers.dll (assembly name <paramref name="name"/>) in its own folder, with a
    /// script beside it that references it.</summary>
    private string SiteWithOwnHelpers(string site, string name, string answer)
    {
        BuildLibrary(name, $"namespace {name} {{ public static class Rule {{ public static string Of(string u) => \"{answer}:\" + u; }} }}", site);
        return _dir.Write(Path.Combine(site, "auth.cs"),
            $"#r \"{name}.dll\"\npublic static class Auth {{ public static string CheckPassword(HookRequest r, string u, string p) => {name}.Rule.Of(u); }}\n");
    }

    [Fact]
    public void TwoScriptsOfOneGroupReferencingDifferentCopiesOfAnAssemblyIsAnErrorNotTheFirstCopy()
    {
        var name = "Helpers" + Guid.NewGuid().ToString("N");
        var siteA = SiteWithOwnHelpers("a", name, "a");
        var siteB = SiteWithOwnHelpers("b", name, "b");
        var group = "shared-" + Guid.NewGuid().ToString("N");

        var a = new HookInvoker(siteA, group).CheckPassword("alice", "x");
        Assert.True(a.Ok, a.Log);
        Assert.Equal("a:alice", a.Text);
        // Site B must never run site A's rule.
        var b = new HookInvoker(siteB, group).CheckPassword("alice", "x");
        Assert.Equal(222, b.Error);
        Assert.Contains(b.Lines, line => line.Message.Contains(Path.Combine(_dir.Path, "a", name + ".dll")) && line.Message.Contains("different application groups"));

        // In groups of their own, each runs its own copy.
        var own = new HookInvoker(siteB, "own-" + Guid.NewGuid().ToString("N")).CheckPassword("alice", "x");
        Assert.True(own.Ok, own.Log);
        Assert.Equal("b:alice", own.Text);
    }

    [Fact]
    public void TheSameAssemblyBytesAtTwoPathsAreNoConflict()
    {
        var name = "Helpers" + Guid.NewGuid().ToString("N");
        var siteA = SiteWithOwnHelpers("a", name, "same");
        Directory.CreateDirectory(Path.Combine(_dir.Path, "b"));
        File.Copy(Path.Combine(_dir.Path, "a", name + ".dll"), Path.Combine(_dir.Path, "b", name + ".dll"));
        var siteB = _dir.Write(Path.Combine("b", "auth.cs"), File.ReadAllText(siteA));
        var group = "shared-" + Guid.NewGuid().ToString("N");
        Assert.Equal("same:alice", new HookInvoker(siteA, group).CheckPassword("alice", "x").Text);
        var b = new HookInvoker(siteB, group).CheckPassword("bob", "x");
        Assert.True(b.Ok, b.Log);
        Assert.Equal("same:bob", b.Text);
    }

    [Fact]
    public void TwoSitesCompiledScriptsOfOneNameShareAGroup()
    {
        var name = "Hooks" + Guid.NewGuid().ToString("N");
        var group = "shared-" + Guid.NewGuid().ToString("N");
        var served = new List<string>();
        foreach (var site in new[] { "a", "b" })
        {
            var dll = BuildLibrary(name, $"public static class Auth {{ public static string CheckPassword(HookRequest r, string u, string p) => \"{site}:\" + u; }}", site);
            var result = new HookInvoker(dll, group).CheckPassword("alice", "x");
            Assert.True(result.Ok, result.Log);
            served.Add(result.Text!);
        }
        Assert.Equal(["a:alice", "b:alice"], served);
    }

    [Fact]
    public void ACompiledDllScriptIsServed()
    {
        var unique = "Hooks" + Guid.NewGuid().ToString("N");
        var dll = BuildLibrary(unique, "public static class Auth { public static bool? CheckPassword(HookRequest r, string u, string p) => u == \"dll\"; }");
        var invoker = new HookInvoker(dll);
        Assert.Equal(1, invoker.CheckPassword("dll", "x").Outcome);
        Assert.Equal(0, invoker.CheckPassword("other", "x").Outcome);
    }
}
