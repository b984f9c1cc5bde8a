using System.Runtime.InteropServices;
using System.Text;
using AccessHooks.Host.Interop;

namespace AccessHooks.Host.Tests;

/// <summary>
/// StringCache compares a native, NUL-terminated string with a cached one in blocks when that
/// cannot leave the string's page: these check the answer for every length relation, and that a
/// string ending on the last byte before an unmapped page is compared without a fault.
/// </summary>
public sealed unsafe partial class StringCacheTests
{
    [LibraryImport("libc", SetLastError = true)]
    private static partial nint mmap(nint addr, nuint length, int prot, int flags, int fd, nint offset);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int mprotect(nint addr, nuint length, int prot);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int munmap(nint addr, nuint length);

    private const int ProtNone = 0, ProtRead = 1, ProtWrite = 2, MapPrivate = 2, MapAnonymous = 0x20;

    [Theory]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64)", "Mozilla/5.0 (X11; Linux x86_64)", true)]
    [InlineData("GET", "GET", true)]
    [InlineData("", "", true)]
    [InlineData("GE", "GET", false)]       // native shorter: differs at its terminator
    [InlineData("GETX", "GET", false)]     // native longer: no terminator where cached ends
    [InlineData("GAT", "GET", false)]
    [InlineData("", "GET", false)]
    [InlineData("GET", "", false)]
    public void Compares_native_and_cached_bytes_exactly(string native, string cached, bool equal)
    {
        var bytes = Encoding.UTF8.GetBytes(native + "\0");
        fixed (byte* value = bytes)
            Assert.Equal(equal, StringCache.EqualsTerminated(value, Encoding.UTF8.GetBytes(cached)));
    }

    [Theory]
    [InlineData(1, 40)]     // a short string at the page end, a long cached one
    [InlineData(12, 12)]
    [InlineData(12, 200)]
    [InlineData(300, 300)]
    [InlineData(300, 301)]
    public void Never_reads_into_the_next_page(int nativeLength, int cachedLength)
    {
        const int page = 4096;
        var size = (nuint)(2 * Environment.SystemPageSize);
        var map = mmap(0, size, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        Assert.NotEqual(-1, map);
        try
        {
            // The page after the string's is unreadable: a read past its terminator would fault.
            var guard = map + Environment.SystemPageSize;
            Assert.Equal(0, mprotect(guard, (nuint)Environment.SystemPageSize, ProtNone));
            var value = (byte*)guard - (nativeLength + 1);
            for (var i = 0; i < nativeLength; i++)
                value[i] = (byte)('a' + i % 26);
            value[nativeLength] = 0;
            var cached = new byte[cachedLength];
            for (var i = 0; i < cachedLength; i++)
                cached[i] = (byte)('a' + i % 26);
            Assert.Equal(nativeLength == cachedLength, StringCache.EqualsTerminated(value, cached));
            // And one byte apart from a 4 KB block's end inside the page, for the block path.
            var inside = (byte*)map + page - (nativeLength + 1) - 1;
            if (inside >= (byte*)map)
            {
                new Span<byte>(value, nativeLength + 1).CopyTo(new Span<byte>(inside, nativeLength + 1));
                Assert.Equal(nativeLength == cachedLength, StringCache.EqualsTerminated(inside, cached));
            }
        }
        finally
        {
            munmap(map, size);
        }
    }
}
