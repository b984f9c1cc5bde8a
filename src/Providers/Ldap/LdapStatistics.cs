namespace AccessHooks.Providers.Ldap;

/// <summary>Counters of one directory's connection pool, to see that connections are reused.</summary>
/// <param name="ConnectionsOpened">Connections made (TLS included), over the pool's life.</param>
/// <param name="ServiceBinds">Binds as the search account (one per new search connection).</param>
/// <param name="UserBinds">Binds as a user, one per password check that found the user.</param>
/// <param name="Searches">Searches sent.</param>
/// <param name="Timeouts">Operations the watchdog cut off.</param>
public sealed record LdapStatistics(long ConnectionsOpened, long ServiceBinds, long UserBinds, long Searches, long Timeouts);

internal sealed class LdapCounters
{
    public long ConnectionsOpened;
    public long ServiceBinds;
    public long UserBinds;
    public long Searches;
    public long Timeouts;

    public LdapStatistics Snapshot() => new(
        Interlocked.Read(ref ConnectionsOpened), Interlocked.Read(ref ServiceBinds),
        Interlocked.Read(ref UserBinds), Interlocked.Read(ref Searches), Interlocked.Read(ref Timeouts));
}
