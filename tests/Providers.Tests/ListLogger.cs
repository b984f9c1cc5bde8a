using Microsoft.Extensions.Logging;

namespace AccessHooks.Providers.Tests;

/// <summary>Collects formatted log lines, to assert what providers log (and what they never log).</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines { get { lock (_lines) return _lines.ToArray(); } }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lines)
            _lines.Add($"{logLevel}: {formatter(state, exception)}");
    }
}
