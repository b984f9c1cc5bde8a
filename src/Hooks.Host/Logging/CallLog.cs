using System.Collections.Concurrent;
using AccessHooks.Host.Hooks;
using AccessHooks.Host.Interop;
using Microsoft.Extensions.Logging;

namespace AccessHooks.Host.Logging;

/// <summary>
/// The log of one hook call, and the <see cref="HookRequest.Logger"/> of its request. Apache
/// allows request-level log calls only on the request's worker thread while the call is in
/// flight: lines from that thread go straight through; lines from other threads (async
/// continuations) are queued and pumped by the worker while it waits; after the call ends, lines
/// go to the server log (ctx NULL) so a script that keeps the logger never touches a freed
/// request_rec.
/// </summary>
internal sealed unsafe class CallLog : ILogger
{
    private readonly void* _ctx;
    private readonly int _workerThread;
    private int _active = 1;
    private ConcurrentQueue<Line>? _queue;
    private WakeEvent? _signal;

    private readonly string? _secret;

    /// <param name="secret">The call's password: every occurrence in a line logged for the call is masked.</param>
    public CallLog(void* ctx, string? secret)
    {
        _ctx = ctx;
        _secret = secret;
        _workerThread = Environment.CurrentManagedThreadId;
    }

    private readonly record struct Line(ApacheLevel Level, ErrorCode Code, string Message);

    public void Write(ApacheLevel level, ErrorCode code, string message)
    {
        message = LogMask.Apply(message, _secret);
        if (_ctx == null)
        {
            ApacheLog.Server(level, code, message);
            return;
        }
        if (Environment.CurrentManagedThreadId == _workerThread && Volatile.Read(ref _active) == 1)
        {
            ApacheLog.Write(_ctx, level, code, message);
            return;
        }
        if (Volatile.Read(ref _active) == 0)
        {
            ApacheLog.Server(level, code, message);
            return;
        }
        Queue.Enqueue(new Line(level, code, message));
        Volatile.Read(ref _signal)?.Set();
        // The call may have ended between the check and the enqueue: then nobody pumps, so drain
        // to the server log ourselves (each line is dequeued exactly once either way).
        if (Volatile.Read(ref _active) == 0)
            Drain(null);
    }

    /// <summary>
    /// Set whenever a line is queued; the worker waits on it (with the hook's completion). The
    /// worker's own event, reused call after call: a late Set from an earlier call only wakes a
    /// wait that then looks again. First read on the worker.
    /// </summary>
    public WakeEvent Signal => _signal ??= WakeEvent.ForCurrentThread();

    /// <summary>On the worker: writes queued lines to the request's log.</summary>
    public void Pump()
    {
        if (Volatile.Read(ref _queue) is not null)
            Drain(_ctx);
    }

    /// <summary>On the worker, just before the call returns.</summary>
    public void Complete()
    {
        Interlocked.Exchange(ref _active, 0);
        Pump();
    }

    private ConcurrentQueue<Line> Queue
    {
        get
        {
            var queue = Volatile.Read(ref _queue);
            if (queue is not null)
                return queue;
            Interlocked.CompareExchange(ref _queue, new ConcurrentQueue<Line>(), null);
            return _queue!;
        }
    }

    private void Drain(void* ctx)
    {
        var queue = _queue;
        if (queue is null)
            return;
        while (queue.TryDequeue(out var line))
            ApacheLog.Write(ctx, line.Level, line.Code, line.Message);
    }

    // ILogger: what a script writes through request.Logger.

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => logLevel != Microsoft.Extensions.Logging.LogLevel.None;

    public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (logLevel == Microsoft.Extensions.Logging.LogLevel.None)
            return;
        var message = formatter(state, exception);
        if (exception is not null)
            message = message + Environment.NewLine + exception;
        Write(ApacheLog.FromLogLevel(logLevel), ErrorCode.ScriptLog, message);
    }
}
