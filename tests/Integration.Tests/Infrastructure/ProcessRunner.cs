using System.Diagnostics;
using System.Text;

namespace AccessHooks.Integration.Tests.Infrastructure;

public sealed record ProcessResult(int ExitCode, string StdOut, string StdErr, bool TimedOut)
{
    public string Output => StdOut + StdErr;
    public override string ToString() => $"exit {ExitCode}{(TimedOut ? " (timed out)" : "")}\n{StdOut}\n{StdErr}";
}

/// <summary>Runs a command with a bounded wait; a process that overruns is killed (with its tree).</summary>
public static class ProcessRunner
{
    public static ProcessResult Run(string file, IEnumerable<string> args, TimeSpan? timeout = null,
        string? stdin = null, string? workingDirectory = null, IDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        if (workingDirectory is not null)
            psi.WorkingDirectory = workingDirectory;
        if (environment is not null)
            foreach (var (k, v) in environment)
                psi.Environment[k] = v;

        using var p = new Process { StartInfo = psi };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        var timedOut = !p.WaitForExit((int)limit.TotalMilliseconds);
        if (timedOut)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            p.WaitForExit(5000);
        }
        else
        {
            p.WaitForExit(); // flush the async readers
        }
        lock (stdout) lock (stderr)
            return new ProcessResult(timedOut ? -1 : p.ExitCode, stdout.ToString(), stderr.ToString(), timedOut);
    }

    public static ProcessResult Run(string file, params string[] args) => Run(file, args, null);

    /// <summary>Runs and throws with the output when the exit code is not 0.</summary>
    public static ProcessResult Check(string file, params string[] args)
    {
        var r = Run(file, args, null);
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {r}");
        return r;
    }
}
