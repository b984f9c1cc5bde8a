using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using AccessHooks.Providers.Htpasswd;
using AccessHooks.TestSupport;

namespace AccessHooks.Providers.Tests;

/// <summary>File syntax: line endings, comments, duplicates, malformed lines, size.</summary>
public sealed class HtpasswdFileTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static string Sha(string user, string password) =>
        $"{user}:{{SHA}}{Convert.ToBase64String(SHA1.HashData(Encoding.UTF8.GetBytes(password)))}";

    [Fact]
    public void Crlf_comments_blank_lines_and_last_line_without_newline()
    {
        var content = "# users of the site\r\n\r\n" + Sha("alice", "a") + "\r\n   \r\n  # indented comment\r\n" + Sha("bob", "b") + "\r\n" + Sha("carol", "c");
        var checker = HtpasswdFiles.Checker(_directory.WriteFile("users", content));
        Assert.Equal(AuthResult.Granted, checker.Check("alice", "a"));
        Assert.Equal(AuthResult.Granted, checker.Check("bob", "b"));
        Assert.Equal(AuthResult.Granted, checker.Check("carol", "c"));
        Assert.Equal(AuthResult.Denied, checker.Check("carol", "c\r"));
        Assert.Equal(AuthResult.NotFound, checker.Check("# users of the site", "a"));
        Assert.Equal(3, checker.UserCount);
    }

    [Fact]
    public void Byte_order_mark_and_latin1_file_are_read()
    {
        var bom = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes(Sha("jürgen", "a") + "\n")).ToArray();
        Assert.Equal(AuthResult.Granted, HtpasswdFiles.Checker(_directory.WriteFile("bom", bom)).Check("jürgen", "a"));
        // Not valid UTF-8: read as Latin-1, the host's fallback for user names too.
        var latin1 = Encoding.Latin1.GetBytes(Sha("jürgen", "b") + "\n");
        Assert.Equal(AuthResult.Granted, HtpasswdFiles.Checker(_directory.WriteFile("latin1", latin1)).Check("jürgen", "b"));
    }

    [Fact]
    public void Duplicate_user_first_entry_wins()
    {
        var logger = new ListLogger<HtpasswdPasswordChecker>();
        var checker = HtpasswdFiles.Checker(_directory.WriteFile("users", $"{Sha("alice", "first")}\n{Sha("alice", "second")}\n"), logger);
        Assert.Equal(AuthResult.Granted, checker.Check("alice", "first"));
        Assert.Equal(AuthResult.Denied, checker.Check("alice", "second"));
        Assert.Contains(logger.Lines, l => l.Contains("line 2") && l.Contains("alice"));
    }

    [Fact]
    public void Malformed_lines_are_skipped_with_a_warning_naming_the_line_and_never_the_hash()
    {
        var logger = new ListLogger<HtpasswdPasswordChecker>();
        var bobLine = Sha("bob", "b");
        var content = $"{Sha("alice", "a")}\nno-colon-here\n:{{SHA}}nouser\nemptyhash:\n{bobLine}\nmallory:$apr1$broken\n";
        var checker = HtpasswdFiles.Checker(_directory.WriteFile("users", content), logger);
        Assert.Equal(AuthResult.Granted, checker.Check("alice", "a"));
        Assert.Equal(AuthResult.Granted, checker.Check("bob", "b"));
        Assert.Equal(AuthResult.Denied, checker.Check("mallory", "anything"));
        Assert.Contains(logger.Lines, l => l.StartsWith("Warning") && l.Contains("line 2"));
        Assert.Contains(logger.Lines, l => l.Contains("line 3"));
        Assert.Contains(logger.Lines, l => l.Contains("line 4"));
        Assert.Contains(logger.Lines, l => l.Contains("line 6"));
        Assert.DoesNotContain(logger.Lines, l => l.Contains("{SHA}") || l.Contains(bobLine.Split(':')[1]) || l.Contains("$apr1$"));
    }

    [Fact]
    public void Missing_file_fails_closed_with_an_exception()
    {
        var checker = HtpasswdFiles.Checker(_directory["does-not-exist"]);
        Assert.ThrowsAny<IOException>(() => checker.Check("alice", "a"));
    }

    [Fact]
    public void Hundred_thousand_users_load_once_and_look_up_in_constant_time()
    {
        var content = new StringBuilder();
        for (var i = 0; i < 100_000; i++)
            content.Append(Sha($"user{i}", $"pw{i}")).Append('\n');
        var checker = HtpasswdFiles.Checker(_directory.WriteFile("users", content.ToString()));
        Assert.Equal(100_000, checker.UserCount);

        var timer = Stopwatch.StartNew();
        for (var i = 0; i < 100_000; i += 97)
            Assert.Equal(AuthResult.Granted, checker.Check($"user{i}", $"pw{i}"));
        Assert.Equal(AuthResult.NotFound, checker.Check("user100000", "x"));
        // ~1,000 checks; a linear scan per check would take minutes, a hash lookup milliseconds.
        Assert.True(timer.Elapsed < TimeSpan.FromSeconds(10), $"1,000 lookups took {timer.Elapsed}");
    }
}
