using System.Text;

namespace AccessHooks.Providers;

/// <summary>One line of a text file: its 1-based number and its text without the line ending.</summary>
public readonly record struct FileLine(int Number, string Text, bool Terminated);

/// <summary>Splits file content into lines the way Apache's config reader does: LF or CRLF, a last line without newline included.</summary>
public static class FileLines
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Decodes as UTF-8, or Latin-1 when the bytes are not valid UTF-8: the host decodes user names
    /// the same way, so a name in the file and the one Apache received compare equal.
    /// </summary>
    public static string Decode(ReadOnlySpan<byte> content)
    {
        // A byte order mark some editors add is not part of the first user name.
        if (content.StartsWith("\uFEFF"u8))
            content = content[3..];
        try
        {
            return StrictUtf8.GetString(content);
        }
        catch (DecoderFallbackException)
        {
            return Encoding.Latin1.GetString(content);
        }
    }

    /// <summary>The lines of <paramref name="text"/>, without their line ends.</summary>
    public static IEnumerable<FileLine> Split(string text)
    {
        var number = 0;
        var start = 0;
        while (start < text.Length)
        {
            number++;
            var end = text.IndexOf('\n', start);
            var terminated = end >= 0;
            if (!terminated)
                end = text.Length;
            var lineEnd = end > start && text[end - 1] == '\r' ? end - 1 : end;
            yield return new FileLine(number, text[start..lineEnd], terminated);
            start = end + 1;
        }
    }
}
