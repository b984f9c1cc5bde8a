using System.Diagnostics;
using AccessHooks.Host.Scripts;
using AccessHooks.Host.Tests.Infrastructure;

namespace AccessHooks.Host.Tests;

[Collection(SerialTests.Name)]
public sealed class CacheTests : IDisposable
{
    private readonly ScriptDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Source(string marker) =>
        $"// {marker}\npublic static class Auth {{ public static string CheckPassword(HookRequest r, string u, string p) => \"cached\"; }}\n";

    [Fact]
    public void ACompiledScriptIsWrittenToTheCacheAndReusedWithoutCompiling()
    {
        var marker = Guid.NewGuid().ToString("N");
        var first = _dir.Write("first.cs", Source(marker));
        TestHost.EnsureInitialized();
        var before = Directory.GetFiles(TestHost.CacheDirectory, "*.dll").Length;
        var compiles = ScriptCompiler.CompileCount;
        var firstResult = new HookInvoker(first).CheckPassword("u", "p");
        Assert.True("cached" == firstResult.Text, firstResult.Log);
        Assert.Equal(compiles + 1, ScriptCompiler.CompileCount);
        Assert.Equal(before + 1, Directory.GetFiles(TestHost.CacheDirectory, "*.dll").Length);
        Assert.Empty(Directory.GetFiles(TestHost.CacheDirectory, "*.tmp"));

        // Same source under another path and group: a disk cache hit, no compile.
        var second = _dir.Write("second.cs", Source(marker));
        Assert.Equal("cached", new HookInvoker(second).CheckPassword("u", "p").Text);
        Assert.Equal(compiles + 1, ScriptCompiler.CompileCount);
    }

    [Fact]
    public void AFreshProcessServingACachedScriptNeverLoadsRoslyn()
    {
        var script = _dir.Write("probe.cs", Source(Guid.NewGuid().ToString("N")));
        Assert.Equal("cached", new HookInvoker(script).CheckPassword("u", "p").Text);   // compiles into the cache

        var output = Probe(script);
        Assert.Contains("rc=0 outcome=1 text=cached compiles=0 roslyn=False", output);
    }

    [Fact]
    public void AFreshProcessWithoutACacheEntryCompiles()
    {
        var script = _dir.Write("uncached.cs", Source(Guid.NewGuid().ToString("N")));
        var output = Probe(script);
        Assert.Contains("rc=0 outcome=1 text=cached compiles=1 roslyn=True", output);
    }

    [Fact]
    public void ABrokenScriptIsCompiledOncePerChangeAndItsFailureIsShared()
    {
        var broken = $"// {Guid.NewGuid():N}\npublic static class Auth {{ public static bool CheckPassword(HookRequest r, string u, string p) => nope; }}\n";
        var first = _dir.Write("broken.cs", broken);
        TestHost.EnsureInitialized();
        var compiles = ScriptCompiler.CompileCount;
        var invoker = new HookInvoker(first);
        for (var i = 0; i < 3; i++)
        {
            var result = invoker.CheckPassword("u", "p");
            Assert.Equal(201, result.Error);
            Assert.Contains(result.Lines, line => line.Code == 201 && line.Message.Contains("error CS0103"));
        }
        Assert.Equal(compiles + 1, ScriptCompiler.CompileCount);

        // The same source elsewhere (another group, path): the recorded failure, no compile.
        var second = _dir.Write("broken-too.cs", broken);
        var again = new HookInvoker(second).CheckPassword("u", "p");
        Assert.Equal(201, again.Error);
        Assert.Contains(again.Lines, line => line.Code == 201 && line.Message.Contains("error CS0103"));
        Assert.Equal(compiles + 1, ScriptCompiler.CompileCount);

        // Another process does not compile it either.
        Assert.Contains("rc=1 outcome=0 text= compiles=0 roslyn=False", Probe(first));
    }

    private static string Probe(string script)
    {
        var dotnet = Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(typeof(CacheTests).Assembly.Location);
        start.ArgumentList.Add("--cache-probe");
        start.ArgumentList.Add(script);
        start.Environment["AH_TEST_CACHE"] = TestHost.CacheDirectory;
        start.Environment["DOTNET_EnableDiagnostics"] = "0";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "probe did not exit");
        Assert.True(process.ExitCode == 0, $"probe exit {process.ExitCode}: {output} {stderr.Result}");
        return output;
    }
}
