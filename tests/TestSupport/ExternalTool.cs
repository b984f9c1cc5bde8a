using System.Diagnostics;
using System.Text;

namespace AccessHooks.TestSupport;

/// <summary>The outcome of one ExternalTool.Run.</summary>
/// <param name="ExitCode">The process exit code.</param>
/// <param name="StandardOutput">Everything written to stdout.</param>
/// <param name="StandardError">Everything written to stderr.</param>
public sealed record ToolResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Throws with both outputs in the message unless the exit code is 0.</summary>
    public ToolResult EnsureSuccess(string what)
    {
        if (ExitCode != 0)
            throw new InvalidOperationException($"{what} exited with {ExitCode}\nstdout: {StandardOutput}\nstderr: {StandardError}");
        return this;
    }
}

/// <summary>
/// Runs real tools (htpasswd, htdigest, ldapadd, certtool) with a hard timeout, so a tool that
/// waits on a terminal or a dead server fails the test instead of hanging the run.
/// </summary>
public static class ExternalTool
{
    /// <summary>The default timeout of Run.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Runs <paramref name="fileName"/> with <paramref name="arguments"/> (no shell), writes
    /// <paramref name="standardInput"/> to its stdin and closes it, and waits for it to exit.
    /// On timeout the process tree is killed and <see cref="TimeoutException"/> thrown.
    /// <paramref name="environment"/> sets variables in the tool's environment (a null value removes one).
    /// </summary>
    public static ToolResult Run(string fileName, IEnumerable<string> arguments, string? standardInput = null,
        TimeSpan? timeout = null, string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
                start.Environment.Remove(name);
            else
                start.Environment[name] = value;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {fileName}");
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            if (standardInput is not null)
                process.StandardInput.Write(standardInput);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The tool exited without reading its input; its exit code tells the rest.
        }
        var limit = timeout ?? DefaultTimeout;
        if (!process.WaitForExit(limit))
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            throw new TimeoutException($"{fileName} did not finish within {limit.TotalSeconds:0} s");
        }
        process.WaitForExit(); // drains the asynchronous output readers
        lock (stdout) lock (stderr)
            return new ToolResult(process.ExitCode, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Run with arguments given inline.</summary>
    public static ToolResult Run(string fileName, params string[] arguments) => Run(fileName, (IEnumerable<string>)arguments);
}
