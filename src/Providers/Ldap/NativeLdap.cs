using System.DirectoryServices.Protocols;
using System.Reflection;
using System.Runtime.InteropServices;

namespace AccessHooks.Providers.Ldap;

/// <summary>
/// Direct libldap calls on the handle System.DirectoryServices.Protocols wraps, for what it does not
/// expose on Linux: a network (connect) timeout, and shutting a connection's socket down from another
/// thread. A bind to a server that accepts and never answers (plain, LDAPS or STARTTLS) blocks in
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
    private const int SHUT_RDWR = 2;

    private static readonly FieldInfo? HandleField =
        typeof(LdapConnection).GetField("_ldapHandle", BindingFlags.NonPublic | BindingFlags.Instance);

    private static readonly delegate* unmanaged<nint, int, void*, int> GetOption;
    private static readonly delegate* unmanaged<nint, int, void*, int> SetOption;

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
