using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using AccessHooks.Host.Interop;
using AccessHooks.Host.Logging;

namespace AccessHooks.Host.Scripts;

/// <summary>
/// Compiled scripts under DotNetScriptCache, named by a SHA-256 of the source, the references'
/// identities and the host's version, so N Apache children compile a script once and a changed
/// host or framework never reuses a stale image. Uses no Roslyn type: a cache hit never loads
/// the compiler.
/// </summary>
internal static class ScriptCache
{
    private static volatile string? s_directory;
    private static int s_warned;
    private static readonly Lazy<byte[]> s_hostIdentity = new(ComputeHostIdentity);

    /// <summary>null: cache in memory only.</summary>
    public static string? Directory
    {
        get => s_directory;
        set
        {
            s_directory = string.IsNullOrEmpty(value) ? null : value;
            Volatile.Write(ref s_warned, 0);
        }
    }

    public static string ComputeKey(ScriptSource source)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(s_hostIdentity.Value);
        hash.AppendData(source.Bytes);
        foreach (var reference in source.References)
            hash.AppendData(Encoding.UTF8.GetBytes(FileIdentity(reference)));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public static byte[]? TryRead(string key)
    {
        var directory = Directory;
        if (directory is null)
            return null;
        try
        {
            var path = System.IO.Path.Combine(directory, key + ".dll");
            return File.Exists(path) ? File.ReadAllBytes(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Warn(e);
            return null;
        }
    }

    /// <summary>Temp file + rename: a concurrent reader in another child sees all or nothing.</summary>
    public static void Write(string key, byte[] image)
    {
        var directory = Directory;
        if (directory is null)
            return;
        try
        {
            System.IO.Directory.CreateDirectory(directory);
            var final = System.IO.Path.Combine(directory, key + ".dll");
            var temp = System.IO.Path.Combine(directory, $".{key}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
            File.WriteAllBytes(temp, image);
            File.Move(temp, final, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Warn(e);
        }
    }

    private static void Warn(Exception e)
    {
        // Once per configuration, not per request: a broken cache only costs compile time.
        if (Interlocked.Exchange(ref s_warned, 1) == 0)
            ApacheLog.Server(ApacheLevel.Warning, ErrorCode.ScriptCacheError,
                $"script cache directory '{Directory}' is not usable ({e.GetType().Name}: {e.Message}); compiling in memory");
    }

    /// <summary>What a compiled image depends on besides its source: host build, runtime, frameworks, bundled assemblies.</summary>
    private static byte[] ComputeHostIdentity()
    {
        var text = new StringBuilder();
        text.Append(typeof(ScriptCache).Assembly.ManifestModule.ModuleVersionId).Append('\n');
        text.Append(Environment.Version).Append('\n');
        foreach (var directory in ScriptReferences.FrameworkDirectories())
            text.Append(directory).Append('\n');
        foreach (var file in ScriptReferences.BundledAssemblies())
            text.Append(FileIdentity(file)).Append('\n');
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static string FileIdentity(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? $"{path}|{info.Length}|{info.LastWriteTimeUtc.Ticks}" : path + "|missing";
    }
}
