namespace AccessHooks;

/// <summary>What a password check decided.</summary>
public enum AuthOutcome
{
    /// <summary>Wrong password or refused user: 401, and the provider chain stops.
    /// Zero, so a default <see cref="AuthResult"/> fails closed.</summary>
    Denied = 0,
    /// <summary>Right password.</summary>
    Granted = 1,
    /// <summary>This provider does not know the user: Apache tries the next provider.</summary>
    NotFound = 2,
}

/// <summary>
/// The answer of <c>CheckPassword</c> / <see cref="IPasswordChecker"/>. Converts implicitly from
/// <c>bool?</c> (true = Granted, false = Denied, null = NotFound), so a checker can <c>return true;</c>.
/// </summary>
public readonly struct AuthResult : IEquatable<AuthResult>
{
    private AuthResult(AuthOutcome outcome, string? userName, string? storedHash = null)
    {
        Outcome = outcome;
        UserName = userName;
        StoredHash = storedHash;
    }

    /// <summary>What the check decided.</summary>
    public AuthOutcome Outcome { get; }

    /// <summary>With <see cref="AuthOutcome.Granted"/>: the name that becomes REMOTE_USER, or null to keep the one given.</summary>
    public string? UserName { get; }

    /// <summary>
    /// With <see cref="AuthOutcome.Granted"/>: the hash the source itself stores for the user (an
    /// htpasswd line's hash), which the module offers to mod_authn_socache as is, so a cache entry
    /// is never cheaper to crack than the source. It must be a format Apache verifies
    /// (bcrypt, $apr1$, {SHA}, crypt(3)). Null: the module caches a salted slow hash instead.
    /// Not part of equality.
    /// </summary>
    public string? StoredHash { get; }

    /// <summary>True when <see cref="Outcome"/> is <see cref="AuthOutcome.Granted"/>.</summary>
    public bool IsGranted => Outcome == AuthOutcome.Granted;

    /// <summary>Right password; the user name stays as given.</summary>
    public static AuthResult Granted { get; } = new(AuthOutcome.Granted, null);
    /// <summary>Wrong password or refused user: 401, and the provider chain stops.</summary>
    public static AuthResult Denied { get; } = new(AuthOutcome.Denied, null);
    /// <summary>This provider does not know the user: Apache tries the next provider.</summary>
    public static AuthResult NotFound { get; } = new(AuthOutcome.NotFound, null);

    /// <summary>Granted, and <paramref name="userName"/> becomes REMOTE_USER (and %u in the access log).</summary>
    public static AuthResult GrantedAs(string userName)
    {
        ArgumentException.ThrowIfNullOrEmpty(userName);
        return new(AuthOutcome.Granted, userName);
    }

    /// <summary>Granted; <paramref name="storedHash"/> is the source's own hash of the password (see <see cref="StoredHash"/>).</summary>
    public static AuthResult GrantedWithStoredHash(string storedHash)
    {
        ArgumentException.ThrowIfNullOrEmpty(storedHash);
        return new(AuthOutcome.Granted, null, storedHash);
    }

    /// <summary>true is <see cref="Granted"/>, false <see cref="Denied"/>, null <see cref="NotFound"/>.</summary>
    public static implicit operator AuthResult(bool? value) => value switch
    {
        true => Granted,
        false => Denied,
        null => NotFound,
    };

    /// <inheritdoc />
    public bool Equals(AuthResult other) => Outcome == other.Outcome && string.Equals(UserName, other.UserName, StringComparison.Ordinal);
    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is AuthResult other && Equals(other);
    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Outcome, UserName);
    /// <summary>Same outcome and same user name (ordinal).</summary>
    public static bool operator ==(AuthResult left, AuthResult right) => left.Equals(right);
    /// <summary>Different outcome or user name.</summary>
    public static bool operator !=(AuthResult left, AuthResult right) => !left.Equals(right);

    /// <summary>The outcome, with the user name when one was set: <c>Granted(alice)</c>.</summary>
    public override string ToString() => UserName is null ? Outcome.ToString() : $"{Outcome}({UserName})";
}
