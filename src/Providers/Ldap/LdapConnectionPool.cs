using System.Collections.Concurrent;
using System.DirectoryServices.Protocols;

namespace AccessHooks.Providers.Ldap;

/// <summary>
/// Connections of one kind (search connections bound as the service account, or bind connections
/// used only to check user passwords), at most <see cref="LdapOptions.PoolSize"/> at once. Keeping
/// the two apart means a search connection never needs re-binding after a user bind: each
/// password check costs one search and one bind on already-open connections.
/// </summary>
internal sealed class LdapConnectionPool : IDisposable
{
    private readonly Func<CancellationToken, PooledConnection> _open;
    private readonly ConcurrentBag<PooledConnection> _idle = [];
    private readonly SemaphoreSlim _slots;
    private readonly TimeSpan _waitTimeout;
    private volatile bool _disposed;

    public LdapConnectionPool(int size, TimeSpan waitTimeout, Func<CancellationToken, PooledConnection> open)
    {
        _slots = new SemaphoreSlim(size, size);
        _waitTimeout = waitTimeout;
        _open = open;
    }

    public int IdleCount => _idle.Count;

    /// <summary>
    /// Runs <paramref name="operation"/> on a pooled connection. If a reused connection fails at
    /// the transport level (the server restarted since it was pooled), it is dropped and the
    /// operation runs once more on a fresh one; a fresh connection's failure is the answer.
    /// </summary>
    public T Use<T>(Func<PooledConnection, T> operation, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_slots.Wait(_waitTimeout, cancellationToken))
            throw new TimeoutException($"No LDAP connection became free within {_waitTimeout.TotalSeconds:0.#} s.");
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                var connection = Rent(cancellationToken);
                try
                {
                    var result = operation(connection);
                    Return(connection);
                    return result;
                }
                catch (LdapException) when (connection.Broken && connection.Reused && attempt == 0)
                {
                    connection.Dispose();
                }
                catch
                {
                    if (connection.Broken) connection.Dispose(); else Return(connection);
                    throw;
                }
            }
        }
        finally
        {
            _slots.Release();
        }
    }

    private PooledConnection Rent(CancellationToken cancellationToken)
    {
        if (_idle.TryTake(out var idle))
        {
            idle.Reused = true;
            return idle;
        }
        return _open(cancellationToken);
    }

    private void Return(PooledConnection connection)
    {
        if (_disposed || connection.Broken)
            connection.Dispose();
        else
            _idle.Add(connection);
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var connection))
            connection.Dispose();
    }
}
