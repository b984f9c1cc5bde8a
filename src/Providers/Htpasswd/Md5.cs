using System.Buffers.Binary;
using System.Numerics;

namespace AccessHooks.Providers.Htpasswd;

/// <summary>
/// MD5 (RFC 1321) for the short inputs of $apr1$'s 1000 rounds. The platform's MD5 goes through
/// OpenSSL, whose per-call set-up costs more than hashing 40 bytes; done here, an $apr1$ check is
/// about three times faster. Not for anything but password-hash compatibility.
/// </summary>
internal static class Md5
{
    private static readonly uint[] K = BuildK();
    private static readonly int[] Shifts =
    [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
        5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
        4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
        6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];

    public static void HashData(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        uint a0 = 0x67452301, b0 = 0xefcdab89, c0 = 0x98badcfe, d0 = 0x10325476;
        Span<byte> block = stackalloc byte[64];
        var offset = 0;
        for (; offset + 64 <= data.Length; offset += 64)
            Compress(data.Slice(offset, 64), ref a0, ref b0, ref c0, ref d0);

        // Padding: 0x80, zeros, then the bit length, in one or two final blocks.
        var rest = data[offset..];
        block.Clear();
        rest.CopyTo(block);
        block[rest.Length] = 0x80;
        if (rest.Length >= 56)
        {
            Compress(block, ref a0, ref b0, ref c0, ref d0);
            block.Clear();
        }
        BinaryPrimitives.WriteUInt64LittleEndian(block[56..], (ulong)data.Length * 8);
        Compress(block, ref a0, ref b0, ref c0, ref d0);

        BinaryPrimitives.WriteUInt32LittleEndian(destination, a0);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], b0);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], c0);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], d0);
    }

    private static void Compress(ReadOnlySpan<byte> block, ref uint a0, ref uint b0, ref uint c0, ref uint d0)
    {
        Span<uint> m = stackalloc uint[16];
        for (var i = 0; i < 16; i++)
            m[i] = BinaryPrimitives.ReadUInt32LittleEndian(block[(i * 4)..]);
        uint a = a0, b = b0, c = c0, d = d0;
        for (var i = 0; i < 64; i++)
        {
            uint f;
            int g;
            switch (i >> 4)
            {
                case 0: f = (b & c) | (~b & d); g = i; break;
                case 1: f = (d & b) | (~d & c); g = (5 * i + 1) & 15; break;
                case 2: f = b ^ c ^ d; g = (3 * i + 5) & 15; break;
                default: f = c ^ (b | ~d); g = (7 * i) & 15; break;
            }
            f = f + a + K[i] + m[g];
            a = d;
            d = c;
            c = b;
            b += BitOperations.RotateLeft(f, Shifts[i]);
        }
        a0 += a;
        b0 += b;
        c0 += c;
        d0 += d;
    }

    private static uint[] BuildK()
    {
        var k = new uint[64];
        for (var i = 0; i < 64; i++)
            k[i] = (uint)(long)Math.Floor(Math.Abs(Math.Sin(i + 1)) * 4294967296.0);
        return k;
    }
}
