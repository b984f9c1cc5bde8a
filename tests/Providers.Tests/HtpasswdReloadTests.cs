using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using AccessHooks.Providers.Htpasswd;
using AccessHooks.TestSupport;

namespace AccessHooks.Providers.Tests;

/// <summary>Re-reading a changed file: new content is seen, half-written content never is.</summary>
[Collection(SerialCollection.Name)]
public sealed class HtpasswdReloadTests : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(200);
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static string Sha(string user, string password) =>
        $"{user}:{{SHA}}{Convert.ToBase64String(SHA1.HashData(Encoding.UTF8.GetBytes(password)))}";

    private static AuthResult Eventually(Func<AuthResult> check, AuthResult expected)
    {
        var timer = Stopwatch.StartNew();
        AuthResult result;
        while ((result = check()) != expected && timer.Elapsed < TimeSpan.FromSeconds(10))
            Thread.Sleep(20);
        return result;
    }

    [Fact]
    public void Changed_file_is_reread_after_it_settles()
    {
        var file = _directory.WriteFile("users", Sha("alice", "old") + "\n");
        var checker = HtpasswdFiles.Checker(file, interval: Interval, settle: Settle);
        Assert.Equal(AuthResult.Granted, checker.Check("alice", "old"));

        File.WriteAllText(file, Sha("alice", "new") + "\n" + Sha("bob", "b") + "\n");
        // Right after the write the file has not settled: the old snapshot still answers.
        Assert.Equal(AuthResult.Granted, checker.Check("alice", "old"));
        Assert.Equal(AuthResult.Granted, Eventually(() => checker.Check("alice", "new"), AuthResult.Granted));
        Assert.Equal(AuthResult.Denied, checker.Check("alice", "old"));
        Assert.Equal(AuthResult.Granted, checker.Check("bob", "b"));
    }

    [Fact]
    public void Rename_replacement_with_same_size_and_time_is_seen_through_the_inode()
    {
        var file = _directory.WriteFile("users", Sha("alice", "aaaa") + "\n");
        var checker = HtpasswdFiles.Checker(file, interval: Interval, settle: TimeSpan.Zero);
        Assert.Equal(AuthResult.Granted, checker.Check("alice", "aaaa"));
        var replacement = _directory.WriteFile("users.new", Sha("alice", "bbbb") + "\n");
        File.SetLastWriteTimeUtc(replacement, File.GetLastWriteTimeUtc(file));
        File.Move(replacement, file, overwrite: true);
        Assert.Equal(AuthResult.Granted, Eventually(() => checker.Check("alice", "bbbb"), AuthResult.Granted));
    }

    [Fact]
    public void Truncated_file_never_replaces_a_good_snapshot()
    {
        var logger = new ListLogger<HtpasswdPasswordChecker>();
        var good = Sha("alice", "a") + "\n" + HtpasswdFiles.Line("bob", "b", "-m") + "\n";
        var file = _directory.WriteFile("users", good);
        var checker = HtpasswdFiles.Checker(file, logger, Interval, Settle);
        Assert.Equal(AuthResult.Granted, checker.Check("bob", "b"));

        // What a reader sees when a writer stopped half-way through bob's line.
        File.WriteAllText(file, good[..(good.Length - 12)]);
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddSeconds(-5));
        Thread.Sleep(300);
        for (var i = 0; i < 10; i++, Thread.Sleep(30))
            Assert.Equal(AuthResult.Granted, checker.Check("bob", "b"));
        Assert.Contains(logger.Lines, l => l.Contains("keeping the previous version"));

        // Once the writer finishes, the complete file is taken.
        File.WriteAllText(file, good + Sha("carol", "c") + "\n");
        Assert.Equal(AuthResult.Granted, Eventually(() => checker.Check("carol", "c"), AuthResult.Granted));
    }

    [Fact]
    public async Task Replacing_the_file_while_eight_threads_verify_gives_no_wrong_answer_and_no_exception()
    {
        // Both versions hold alice with the same password (different salts and users before her),
        // and alice is last, so any half-written version that were parsed would lose or cut her line.
        string Version(int n)
        {
            var lines = new StringBuilder();
            for (var i = 0; i < 2000 + n * 500; i++)
                lines.Append(Sha($"filler{n}-{i}", "x")).Append('\n');
            return lines.Append(HtpasswdFiles.Line("alice", "right", "-m")).Append('\n').ToString();
        }
        var versions = new[] { Version(0), Version(1), Version(2) };
        var file = _directory.WriteFile("users", versions[0]);
        var checker = HtpasswdFiles.Checker(file, interval: TimeSpan.FromMilliseconds(10), settle: TimeSpan.FromMilliseconds(200));

        using var stop = new CancellationTokenSource();
        var failures = new List<string>();
        var checks = 0L;
        var readers = Enumerable.Range(0, 8).Select(t => Task.Factory.StartNew(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var right = checker.Check("alice", "right");
                    var wrong = checker.Check("alice", "wrong");
                    if (right != AuthResult.Granted || wrong != AuthResult.Denied)
                        lock (failures) failures.Add($"right={right} wrong={wrong}");
                    Interlocked.Add(ref checks, 2);
                }
                catch (Exception e)
                {
                    lock (failures) failures.Add(e.ToString());
                }
            }
        }, TaskCreationOptions.LongRunning)).ToArray();

        var writer = Stopwatch.StartNew();
        for (var round = 1; writer.Elapsed < TimeSpan.FromSeconds(4); round++)
        {
            var bytes = Encoding.UTF8.GetBytes(versions[round % versions.Length]);
            if (round % 2 == 0)
            {
                // In place, the way htpasswd itself updates a file (it copies over the original):
                // truncate, then write in pieces. The pieces end mid-line, as a writer's buffer
                // boundaries fall; a piece ending exactly at a line end cannot be told from a
                // complete file by anyone, which is why the settle time exists.
                using (var stream = new FileStream(file, FileMode.Truncate, FileAccess.Write))
                {
                    var offset = 0;
                    while (offset < bytes.Length)
                    {
                        var end = Math.Min(offset + 4096, bytes.Length);
                        if (end < bytes.Length && (bytes[end - 1] == (byte)'\n' || bytes[end] == (byte)'\n'))
                            end -= 3;
                        stream.Write(bytes, offset, end - offset);
                        stream.Flush();
                        offset = end;
                    }
                }
            }
            else
            {
                var temporary = file + ".tmp";
                File.WriteAllBytes(temporary, bytes);
                File.Move(temporary, file, overwrite: true);
            }
            // Mostly faster than the settle time, with pauses long enough for reloads to happen.
            Thread.Sleep(round % 3 == 0 ? 400 : 20);
        }
        stop.Cancel();
        await Task.WhenAll(readers);

        Assert.Empty(failures);
        Assert.True(checks > 100, $"only {checks} checks ran");
        Assert.True(checker.Generation > 2, $"the file was reloaded only {checker.Generation - 1} times");
    }
}
