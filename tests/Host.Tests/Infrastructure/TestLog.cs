using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace AccessHooks.Host.Tests.Infrastructure;

public sealed record LogLine(nint Ctx, int Level, int Code, string Message, int ThreadId);

/// <summary>The ah_log_fn the tests hand the host: collects every line, by log context.</summary>
public static unsafe class TestLog
{
    private static readonly ConcurrentQueue<LogLine> s_lines = new();

    [UnmanagedCallersOnly]
    public static void Write(void* ctx, int level, int code, byte* message)
    {
        var text = Marshal.PtrToStringUTF8((nint)message) ?? string.Empty;
        s_lines.Enqueue(new LogLine((nint)ctx, level, code, text, Environment.CurrentManagedThreadId));
    }

    public static IReadOnlyList<LogLine> For(nint ctx) => s_lines.Where(line => line.Ctx == ctx).ToList();

    /// <summary>Server-level lines (ctx NULL) containing <paramref name="text"/>.</summary>
    public static IReadOnlyList<LogLine> Server(string text) =>
        s_lines.Where(line => line.Ctx == 0 && line.Message.Contains(text, StringComparison.Ordinal)).ToList();

    public static IReadOnlyList<LogLine> All => s_lines.ToList();
}
