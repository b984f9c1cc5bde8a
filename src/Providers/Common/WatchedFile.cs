using Microsoft.Extensions.Logging;

namespace AccessHooks.Providers;

/// <summary>
/// An immutable snapshot of a parsed file, rebuilt when the file changes. Readers get the current
/// snapshot with one volatile read; at most one thread per <see cref="WatchedFileOptions.ReloadCheckInterval"/>
/// looks at the file's metadata, and only a changed, settled file is read and parsed.
/// A file caught changing (changed while being read, or looking truncated) never replaces a good
/// snapshot: the old one keeps serving, since the writer is about to finish. A file that is gone or
/// cannot be read (deleted, chmod 000, replaced by a directory) fails closed, as Apache's
/// mod_authn_file does: from the check that notices it, <see cref="Current"/> throws (the host
/// answers 500) until the file can be read again. Answering from a deleted file would keep a
/// password or a group membership the administrator just removed working for as long as the
/// process lives.
/// </summary>
public sealed class WatchedFile<T> where T : class
{
    /// <summary>Parses the file's text into a snapshot; throws when the text is not valid (the previous snapshot is kept).</summary>
    public delegate ParsedFile<T> Parser(string content, ILogger logger);

    private readonly string _path;
    private readonly Parser _parse;
    private readonly ILogger _logger;
    private readonly long _checkIntervalMs;
    private readonly TimeSpan _settleTime;
    private readonly object _reloadGate = new();
    private volatile State? _state;
    private long _nextCheckAt;
    private FileSignature? _lastRejected;

    private abstract record State;

    private sealed record Loaded(T Value, FileSignature Signature) : State;

    private sealed record Unavailable(FileProblem Problem) : State;

    /// <summary>Watches the file <paramref name="options"/> names for <paramref name="providerName"/>, parsing it with <paramref name="parse"/>.</summary>
    public WatchedFile(WatchedFileOptions options, string providerName, Parser parse, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(providerName);
        _path = options.Path;
        _parse = parse;
        _logger = logger;
        _checkIntervalMs = (long)options.ReloadCheckInterval.TotalMilliseconds;
        _settleTime = options.ReloadSettleTime;
    }

    /// <summary>The watched file.</summary>
    public string Path => _path;

