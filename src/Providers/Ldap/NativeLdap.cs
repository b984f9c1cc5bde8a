using System.DirectoryServices.Protocols;
using System.Reflection;
using System.Runtime.InteropServices;

namespace AccessHooks.Providers.Ldap;

/// <summary>
/// Direct libldap calls on the handle System.DirectoryServices.Protocols wraps, for what it does not
/// expose on Linux: a network (connect) timeout, certificate checking per connection, and shutting a
/// connection's socket down from another thread. A bind to a server that accepts and never answers (plain, LDAPS or STARTTLS) blocks in
/// libldap without any timeout; shutdown(2) on its socket makes the blocked call fail at once, which
/// closing or disposing the handle from another thread could not do safely.
/// The handle is S.DS.P's private <c>_ldapHandle</c> field (checked by the provider tests against the
/// pinned package version). Should it ever be missing, these return false: a hung call then stays
/// blocked until the host's DotNetHookTimeout gives up on the hook, which still fails closed (500).
/// </summary>
internal static unsafe class NativeLdap
{
    private const int LDAP_OPT_DESC = 0x0001;
    private const int LDAP_OPT_NETWORK_TIMEOUT = 0x5005;
    private const int LDAP_OPT_X_TLS_CACERTFILE = 0x6002;
    private const int LDAP_OPT_X_TLS_CACERTDIR = 0x6003;
    private const int LDAP_OPT_X_TLS_REQUIRE_CERT = 0x6006;
    private const int LDAP_OPT_X_TLS_NEVER = 0;
    private const int LDAP_OPT_X_TLS_DEMAND = 2;
    private const int SHUT_RDWR = 2;

    private static readonly FieldInfo? HandleField =
        typeof(LdapConnection).GetField("_ldapHandle", BindingFlags.NonPublic | BindingFlags.Instance);

    private static readonly delegate* unmanaged<nint, int, void*, int> GetOption;
    private static readonly delegate* unmanaged<nint, int, void*, int> SetOption;
    private static readonly delegate* unmanaged<void*, void> MemFree;

    static NativeLdap()
    {
        // The sonames System.DirectoryServices.Protocols itself tries, newest first.
        foreach (var name in new[] { "libldap.so.2", "libldap-2.6.so.0", "libldap-2.5.so.0", "libldap-2.4.so.2" })
        {
            if (NativeLibrary.TryLoad(name, out var library) &&
                NativeLibrary.TryGetExport(library, "ldap_get_option", out var get) &&
                NativeLibrary.TryGetExport(library, "ldap_set_option", out var set))
            {
                GetOption = (delegate* unmanaged<nint, int, void*, int>)get;
                SetOption = (delegate* unmanaged<nint, int, void*, int>)set;
                if (NativeLibrary.TryGetExport(library, "ldap_memfree", out var free))
                    MemFree = (delegate* unmanaged<void*, void>)free;
                return;
            }
        }
    }

    /// <summary>Bounds TCP connect (LDAP_OPT_NETWORK_TIMEOUT).</summary>
    public static bool TrySetNetworkTimeout(LdapConnection connection, TimeSpan timeout)
    {
        var seconds = (long)timeout.TotalSeconds;
        var timeval = stackalloc long[2] { seconds, (long)((timeout.TotalSeconds - seconds) * 1_000_000) };
        return WithHandle(connection, ld => SetOption != null && SetOption(ld, LDAP_OPT_NETWORK_TIMEOUT, timeval) == 0);
    }

    /// <summary>
    /// Sets LDAP_OPT_X_TLS_REQUIRE_CERT on this connection: DEMAND (chain to a trusted CA and a name
    /// matching the host, else the handshake fails) or, when <paramref name="verify"/> is false,
    /// NEVER. Reads it back, so true means the connection really has that value. It takes effect
    /// through the new TLS context made after it (LDAP_OPT_X_TLS_NEWCTX).
    /// </summary>
    public static bool TrySetRequireCertificate(LdapConnection connection, bool verify) => WithHandle(connection, ld =>
    {
        if (SetOption == null || GetOption == null)
            return false;
        var wanted = verify ? LDAP_OPT_X_TLS_DEMAND : LDAP_OPT_X_TLS_NEVER;
        var actual = -1;
        return SetOption(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &wanted) == 0 &&
            GetOption(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &actual) == 0 && actual == wanted;
    });

    /// <summary>
    /// Gives this connection libldap's process-wide CA file and directory (TLS_CACERT and
    /// TLS_CACERTDIR of ldap.conf, as an ldaprc or LDAPTLS_CACERT may change them). A new handle
    /// starts without any TLS paths (ldap_create clears them: it expects to share the default TLS
    /// context), so the connection's own context would otherwise trust no CA at all.
    /// </summary>
    public static bool TryUseDefaultCertificateAuthorities(LdapConnection connection) => WithHandle(connection, ld =>
    {
        if (SetOption == null || GetOption == null || MemFree == null)
            return false;
        foreach (var option in (ReadOnlySpan<int>)[LDAP_OPT_X_TLS_CACERTFILE, LDAP_OPT_X_TLS_CACERTDIR])
        {
            byte* path = null;
            if (GetOption(0, option, &path) != 0)
                return false;
            if (path == null)
                continue;
            try
            {
                if (SetOption(ld, option, path) != 0)
                    return false;
            }
            finally
            {
                MemFree(path);
            }
        }
        return true;
    });

    /// <summary>Shuts the connection's socket down (both directions), so a call blocked on it returns with an error.</summary>
    public static bool TryShutdownSocket(LdapConnection connection) => WithHandle(connection, ld =>
    {
        if (GetOption == null)
            return false;
        int fd = -1;
        return GetOption(ld, LDAP_OPT_DESC, &fd) == 0 && fd >= 0 && shutdown(fd, SHUT_RDWR) == 0;
    });

    private static bool WithHandle(LdapConnection connection, Func<nint, bool> action)
    {
        if (HandleField?.GetValue(connection) is not SafeHandle handle || handle.IsInvalid)
            return false;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return action(handle.DangerousGetHandle());
        }
        catch (Exception e) when (e is ObjectDisposedException or DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
        finally
        {
            if (added)
                handle.DangerousRelease();
        }
    }

    [DllImport("libc")]
    private static extern int shutdown(int fd, int how);
}
