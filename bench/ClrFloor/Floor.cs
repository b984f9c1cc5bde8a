// The managed floor of make bench: what bench/site.cs's AddHtpasswd checks ({SHA} entries of
// one htpasswd file, held in memory) and what bench/access.cs answers (allow), as static
// [UnmanagedCallersOnly] functions that mod_bench_clr.c calls straight from Apache's auth and
// access phases. No host, no request view, no groups, no DI, no deadline: only the runtime's
// transition and the check itself, so "dotnet / C# floor" is what AccessHooks adds over the
// runtime and "C# floor / C floor" is what the runtime adds over C.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace ClrFloor;

public static unsafe class Floor
{
    private const int Granted = 1, Denied = 2, NotFound = 3, Error = -1;

    private static readonly Dictionary<string, byte[]> s_users = new(StringComparer.Ordinal);
    private static Dictionary<string, byte[]>.AlternateLookup<ReadOnlySpan<char>> s_lookup =
        s_users.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Reads "user:{SHA}base64" lines; returns how many were read, or -1.</summary>
    [UnmanagedCallersOnly]
    public static int Load(byte* path)
    {
        try
        {
            foreach (var line in File.ReadLines(Marshal.PtrToStringUTF8((nint)path)!))
            {
                var colon = line.IndexOf(':');
                if (colon > 0 && line.AsSpan(colon + 1).StartsWith("{SHA}"))
                {
                    s_users[line[..colon]] = Convert.FromBase64String(line[(colon + 6)..]);
                }
            }
            return s_users.Count;
        }
        catch (Exception)
        {
            return Error;
        }
    }

    [UnmanagedCallersOnly]
    public static int CheckPassword(byte* user, int userLength, byte* password, int passwordLength)
    {
        try
        {
            Span<char> name = stackalloc char[256];
            if (userLength > name.Length)
            {
                return NotFound;
            }
            var n = Encoding.UTF8.GetChars(new ReadOnlySpan<byte>(user, userLength), name);
            if (!s_lookup.TryGetValue(name[..n], out var stored))
            {
                return NotFound;
            }
            Span<byte> digest = stackalloc byte[SHA1.HashSizeInBytes];
            SHA1.HashData(new ReadOnlySpan<byte>(password, passwordLength), digest);
            return CryptographicOperations.FixedTimeEquals(digest, stored) ? Granted : Denied;
        }
        catch (Exception)
        {
            return Error;
        }
    }

    [UnmanagedCallersOnly]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int AllowAccess() => 1;
}