    private TimeSpan EmptyFileSettleTime => TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(5).Ticks, _settleTime.Ticks * 4));

    /// <summary>How many times a new snapshot was swapped in (the first load counts).</summary>
    public int Generation { get; private set; }

    /// <summary>
    /// The current snapshot. The first call loads the file. Throws (<see cref="FileNotFoundException"/>,
    /// <see cref="UnauthorizedAccessException"/> or <see cref="IOException"/>, naming the path and never
    /// the content) while the file is missing or unreadable, so lookups fail closed instead of
    /// treating every user as unknown or answering from a file that was removed.
    /// </summary>
    public T Current
    {
        get
        {
            var state = _state;
            if (state is null)
                return LoadFirst();
            if (Environment.TickCount64 >= Volatile.Read(ref _nextCheckAt) && Monitor.TryEnter(_reloadGate))
            {
                // Other threads keep reading the old snapshot instead of waiting for this one.
                try { CheckForChange(state); }
                finally { Monitor.Exit(_reloadGate); }
                state = _state!;
            }
            return state is Loaded loaded ? loaded.Value : throw ((Unavailable)state).Problem.ToException();
        }
    }

    private T LoadFirst()
    {
        lock (_reloadGate)
        {
            if (_state is Loaded loaded)
                return loaded.Value;
            // A file caught mid-write on the very first load: retry briefly rather than start with a bad parse.
            for (var attempt = 0; ; attempt++)
            {
                var read = TryRead();
                if (read.Problem is { } problem)
                    throw problem.ToException();
                if (read.Result is { } result && (!result.LooksTruncated || attempt >= 5))
                {
                    Swap(result, read.Signature);
                    return result.Value;
                }
                if (attempt >= 5)
                    throw new IOException($"Cannot load {_path}: {read.Failure}");
                Thread.Sleep(50);
            }
        }
    }

    private void CheckForChange(State state)
    {
        Volatile.Write(ref _nextCheckAt, Environment.TickCount64 + _checkIntervalMs);
        var signature = FileSignature.Read(_path);
        if (signature is null)
        {
            FailClosed(FileProblem.Describe(_path));
            return;
        }
        // While failing closed the file is always re-read: it may be back with its old signature
        // (a parent directory's permissions restored, say), and only a successful read proves it readable.
        if ((state is Loaded loaded && signature.Value == loaded.Signature) || signature == _lastRejected)
            return;
        var age = DateTime.UtcNow - signature.Value.ModifiedUtc;
        // An empty file is what a writer leaves between truncating and writing, and it parses
        // cleanly; a writer starved of CPU can sit there longer than the settle time. So an empty
        // file replaces a good snapshot only after a much longer quiet period.
        var settle = signature.Value.Size == 0 ? EmptyFileSettleTime : _settleTime;
        if (age < settle)
        {
            // Still being written, perhaps: look again once it has settled, not a whole interval later.
            var wait = (long)Math.Ceiling((settle - age).TotalMilliseconds);
            Volatile.Write(ref _nextCheckAt, Environment.TickCount64 + Math.Min(wait, Math.Max(_checkIntervalMs, 1)));
            return;
        }
        var keeping = state is Loaded ? "keeping the previous version" : "still failing closed";
        ReadAttempt read;
        try
        {
            read = TryRead();
        }
        catch (Exception e)
        {
            // A parser bug must not take down a provider that has a good snapshot to serve.
            _logger.LogError(e, "{Path}: reload failed; {Keeping}", _path, keeping);
            return;
        }
        if (read.Problem is { } problem)
        {
            FailClosed(problem);
            return;
        }
        if (read.Result is not { } result)
        {
            _logger.LogWarning("{Path}: not reloaded ({Reason}); {Keeping}", _path, read.Failure, keeping);
            return;
        }
        if (result.LooksTruncated)
        {
            RejectOnce(read.Signature, "the file ends in the middle of a line that does not parse, as if still being written; " + keeping);
            return;
        }
        Swap(result, read.Signature);
    }

    private void FailClosed(FileProblem problem)
    {
        // Logged once per transition (and again only if the reason changes), not once per check.
        if (_state is Unavailable { Problem: var current } && current == problem)
            return;
        _state = new Unavailable(problem);
        _lastRejected = null;
        _logger.LogError("{Path}: {Reason}; failing closed: every lookup throws until the file can be read again", _path, problem.Reason);
    }

    private void RejectOnce(FileSignature signature, string reason)
    {
        // Logged once per rejected version, not once per check.
        if (signature == _lastRejected)
            return;
        _lastRejected = signature;
        _logger.LogWarning("{Path}: {Reason}", _path, reason);
    }

    /// <summary>What one attempt to read the file gave: a parse, a transient failure (it changed while being read), or a problem that fails closed.</summary>
    private readonly record struct ReadAttempt(ParsedFile<T>? Result, FileSignature Signature, string Failure, FileProblem? Problem);

    private ReadAttempt TryRead()
    {
        var before = FileSignature.Read(_path);
        if (before is null)
            return new ReadAttempt(null, default, string.Empty, FileProblem.Describe(_path));
        byte[] content;
        try
        {
            content = File.ReadAllBytes(_path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new ReadAttempt(null, default, string.Empty, FileProblem.FromReadFailure(_path, e));
        }
        var after = FileSignature.Read(_path);
        if (after != before || content.LongLength != before.Value.Size)
            return new ReadAttempt(null, default, "the file changed while it was being read", null);
        return new ReadAttempt(_parse(FileLines.Decode(content), _logger), before.Value, string.Empty, null);
    }

    private void Swap(ParsedFile<T> result, FileSignature signature)
    {
        var wasUnavailable = _state is Unavailable;
        _state = new Loaded(result.Value, signature);
        _lastRejected = null;
        Generation++;
        if (wasUnavailable)
            _logger.LogWarning("{Path}: readable again; serving it", _path);
        else if (Generation > 1)
            _logger.LogInformation("{Path}: reloaded", _path);
    }
}
