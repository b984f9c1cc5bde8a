namespace AccessHooks.Providers;

/// <summary>
/// Tries password checkers in registration order, like Apache's <c>AuthBasicProvider a b</c>:
/// NotFound falls through to the next, Denied stops the chain, Granted (or GrantedAs) wins.
/// An exception is not caught: a provider that cannot answer (directory down) fails the request
/// closed rather than letting a later provider decide.
/// </summary>
public sealed class CompositePasswordChecker : IPasswordChecker
{
    private readonly IPasswordChecker[] _checkers;

    /// <summary>Asks <paramref name="checkers"/> in order.</summary>
    public CompositePasswordChecker(IEnumerable<IPasswordChecker> checkers)
    {
        ArgumentNullException.ThrowIfNull(checkers);
        _checkers = checkers.ToArray();
    }

    /// <summary>The checkers, in the order they are asked.</summary>
    public IReadOnlyList<IPasswordChecker> Checkers => _checkers;

    /// <inheritdoc />
    public async ValueTask<AuthResult> CheckPasswordAsync(HookRequest request, string user, string password, CancellationToken cancellationToken = default)
    {
        foreach (var checker in _checkers)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = await checker.CheckPasswordAsync(request, user, password, cancellationToken).ConfigureAwait(false);
            if (result.Outcome != AuthOutcome.NotFound)
                return result;
        }
        return AuthResult.NotFound;
    }
}
