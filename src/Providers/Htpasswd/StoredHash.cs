using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace AccessHooks.Providers.Htpasswd;

/// <summary>One hash from an htpasswd file, classified once at load so a check does no parsing.</summary>
internal sealed class StoredHash
{
    private readonly byte[] _expected;   // what a right password produces, compared in constant time
    private readonly string _setting;    // the algorithm and salt part handed to the hash function

    private StoredHash(HashFormat format, string setting, byte[] expected, string costClass, string text)
    {
        Text = text;
        Format = format;
        _setting = setting;
        _expected = expected;
        CostClass = costClass;
        VerifiesQuickly = IsQuick(format, setting);
    }

    public HashFormat Format { get; }

    /// <summary>The hash as the file stores it: what mod_authn_socache may cache (like mod_authn_file).</summary>
    public string Text { get; }

    /// <summary>
    /// Hashes with the same cost class take the same time to verify: the format plus its cost
    /// parameter (bcrypt cost, SHA-crypt rounds). Used to pick a timing decoy for unknown users.
    /// </summary>
    public string CostClass { get; }

    /// <summary>
    /// Whether a check of this hash takes at most a few hundred milliseconds on a slow core: the
    /// fast formats, bcrypt up to cost 12, SHA-crypt up to 100,000 rounds. The checker verifies
    /// anything costlier off the calling thread, so a hook deadline still answers for it (a
    /// hand-edited <c>$2y$31$</c> entry would take days).
    /// </summary>
    public bool VerifiesQuickly { get; }

    public static StoredHash Parse(string hash)
    {
        var format = Classify(hash);
        switch (format)
        {
            case HashFormat.Sha1:
                return new StoredHash(format, string.Empty, Convert.FromBase64String(hash[5..]), "sha1", hash);
            case HashFormat.AprMd5:
                return new StoredHash(format, Apr1Md5.SaltOf(hash)!, Encoding.ASCII.GetBytes(hash), "apr1", hash);
            case HashFormat.Refused:
                return new StoredHash(format, string.Empty, [], "refused", hash);
            default:
                // crypt(3) formats: the whole hash is the setting, and the output must reproduce it.
                return new StoredHash(format, hash, Encoding.ASCII.GetBytes(hash), CryptCostClass(format, hash), hash);
        }
    }

    /// <summary>True when <paramref name="password"/> (UTF-8) produces this hash. Constant-time in the comparison.</summary>
    public bool Verify(ReadOnlySpan<byte> password)
    {
        switch (Format)
        {
            case HashFormat.Sha1:
            {
                Span<byte> digest = stackalloc byte[SHA1.HashSizeInBytes];
                SHA1.HashData(password, digest);
                return CryptographicOperations.FixedTimeEquals(digest, _expected);
            }
            case HashFormat.AprMd5:
                return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Apr1Md5.Hash(password, _setting)), _expected);
            case HashFormat.Refused:
                return false;
            case HashFormat.Bcrypt:
                return Bcrypt.Verify(password, _setting, _expected);
            default:
                var output = LibXCrypt.Hash(password, _setting);
                return output is not null && CryptographicOperations.FixedTimeEquals(output, _expected);
        }
    }

    internal static HashFormat Classify(string hash)
    {
        if (hash.StartsWith("{SHA}", StringComparison.Ordinal))
            return hash.Length == 33 && Base64.IsValid(hash.AsSpan(5), out var length) && length == 20 ? HashFormat.Sha1 : HashFormat.Refused;
        if (hash.StartsWith(Apr1Md5.Magic, StringComparison.Ordinal))
            return Apr1Md5.SaltOf(hash) is not null && IsCryptAlphabet(hash.AsSpan(hash.LastIndexOf('$') + 1)) ? HashFormat.AprMd5 : HashFormat.Refused;
        if (hash.StartsWith("$2y$", StringComparison.Ordinal) || hash.StartsWith("$2a$", StringComparison.Ordinal) || hash.StartsWith("$2b$", StringComparison.Ordinal))
            return IsBcrypt(hash) ? HashFormat.Bcrypt : HashFormat.Refused;
        var format = hash switch
        {
            _ when hash.StartsWith("$1$", StringComparison.Ordinal) => HashFormat.Md5Crypt,
            _ when hash.StartsWith("$5$", StringComparison.Ordinal) => HashFormat.Sha256Crypt,
            _ when hash.StartsWith("$6$", StringComparison.Ordinal) => HashFormat.Sha512Crypt,
            _ when hash.StartsWith("$y$", StringComparison.Ordinal) => HashFormat.Yescrypt,
            _ when hash.Length == 13 && IsCryptAlphabet(hash) => HashFormat.DesCrypt,
            _ => HashFormat.Refused,
        };
        if (format is HashFormat.Refused or HashFormat.DesCrypt)
            return format;
        // "$id$[param$]salt$hash": the hash part must be there and in crypt's alphabet.
        var last = hash.LastIndexOf('$');
        return last > 2 && last < hash.Length - 1 && IsCryptAlphabet(hash.AsSpan(last + 1)) ? format : HashFormat.Refused;
    }

    private static bool IsBcrypt(string hash) =>
        hash.Length == 60 && char.IsAsciiDigit(hash[4]) && char.IsAsciiDigit(hash[5]) && hash[6] == '$' &&
        int.Parse(hash.AsSpan(4, 2)) is >= 4 and <= 31 && IsCryptAlphabet(hash.AsSpan(7));

    private static bool IsCryptAlphabet(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '.' || c == '/'))
                return false;
        }
        return !text.IsEmpty;
    }

    private static bool IsQuick(HashFormat format, string setting) => format switch
    {
        HashFormat.Bcrypt => int.Parse(setting.AsSpan(4, 2)) <= 12,
        HashFormat.Sha256Crypt or HashFormat.Sha512Crypt => Rounds(setting) <= 100_000,
        // yescrypt's cost sits in an encoded parameter field; its default is tens of ms, a custom one unbounded.
        HashFormat.Yescrypt => false,
        _ => true,
    };

    /// <summary>"$5$rounds=N$..." (crypt(3) clamps N to 1000..999,999,999), or 5000 when absent.</summary>
    private static long Rounds(string setting)
    {
        const string Prefix = "rounds=";
        if (string.CompareOrdinal(setting, 3, Prefix, 0, Prefix.Length) != 0)
            return 5000;
        var end = setting.IndexOf('$', 3 + Prefix.Length);
        return end > 0 && long.TryParse(setting.AsSpan(3 + Prefix.Length, end - 3 - Prefix.Length), out var rounds) ? rounds : long.MaxValue;
    }

    private static string CryptCostClass(HashFormat format, string hash) => format switch
    {
        HashFormat.Bcrypt => "bcrypt" + hash.AsSpan(4, 2).ToString(),
        // "$5$rounds=N$salt$hash" vs "$5$salt$hash" (5000 rounds); yescrypt's cost is in its params field.
        HashFormat.Sha256Crypt or HashFormat.Sha512Crypt or HashFormat.Yescrypt =>
            hash[..3] + (hash.IndexOf("rounds=", StringComparison.Ordinal) is 3 ? hash[3..hash.IndexOf('$', 3)] : format == HashFormat.Yescrypt ? hash[3..hash.IndexOf('$', 3)] : string.Empty),
        _ => format.ToString(),
    };
}
