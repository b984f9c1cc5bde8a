using System.Runtime.InteropServices;

namespace AccessHooks.Host.Interop;

/// <summary>
/// Script paths and group names repeat on every call of a worker thread; decoding them once per
/// thread and comparing bytes afterwards saves two string allocations per hook call.
/// </summary>
internal static unsafe class StringCache
{
    private const int Slots = 8;

    [ThreadStatic] private static byte[]?[]? t_bytes;
    [ThreadStatic] private static string?[]? t_strings;
    [ThreadStatic] private static int t_next;

    public static string Get(byte* value)
    {
        if (value == null)
            return string.Empty;
        var span = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(value);
        var bytes = t_bytes ??= new byte[]?[Slots];
        var strings = t_strings ??= new string?[Slots];
        for (var i = 0; i < Slots; i++)
        {
            var candidate = bytes[i];
            if (candidate is not null && span.SequenceEqual(candidate))
                return strings[i]!;
        }
        var decoded = NativeString.Decode(span);
        var slot = t_next;
        t_next = (slot + 1) % Slots;
        bytes[slot] = span.ToArray();
        strings[slot] = decoded;
        return decoded;
    }
}
