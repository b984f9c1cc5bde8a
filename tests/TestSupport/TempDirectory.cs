namespace AccessHooks.TestSupport;

/// <summary>
/// A fresh directory under the system temp directory, deleted on dispose. It is mode 0755 (and
/// files written with WriteFile 0644), because Apache's children run as www-data
/// and must be able to read fixtures a root test process wrote.
/// </summary>
public sealed class TempDirectory : IDisposable
{
    private const UnixFileMode DirectoryMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private const UnixFileMode FileMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <param name="prefix">Start of the directory name, to tell test runs apart in /tmp.</param>
    public TempDirectory(string prefix = "accesshooks-")
    {
        Path = Directory.CreateTempSubdirectory(prefix).FullName;
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(Path, DirectoryMode);
    }

    /// <summary>The absolute path of the directory.</summary>
    public string Path { get; }

    /// <summary>The absolute path of <paramref name="relative"/> inside the directory (not created).</summary>
    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    /// <summary>Creates (mode 0755) and returns a subdirectory.</summary>
    public string CreateSubdirectory(string relative)
    {
        var path = this[relative];
        Directory.CreateDirectory(path);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, DirectoryMode);
        return path;
    }

    /// <summary>Writes <paramref name="content"/> to a file (mode 0644) and returns its path.</summary>
    public string WriteFile(string relative, string content)
    {
        var path = this[relative];
        File.WriteAllText(path, content);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, FileMode);
        return path;
    }

    /// <summary>Writes bytes to a file (mode 0644) and returns its path.</summary>
    public string WriteFile(string relative, byte[] content)
    {
        var path = this[relative];
        File.WriteAllBytes(path, content);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, FileMode);
        return path;
    }

    /// <summary>Deletes the directory and everything in it; failures (a file still held open) are ignored.</summary>
    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
