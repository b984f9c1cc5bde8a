using System.Runtime.InteropServices;
using System.Text;
using AccessHooks.Host.Interop;

namespace AccessHooks.Host.Logging;

/// <summary>
/// Writes through the module's ah_log_fn. One Apache log line per text line, so every line of a
/// stack trace or of a compiler's diagnostics carries its DOTNETnnnn code and stays greppable.
/// </summary>
internal static unsafe class ApacheLog
{
    private static delegate* unmanaged<void*, int, int, byte*, void> s_log;

    public static void Configure(delegate* unmanaged<void*, int, int, byte*, void> log) => s_log = log;

    /// <summary>A server-level line (ctx NULL): allowed from any thread.</summary>
    public static void Server(ApacheLevel level, ErrorCode code, string message) => Write(null, level, code, message);

    /// <summary>
    /// With a non-null ctx only on the request's worker thread while its call is in flight
    /// (CallLog enforces that); with ctx NULL from anywhere.
    /// </summary>
    public static void Write(void* ctx, ApacheLevel level, ErrorCode code, string message)
    {
        var log = s_log;
        if (log == null)
            return;
        // Lines not written through a CallLog (Console, a provider's ILogger<T>) during an
        // authentication call, on its thread or in its continuations.
        message = LogMask.Apply(message, LogMask.Current);
        var start = 0;
        while (start <= message.Length)
        {
            var end = message.IndexOf('\n', start);
            if (end < 0)
                end = message.Length;
            var line = message.AsSpan(start, end - start).TrimEnd('\r');
            if (!line.IsEmpty || message.Length == 0)
                WriteLine(log, ctx, (int)level, (int)code, line);
            start = end + 1;
        }
    }

    private static void WriteLine(delegate* unmanaged<void*, int, int, byte*, void> log, void* ctx, int level, int code, ReadOnlySpan<char> line)
    {
        var max = Encoding.UTF8.GetMaxByteCount(line.Length) + 1;
        if (max <= 1024)
        {
            var buffer = stackalloc byte[max];
            Encode(line, buffer, max);
            log(ctx, level, code, buffer);
            return;
        }
        var heap = (byte*)NativeMemory.Alloc((nuint)max);
        try
        {
            Encode(line, heap, max);
            log(ctx, level, code, heap);
        }
        finally
        {
            NativeMemory.Free(heap);
        }
    }

    private static void Encode(ReadOnlySpan<char> line, byte* buffer, int capacity)
    {
        var written = Encoding.UTF8.GetBytes(line, new Span<byte>(buffer, capacity - 1));
        // A NUL inside the text would silently cut the line short in C; make it visible instead.
        for (var i = 0; i < written; i++)
        {
            if (buffer[i] == 0)
                buffer[i] = (byte)'?';
        }
        buffer[written] = 0;
    }

    public static ApacheLevel FromLogLevel(Microsoft.Extensions.Logging.LogLevel level) => level switch
    {
        Microsoft.Extensions.Logging.LogLevel.Trace => ApacheLevel.Trace1,
        Microsoft.Extensions.Logging.LogLevel.Debug => ApacheLevel.Debug,
        Microsoft.Extensions.Logging.LogLevel.Information => ApacheLevel.Info,
        Microsoft.Extensions.Logging.LogLevel.Warning => ApacheLevel.Warning,
        _ => ApacheLevel.Error,
    };
}
