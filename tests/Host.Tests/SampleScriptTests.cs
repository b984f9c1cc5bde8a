using AccessHooks.Host.Tests.Infrastructure;

namespace AccessHooks.Host.Tests;

/// <summary>The scripts `make demo` serves load and answer through the host.</summary>
public sealed class SampleScriptTests : IDisposable
{
    private readonly ScriptDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string SamplesDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var samples = Path.Combine(directory.FullName, "samples", "hooks");
            if (File.Exists(Path.Combine(directory.FullName, "AccessHooks.sln")))
                return samples;
        }
        throw new InvalidOperationException("AccessHooks.sln not found");
    }

    public static TheoryData<string> Samples()
    {
        var data = new TheoryData<string>();
        var directory = SamplesDirectory();
        if (Directory.Exists(directory))
        {
            foreach (var file in Directory.GetFiles(directory, "*.cs").Order(StringComparer.Ordinal))
                data.Add(Path.GetFileName(file));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void SampleLoads(string name)
    {
        File.WriteAllText(Path.Combine(_dir.Path, "site.htpasswd"), "");
        File.WriteAllText(Path.Combine(_dir.Path, "site.groups"), "");
        var source = File.ReadAllText(Path.Combine(SamplesDirectory(), name)).Replace("@DEMO_STATE@", _dir.Path);
        var result = new HookInvoker(_dir.Write(name, source)).Preload();
        Assert.True(result.Ok, result.Log);
    }
}
