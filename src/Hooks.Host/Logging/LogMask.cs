namespace AccessHooks.Host.Logging;

/// <summary>
/// Keeps a password out of the error log. .NET puts argument values into exception messages
/// (int.Parse, a missing dictionary key, Enum.Parse, ...), and a script may log what it was
/// given, so during an authentication call every occurrence of the password in any line logged
/// for it is replaced by a fixed mask: lines through the call's <see cref="CallLog"/>, and lines
/// through Console or a provider's ILogger written on the call's thread or its continuations
/// (the secret flows with the ExecutionContext).
/// </summary>
internal static class LogMask
{
    public const string Mask = "********";

    /// <summary>
    /// Shorter passwords are not masked: masking every "a" would garble each line, and a password
    /// of three characters or fewer falls to a few thousand guesses whatever the log says.
    /// </summary>
    public const int MinimumLength = 4;
    private static readonly AsyncLocal<string?> s_secret = new();

    public static string? Current => s_secret.Value;

    public static void Enter(string secret) => s_secret.Value = secret;

    public static void Exit() => s_secret.Value = null;

    public static string Apply(string message, string? secret) =>
        secret is null || secret.Length < MinimumLength || !message.Contains(secret, StringComparison.Ordinal)
            ? message
            : message.Replace(secret, Mask, StringComparison.Ordinal);
}
