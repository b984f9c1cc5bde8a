using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace AccessHooks.Providers.Htpasswd;

/// <summary>
/// crypt(3) through the system's libxcrypt: bcrypt, DES, $1$, $5$, $6$ and yescrypt are the same
/// code Apache's own apr_password_validate ends up in, so what htpasswd wrote verifies identically.
/// crypt_rn is the reentrant form: each thread brings its own crypt_data, no global lock.
/// </summary>
internal static unsafe class LibXCrypt
{
    // sizeof(struct crypt_data) in libxcrypt; crypt_rn refuses a smaller buffer (ERANGE).
    private const int CryptDataSize = 32768;

    [ThreadStatic] private static byte[]? t_data;

    private static readonly Lazy<bool> s_available = new(() =>
    {
        if (!NativeLibrary.TryLoad("libcrypt.so.1", typeof(LibXCrypt).Assembly, null, out var handle))
            return false;
        var found = NativeLibrary.TryGetExport(handle, "crypt_rn", out _);
        NativeLibrary.Free(handle);
        return found;
    });

    /// <summary>Whether libxcrypt (libcrypt.so.1 with crypt_rn) can be loaded on this system.</summary>
    public static bool IsAvailable => s_available.Value;

    /// <summary>Hashes <paramref name="password"/> with the algorithm and salt in <paramref name="setting"/>; null when libxcrypt rejects the setting.</summary>
    public static byte[]? Hash(ReadOnlySpan<byte> password, string setting)
    {
        var data = t_data ??= GC.AllocateArray<byte>(CryptDataSize, pinned: true);
        var phrase = new byte[password.Length + 1];
        var settingBytes = new byte[Encoding.ASCII.GetByteCount(setting) + 1];
        try
        {
            password.CopyTo(phrase);
            Encoding.ASCII.GetBytes(setting, settingBytes);
            fixed (byte* phrasePtr = phrase)
            fixed (byte* settingPtr = settingBytes)
            fixed (byte* dataPtr = data)
            {
                var output = crypt_rn(phrasePtr, settingPtr, dataPtr, CryptDataSize);
                // libxcrypt marks failure with NULL or with an output starting with '*'.
                if (output is null || *output == (byte)'*')
                    return null;
                return new ReadOnlySpan<byte>(output, CryptDataSize).SliceToNull().ToArray();
            }
        }
        finally
        {
            // The buffers held the password and derived state; do not leave them for the next reader of this memory.
            CryptographicOperations.ZeroMemory(phrase);
            CryptographicOperations.ZeroMemory(data);
        }
    }

    private static ReadOnlySpan<byte> SliceToNull(this ReadOnlySpan<byte> span)
    {
        var end = span.IndexOf((byte)0);
        return end < 0 ? span : span[..end];
    }

    [DllImport("libcrypt.so.1", EntryPoint = "crypt_rn")]
    private static extern byte* crypt_rn(byte* phrase, byte* setting, void* data, int size);
}
