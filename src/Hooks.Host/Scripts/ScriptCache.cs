using System.Reflection;
using System.Security.Cryptography;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
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

    /// <summary>How long a process waits for another one compiling the same script.</summary>
    internal static TimeSpan CompileWait { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// An exclusive lock on compiling <paramref name="key"/> across the children sharing the
    /// cache (a 0-byte <c>key.lock</c>, locked with flock by .NET's FileShare.None): when many
    /// children start at once (prefork spawning, a graceful restart) one compiles and the others
    /// load its image, instead of every child running Roslyn at once on the same source. null
    /// when there is no disk cache or the lock cannot be made (the caller compiles anyway).
    /// </summary>
    public static IDisposable? LockForCompile(string key)
    {
        var directory = Directory;
        if (directory is null)
            return null;
        var path = System.IO.Path.Combine(directory, key + ".lock");
        var deadline = Environment.TickCount64 + (long)CompileWait.TotalMilliseconds;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException) when (File.Exists(path) && Environment.TickCount64 < deadline)
            {
                Thread.Sleep(50); // another process holds it: it is compiling this source
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }
    }

    public static byte[]? TryRead(string key)
    {
        var directory = Directory;
        if (directory is null)
            return null;
        try
        {
            return ReadTrusted(System.IO.Path.Combine(directory, key + ".dll"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Warn(e);
            return null;
        }
    }

    /// <summary>The diagnostics of a compile of this key that failed in some process, or null.</summary>
    public static string[]? TryReadFailure(string key)
    {
        var directory = Directory;
        if (directory is null)
            return null;
        try
        {
            return ReadTrusted(System.IO.Path.Combine(directory, key + FailureSuffix)) is { } bytes
                ? Encoding.UTF8.GetString(bytes).Split('\n')
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Warn(e);
            return null;
        }
    }

    /// <summary>
    /// Records a failed compile as <c>key.errors</c> (the diagnostics, one per line) so other
    /// children answer 500 without loading Roslyn. The key changes with the source, so fixing the
    /// script never meets a stale failure.
    /// </summary>
    public static void WriteFailure(string key, string[] errors) =>
        WriteAtomically(key + FailureSuffix, Encoding.UTF8.GetBytes(string.Join('\n', errors.Select(e => e.ReplaceLineEndings(" ")))));

    private const string FailureSuffix = ".errors";

    public static void Write(string key, byte[] image) => WriteAtomically(key + ".dll", image);

    /// <summary>Temp file + rename: a concurrent reader in another child sees all or nothing.</summary>
    private static void WriteAtomically(string name, byte[] content)
    {
        var directory = Directory;
        if (directory is null)
            return;
        try
        {
            System.IO.Directory.CreateDirectory(directory);
            var final = System.IO.Path.Combine(directory, name);
            var temp = System.IO.Path.Combine(directory, $".{name}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
            File.WriteAllBytes(temp, content);
            File.Move(temp, final, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Warn(e);
        }
    }

    /// <summary>
    /// The file's content when it can be trusted: a regular file, not reached through a symbolic
    /// link (opened with O_NOFOLLOW), owned by root or by this process's user. Anything else is
    /// ignored (and compiled again), logged once per file as DOTNET0220. The module has already
    /// refused a cache directory others can write; this keeps a file planted before that, or by
    /// another local account with access, from being loaded.
    /// </summary>
    private static byte[]? ReadTrusted(string path)
    {
        var fd = LibC.OpenNoFollow(path);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == LibC.ENOENT)
                return null;
            if (errno == LibC.ELOOP)
                Refuse(path, "it is a symbolic link");
            else
                Warn(new IOException($"cannot open '{path}': errno {errno}"));
            return null;
        }
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (!LibC.TryOwnerAndType(handle, out var owner, out var regular))
        {
            Warn(new IOException($"cannot stat '{path}'"));
            return null;
        }
        if (!regular)
        {
            Refuse(path, "it is not a regular file");
            return null;
        }
        if (owner != 0 && owner != LibC.EffectiveUserId)
        {
            Refuse(path, $"it belongs to uid {owner}, neither root nor this process's user (uid {LibC.EffectiveUserId})");
            return null;
        }
        using var stream = new FileStream(handle, FileAccess.Read);
        var content = new MemoryStream();
        stream.CopyTo(content);
        return content.ToArray();
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> s_refused = new(StringComparer.Ordinal);

    private static void Refuse(string path, string why)
    {
        if (s_refused.TryAdd(path, 0))
            ApacheLog.Server(ApacheLevel.Error, ErrorCode.ScriptCacheUnsafe,
                $"cached script '{path}' was not loaded: {why}; the script is compiled again. Remove the file");
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
