using System.DirectoryServices.Protocols;

namespace AccessHooks.Providers.Ldap;

/// <summary>
/// Bounds one blocking libldap call: when the time is up (or the request is cancelled) it shuts the
/// connection's socket down, so the blocked call returns, and records that it fired so the caller
/// throws <see cref="TimeoutException"/> and discards the connection.
/// </summary>
internal sealed class LdapWatchdog : IDisposable
{
    private readonly object _gate = new();
    private readonly LdapConnection _connection;
    private readonly CancellationTokenSource _timer;
    private readonly CancellationTokenRegistration _registration;
    private bool _done;

    public LdapWatchdog(LdapConnection connection, TimeSpan timeout, CancellationToken cancellationToken)
    {
        _connection = connection;
        _timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _registration = _timer.Token.Register(static state => ((LdapWatchdog)state!).Fire(), this);
        _timer.CancelAfter(timeout);
    }

    /// <summary>True once the watchdog cut the connection off.</summary>
    public bool Fired { get; private set; }

    private void Fire()
    {
        lock (_gate)
        {
            // Never touch a connection whose call already returned: it may be back in the pool.
            if (_done)
                return;
            Fired = true;
            try
            {
                NativeLdap.TryShutdownSocket(_connection);
            }
            catch (Exception)
            {
                // This runs on a timer thread, where an exception would end the process; without
                // the shutdown the host's hook timeout is what ends the wait.
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
            _done = true;
        _registration.Dispose();
        _timer.Dispose();
    }
}
