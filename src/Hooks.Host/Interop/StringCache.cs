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
        var bytes = t_bytes ??= new byte[]?[Slots];
        var strings = t_strings ??= new string?[Slots];
        for (var i = 0; i < Slots; i++)
        {
            var candidate = bytes[i];
            if (candidate is not null && EqualsTerminated(value, candidate))
                return strings[i]!;
        }
        var span = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(value);
        var decoded = NativeString.Decode(span);
        var slot = t_next;
        t_next = (slot + 1) % Slots;
        bytes[slot] = span.ToArray();
        strings[slot] = decoded;
        return decoded;
    }

    /// <summary>Hook request variables (names and values), by position in the call's list.</summary>
    public static PositionalStrings HookVars => t_hookVars ??= new PositionalStrings();

    /// <summary>Application request variables, by position.</summary>
    public static PositionalStrings AppVars => t_appVars ??= new PositionalStrings();

    /// <summary>Application request headers, by position.</summary>
    public static PositionalStrings AppHeaders => t_appHeaders ??= new PositionalStrings();

    [ThreadStatic] private static PositionalStrings? t_hookVars;
    [ThreadStatic] private static PositionalStrings? t_appVars;
    [ThreadStatic] private static PositionalStrings? t_appHeaders;

    /// <summary>A variable name, cached per thread by its position in the call's list.</summary>
    public static string GetName(int position, byte* value) => HookVars.Name(position, value);

    /// <summary>
    /// A variable value, cached the same way: most (method, host, server, user agent, document
    /// root) repeat from one request to the next on a worker thread.
    /// </summary>
    public static string GetValue(int position, byte* value) => HookVars.Value(position, value);

    /// <summary>
    /// One thread's cache of a list of native name/value pairs whose entries repeat from call to
    /// call at the same positions (Apache builds them in the same order every time): a hit costs
    /// a byte compare instead of a decode and a string allocation. One per list kind, so that
    /// lists of different kinds do not evict each other.
    /// </summary>
    internal sealed class PositionalStrings
    {
        private const int PositionSlots = 128;
        private const int MaxCachedValue = 256;

        private readonly byte[]?[] _nameBytes = new byte[]?[PositionSlots];
        private readonly string?[] _names = new string?[PositionSlots];
        private readonly byte[]?[] _valueBytes = new byte[]?[PositionSlots];
        private readonly string?[] _values = new string?[PositionSlots];

        public string Name(int position, byte* value) =>
            value == null ? string.Empty : GetAt(position, value, _nameBytes, _names);

        public string Value(int position, byte* value) =>
            value == null ? string.Empty : GetAt(position, value, _valueBytes, _values);

        private static string GetAt(int position, byte* value, byte[]?[] bytes, string?[] strings)
        {
            if (position >= PositionSlots)
                return NativeString.Decode(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(value));
            var cached = bytes[position];
            // The hit path reads the native string once, without measuring it first.
            if (cached is not null && EqualsTerminated(value, cached))
                return strings[position]!;
            var span = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(value);
            if (span.Length > MaxCachedValue)
                return NativeString.Decode(span);
            var decoded = NativeString.Decode(span);
            bytes[position] = span.ToArray();
            strings[position] = decoded;
            return decoded;
        }
    }

    /// <summary>
    /// Whether the NUL-terminated <paramref name="value"/> has exactly the bytes of
    /// <paramref name="cached"/>. When value[0..Length] lies within one 4 KB block, it is
    /// compared as a block (vectorised): the native string may be shorter than
    /// <paramref name="cached"/>, but reading up to its length cannot fault inside the page that
    /// holds value[0] (4 KB blocks never straddle a page, whatever the page size), and a shorter
    /// string differs at its terminator, since cached strings hold no NUL. Otherwise byte by
    /// byte, which stops at the terminator at the latest.
    /// </summary>
    internal static bool EqualsTerminated(byte* value, byte[] cached)
    {
        var length = cached.Length;
        if (((nuint)value & (PageBlock - 1)) + (nuint)length < PageBlock)
            return new ReadOnlySpan<byte>(value, length).SequenceEqual(cached) && value[length] == 0;
        for (var i = 0; i < length; i++)
        {
            if (value[i] != cached[i])
                return false;
        }
        return value[length] == 0;
    }

    private const nuint PageBlock = 4096;
}
