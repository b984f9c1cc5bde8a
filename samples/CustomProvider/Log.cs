using Microsoft.Extensions.Logging;

namespace AccessHooks.Samples.CustomProvider;

internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Login of {User} refused: outside the allowed time window")]
    public static partial void LogRefusal(this ILogger logger, string user);
}
