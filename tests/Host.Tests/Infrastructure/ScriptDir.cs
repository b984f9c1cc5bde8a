namespace AccessHooks.Host.Tests.Infrastructure;

/// <summary>A temp directory of scripts for one test.</summary>
public sealed class ScriptDir : IDisposable
{
    public ScriptDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ah-host-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>Writes a script; a unique marker comment keeps tests from sharing cached images by accident.</summary>
    public string Write(string name, string source)
    {
        var path = System.IO.Path.Combine(Path, name);
        File.WriteAllText(path, source);
        return path;
    }

    /// <summary>Writes new source and moves the mtime forward, so a reload check sees the change even within one clock tick.</summary>
    public void Rewrite(string path, string source)
    {
        var before = File.GetLastWriteTimeUtc(path);
        File.WriteAllText(path, source);
        File.SetLastWriteTimeUtc(path, before.AddSeconds(2));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
