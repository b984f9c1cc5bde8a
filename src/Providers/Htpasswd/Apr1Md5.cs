using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace AccessHooks.Providers.Htpasswd;

/// <summary>
/// Apache's "$apr1$" MD5 password hash (htpasswd -m), in managed code: it is APR's variant of
/// FreeBSD's md5crypt with a different magic string, which libxcrypt does not implement.
/// </summary>
internal static class Apr1Md5
{
    public const string Magic = "$apr1$";
    private const string Itoa64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>The full "$apr1$salt$hash" string for <paramref name="password"/> and <paramref name="salt"/> (at most 8 characters used).</summary>
    public static string Hash(ReadOnlySpan<byte> password, string salt)
    {
        if (salt.Length > 8)
            salt = salt[..8];
        var saltBytes = Encoding.ASCII.GetBytes(salt);
        var magic = Encoding.ASCII.GetBytes(Magic);
        Span<byte> final = stackalloc byte[16];

        using (var alternate = IncrementalHash.CreateHash(HashAlgorithmName.MD5))
        {
            alternate.AppendData(password);
            alternate.AppendData(saltBytes);
            alternate.AppendData(password);
            alternate.GetHashAndReset(final);
        }

        using var context = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        context.AppendData(password);
        context.AppendData(magic);
        context.AppendData(saltBytes);
        for (var remaining = password.Length; remaining > 0; remaining -= 16)
            context.AppendData(final[..Math.Min(remaining, 16)]);
        final.Clear();
        for (var i = password.Length; i != 0; i >>= 1)
            context.AppendData((i & 1) != 0 ? final[..1] : password[..1]);
        context.GetHashAndReset(final);

        // The 1000 rounds exist to slow down guessing; each mixes password, salt and the previous digest.
        var buffer = ArrayPool<byte>.Shared.Rent(2 * password.Length + saltBytes.Length + 16);
        try
        {
            for (var round = 0; round < 1000; round++)
            {
                var length = 0;
                Append(buffer, ref length, (round & 1) != 0 ? password : final);
                if (round % 3 != 0) Append(buffer, ref length, saltBytes);
                if (round % 7 != 0) Append(buffer, ref length, password);
                Append(buffer, ref length, (round & 1) != 0 ? final : password);
                Md5.HashData(buffer.AsSpan(0, length), final);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
            ArrayPool<byte>.Shared.Return(buffer);
        }

        var result = new StringBuilder(Magic.Length + salt.Length + 23);
        result.Append(Magic).Append(salt).Append('$');
        To64(result, (final[0] << 16) | (final[6] << 8) | final[12], 4);
        To64(result, (final[1] << 16) | (final[7] << 8) | final[13], 4);
        To64(result, (final[2] << 16) | (final[8] << 8) | final[14], 4);
        To64(result, (final[3] << 16) | (final[9] << 8) | final[15], 4);
        To64(result, (final[4] << 16) | (final[10] << 8) | final[5], 4);
        To64(result, final[11], 2);
        return result.ToString();
    }

    /// <summary>The salt of a "$apr1$salt$hash" string, or null when it is not one.</summary>
    public static string? SaltOf(string hash)
    {
        if (!hash.StartsWith(Magic, StringComparison.Ordinal))
            return null;
        var end = hash.IndexOf('$', Magic.Length);
        if (end < 0 || end - Magic.Length > 8 || hash.Length - end - 1 != 22)
            return null;
        return hash[Magic.Length..end];
    }

    private static void Append(byte[] target, ref int length, ReadOnlySpan<byte> part)
    {
        part.CopyTo(target.AsSpan(length));
        length += part.Length;
    }

    private static void To64(StringBuilder output, int value, int count)
    {
        while (count-- > 0)
        {
            output.Append(Itoa64[value & 0x3f]);
            value >>= 6;
        }
    }
}
