using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;

namespace AccessHooks.Host.Interop;

/// <summary>
/// Strings crossing the bridge: NUL-terminated bytes as Apache holds them. UTF-8 is expected,
/// but user names and headers arrive as the client sent them, so invalid UTF-8 decodes as
/// Latin-1 (every byte is a character) instead of failing or inserting U+FFFD.
/// </summary>
internal static unsafe class NativeString
{
    public static string? Decode(byte* value)
    {
        if (value == null)
            return null;
        return Decode(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(value));
    }

    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
            return string.Empty;
        return Utf8.IsValid(bytes) ? Encoding.UTF8.GetString(bytes) : Encoding.Latin1.GetString(bytes);
    }

    /// <summary>A malloc'd NUL-terminated UTF-8 copy; the module free()s it.</summary>
    public static byte* ToMalloc(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        var buffer = (byte*)NativeMemory.Alloc((nuint)length + 1);
        var written = Encoding.UTF8.GetBytes(value, new Span<byte>(buffer, length));
        buffer[written] = 0;
        return buffer;
    }
}
