using System.Text;

namespace AccessHooks.Host.Scripts;

/// <summary>
/// A script file as read from disk: its bytes, text, modification time and the <c>#r</c>
/// references at its top. Parsed without Roslyn, because the references are part of the cache
/// key and a cache hit must not load the compiler.
/// </summary>
internal sealed class ScriptSource
{
    private ScriptSource(string path, long mtime, byte[] bytes, string text, string[] references, int[] referenceLines)
    {
        Path = path;
        Mtime = mtime;
        Bytes = bytes;
        Text = text;
        References = references;
        ReferenceLines = referenceLines;
    }

    public string Path { get; }
    public long Mtime { get; }
    public byte[] Bytes { get; }
    public string Text { get; }
    /// <summary>Absolute paths of the <c>#r "x.dll"</c> lines, resolved against the script's directory.</summary>
    public string[] References { get; }
    /// <summary>Zero-based line numbers of those lines (the compiler blanks them, keeping positions).</summary>
    public int[] ReferenceLines { get; }

    public bool IsAssembly => Path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);

    /// <summary>The file's modification time in ticks, or 0 when it does not exist.</summary>
    public static long GetMtime(string path)
    {
        try
        {
            var info = new FileInfo(path);
            return info.Exists ? info.LastWriteTimeUtc.Ticks : 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return 0;
        }
    }

    /// <exception cref="IOException">and the others File.ReadAllBytes throws: not found / not readable.</exception>
    public static ScriptSource Read(string path)
    {
        // A file rewritten while we read it would pair new bytes with an old mtime (or a torn
        // read with a new one); read again until the mtime holds still across the read.
        var mtime = GetMtime(path);
        var bytes = File.ReadAllBytes(path);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var after = GetMtime(path);
            if (after == mtime)
                break;
            mtime = after;
            bytes = File.ReadAllBytes(path);
        }
        if (path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            return new ScriptSource(path, mtime, bytes, string.Empty, [], []);
        // Sources are UTF-8 (a BOM is honoured and dropped).
        var text = new UTF8Encoding(false, false).GetString(bytes);
        if (text.Length > 0 && text[0] == '\uFEFF')
            text = text[1..];
        var (references, lines) = ParseReferences(path, text);
        return new ScriptSource(path, mtime, bytes, text, references, lines);
    }

    /// <summary>
    /// <c>#r "path"</c> lines are allowed at the top, before any code: among blank lines,
    /// <c>//</c> comments and other directives.
    /// </summary>
    private static (string[] References, int[] Lines) ParseReferences(string path, string text)
    {
        List<string>? references = null;
        List<int>? lines = null;
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) ?? "/";
        var lineNumber = 0;
        foreach (var rawLine in text.AsSpan().EnumerateLines())
        {
            var line = rawLine.Trim();
            if (line.StartsWith("#r ") || line.StartsWith("#r\t") || line.StartsWith("#r\""))
            {
                var argument = line[2..].Trim();
                if (argument.Length >= 2 && argument[0] == '"' && argument[^1] == '"')
                {
                    var reference = argument[1..^1].ToString();
                    (references ??= []).Add(System.IO.Path.GetFullPath(reference, directory));
                    (lines ??= []).Add(lineNumber);
                }
            }
            else if (!(line.IsEmpty || line.StartsWith("//") || line.StartsWith("#")))
            {
                break;
            }
            lineNumber++;
        }
        return (references?.ToArray() ?? [], lines?.ToArray() ?? []);
    }
}
