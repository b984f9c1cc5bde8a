using AccessHooks.Host.Interop;
using Microsoft.Extensions.Logging;

namespace AccessHooks.Host.Logging;

/// <summary>
/// ILogger&lt;T&gt; for services in a group's container (providers log connection trouble and the
/// like): they live across requests, so they write server-level lines (ctx NULL).
/// </summary>
/// <param name="code">The code of its lines: DOTNET0211 for scripts' services, DOTNET0239 for apps.</param>
internal sealed class ServerLoggerProvider(ErrorCode code = ErrorCode.ScriptLog) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new ServerLogger(categoryName, code);

    public void Dispose()
    {
    }

    private sealed class ServerLogger(string category, ErrorCode code) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.None)
                return;
            var message = category + ": " + formatter(state, exception);
            if (exception is not null)
                message = message + Environment.NewLine + exception;
            ApacheLog.Server(ApacheLog.FromLogLevel(logLevel), code, message);
        }
    }
}
