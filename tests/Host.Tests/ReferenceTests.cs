using AccessHooks.Host.Scripts;
using AccessHooks.Host.Tests.Infrastructure;

namespace AccessHooks.Host.Tests;

/// <summary>#r references and compiled (.dll) scripts.</summary>
public sealed class ReferenceTests : IDisposable
{
    private readonly ScriptDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string BuildLibrary(string assemblyName, string source)
    {
        var path = _dir.Write(assemblyName + ".cs", source);
        var output = ScriptCompiler.Compile(ScriptSource.Read(path), assemblyName);
        Assert.True(output.Image is not null, string.Join("\n", output.Errors));
        var dll = Path.Combine(_dir.Path, assemblyName + ".dll");
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
