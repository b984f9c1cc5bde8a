using System.Diagnostics;

namespace AccessHooks.TestSupport;

/// <summary>
/// A test's private server process on 127.0.0.1 and a free port (memcached, redis-server):
/// started in the foreground with a bounded wait for it to be ready, retried on another port if
/// it does not come up, and stopped by pid (SIGTERM, up to 5 s, then SIGKILL).
/// </summary>
public static class LoopbackDaemon
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Starts <paramref name="program"/> with the arguments <paramref name="arguments"/> makes for a port, until <paramref name="ready"/> says yes.</summary>
    public static (Process Process, int Port) Start(string program, Func<int, string[]> arguments, Func<int, bool> ready)
    {
        Exception? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var port = LoopbackPort.Free();
            var start = new ProcessStartInfo(program)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = Path.GetTempPath(),
            };
            foreach (var a in arguments(port))
                start.ArgumentList.Add(a);
            var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {program}");
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var deadline = DateTime.UtcNow + StartTimeout;
            while (DateTime.UtcNow < deadline && !process.HasExited)
            {
                if (LoopbackPort.Accepts(port) && ready(port))
                    return (process, port);
                Thread.Sleep(50);
            }
            last = new TimeoutException($"{program} was not ready on 127.0.0.1:{port}");
            Stop(process);
        }
        throw new InvalidOperationException($"{program} did not start: " + last?.Message, last);
    }

    /// <summary>SIGTERM, up to 5 s, then SIGKILL; disposes the process. Null is fine.</summary>
    public static void Stop(Process? process)
    {
        if (process is null)
            return;
        try
        {
            if (!process.HasExited)
            {
                using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString()]) { UseShellExecute = false }))
                    kill?.WaitForExit(5000);
                if (!process.WaitForExit(5000))
                {
                    process.Kill();
                    process.WaitForExit(5000);
                }
            }
        }
        catch (InvalidOperationException)
        {
        }
        process.Dispose();
    }
}
