using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using AccessHooks.Host.Interop;

namespace AccessHooks.Host.Scripts;

/// <summary>A script ready to load into a context, or why it is not.</summary>
internal sealed class LoadedImage
{
    public required string Path { get; init; }
    public required long Mtime { get; init; }
    public byte[]? Image { get; init; }
    /// <summary>Identifies the image's content (the cache key; the path for a .dll).</summary>
    public string Key { get; init; } = string.Empty;
    public string[] References { get; init; } = [];
    public ErrorCode Error { get; init; }
    public string? Message { get; init; }
}

/// <summary>
/// Source to image: memory cache, then disk cache, then Roslyn. The compile step sits behind a
/// NoInlining method so that JIT-compiling this class never pulls Roslyn in.
/// </summary>
internal static class ScriptLoader
{
    // The last image per script path: a new generation (another script joining the group, a
    // reload of a sibling) reuses unchanged scripts' images without a disk read or compile.
    // One entry per path keeps it bounded however often a script changes.
    // A compile failure is remembered the same way (Image null, Errors set): a broken script is
    // compiled once per change, not again by every generation or application group that names it.
    private static readonly ConcurrentDictionary<string, (string Key, byte[]? Image, string[]? Errors)> s_recent = new(StringComparer.Ordinal);

    public static LoadedImage Load(string path)
    {
        ScriptSource source;
        try
        {
            source = ScriptSource.Read(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return new LoadedImage
            {
                Path = path,
                Mtime = ScriptSource.GetMtime(path),
                Error = ErrorCode.ScriptNotFound,
                Message = $"script '{path}' not found or not readable: {e.Message}",
            };
        }
        if (source.IsAssembly)
            return new LoadedImage { Path = path, Mtime = source.Mtime, Image = source.Bytes, Key = path };

        var key = ScriptCache.ComputeKey(source);
        if (s_recent.TryGetValue(path, out var recent) && recent.Key == key)
            return recent.Image is not null ? Loaded(source, key, recent.Image) : CompileFailed(source, recent.Errors ?? []);
        var cached = ScriptCache.TryRead(key);
        if (cached is not null)
        {
            s_recent[path] = (key, cached, null);
            return Loaded(source, key, cached);
        }
        // Another process already compiled this exact source and failed: same diagnostics, no
        // Roslyn load (the key covers the source, the references and the host build).
        var failure = ScriptCache.TryReadFailure(key);
        if (failure is not null)
        {
            s_recent[path] = (key, null, failure);
            return CompileFailed(source, failure);
        }
        using var compiling = ScriptCache.LockForCompile(key);
        if (compiling is not null)
        {
            // The process that held the lock before us may have stored the result.
            if (ScriptCache.TryRead(key) is { } stored)
            {
                s_recent[path] = (key, stored, null);
                return Loaded(source, key, stored);
            }
            if (ScriptCache.TryReadFailure(key) is { } failed)
            {
                s_recent[path] = (key, null, failed);
                return CompileFailed(source, failed);
            }
        }
        return CompileAndStore(source, key);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static LoadedImage CompileAndStore(ScriptSource source, string key)
    {
        var output = ScriptCompiler.Compile(source, "AccessHooks.Script." + key[..24]);
        if (output.Image is null)
        {
            var errors = output.Errors.ToArray();
            ScriptCache.WriteFailure(key, errors);
            s_recent[source.Path] = (key, null, errors);
            return CompileFailed(source, errors);
        }
        ScriptCache.Write(key, output.Image);
        s_recent[source.Path] = (key, output.Image, null);
        return Loaded(source, key, output.Image);
    }

    private static LoadedImage CompileFailed(ScriptSource source, string[] errors) => new()
    {
        Path = source.Path,
        Mtime = source.Mtime,
        Error = ErrorCode.CompileError,
        Message = $"script '{source.Path}' failed to compile:\n" + string.Join('\n', errors),
    };

    private static LoadedImage Loaded(ScriptSource source, string key, byte[] image) =>
        new() { Path = source.Path, Mtime = source.Mtime, Image = image, Key = key, References = source.References };
}
