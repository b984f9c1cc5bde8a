using System.Text;
using AccessHooks.Host.Interop;

namespace AccessHooks.Host.Logging;

/// <summary>
/// DotNetRestrictStdout. An Apache child's stdout is not a place for output (it may be a CGI
/// pipe or /dev/null), so Off sends Console.Out/Console.Error to the error log line by line and
/// On makes writing to Console.Out an error the script author sees at once.
/// </summary>
internal static class ConsoleRedirect
{
    public static void Apply(bool restrict)
    {
        Console.SetOut(restrict ? new RefusingWriter() : new ErrorLogWriter(ApacheLevel.Notice));
        Console.SetError(new ErrorLogWriter(ApacheLevel.Error));
    }

    private sealed class ErrorLogWriter(ApacheLevel level) : TextWriter
    {
        private readonly StringBuilder _line = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            lock (_line)
            {
                if (value == '\n')
                    FlushLine();
                else
                    _line.Append(value);
            }
        }

        public override void Write(string? value)
        {
            if (value is null)
                return;
            lock (_line)
            {
                foreach (var c in value)
                {
                    if (c == '\n')
                        FlushLine();
                    else
                        _line.Append(c);
                }
            }
        }

        public override void Flush()
        {
            lock (_line)
            {
                if (_line.Length > 0)
                    FlushLine();
            }
        }

        private void FlushLine()
        {
            var text = _line.ToString().TrimEnd('\r');
            _line.Clear();
            ApacheLog.Server(level, ErrorCode.ScriptLog, text);
        }
    }

    private sealed class RefusingWriter : TextWriter
    {
        public const string Message =
            "Console.Out is disabled (DotNetRestrictStdout On): an Apache child's standard output is not a place for output. " +
            "Write to request.Logger (Apache's error log) instead, or set DotNetRestrictStdout Off to send Console output to the error log.";

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value) => throw new InvalidOperationException(Message);

        public override void Write(string? value) => throw new InvalidOperationException(Message);

        public override void Write(char[] buffer, int index, int count) => throw new InvalidOperationException(Message);

        public override void Flush()
        {
        }
    }
}
