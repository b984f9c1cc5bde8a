using Microsoft.Extensions.Logging;

namespace AccessHooks.Providers;

/// <summary>
/// An immutable snapshot of a parsed file, rebuilt when the file changes. Readers get the current
/// snapshot with one volatile read; at most one thread per <see cref="WatchedFileOptions.ReloadCheckInterval"/>
/// looks at the file's metadata, and only a changed, settled file is read and parsed. A good
/// snapshot is never replaced by a file that vanished, changed while being read, or looks truncated:
/// the old one keeps serving and the reason is logged.
/// </summary>
public sealed class WatchedFile<T> where T : class
{
    public delegate ParsedFile<T> Parser(string content, ILogger logger);

    private readonly string _path;
    private readonly Parser _parse;
    private readonly ILogger _logger;
    private readonly long _checkIntervalMs;
    private readonly TimeSpan _settleTime;
    private readonly object _reloadGate = new();
    private volatile Loaded? _current;
    private long _nextCheckAt;
    private FileSignature? _lastRejected;
    private bool _missingLogged;

    private sealed record Loaded(T Value, FileSignature Signature);

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

    public string Path => _path;

    private TimeSpan EmptyFileSettleTime => TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(5).Ticks, _settleTime.Ticks * 4));

    /// <summary>How many times a new snapshot was swapped in (the first load counts).</summary>
    public int Generation { get; private set; }

    /// <summary>
    /// The current snapshot. The first call loads the file; it throws when the file cannot be read,
    /// so a missing file fails closed (500) instead of treating every user as unknown.
    /// </summary>
    public T Current
    {
        get
        {
            var current = _current;
            if (current is null)
                return LoadFirst();
            if (Environment.TickCount64 >= Volatile.Read(ref _nextCheckAt) && Monitor.TryEnter(_reloadGate))
            {
                // Other threads keep reading the old snapshot instead of waiting for this one.
                try { CheckForChange(current); }
                finally { Monitor.Exit(_reloadGate); }
            }
            return _current!.Value;
        }
    }

    private T LoadFirst()
    {
        lock (_reloadGate)
        {
            if (_current is { } loaded)
                return loaded.Value;
            // A file caught mid-write on the very first load: retry briefly rather than start with a bad parse.
            for (var attempt = 0; ; attempt++)
            {
                if (FileSignature.Read(_path) is null)
                    throw new FileNotFoundException($"Cannot load {_path}: the file is missing, unreadable or not a regular file", _path);
                var result = TryRead(out var signature, out var failure);
                if (result is not null && (!result.LooksTruncated || attempt >= 5))
                {
                    Swap(result, signature);
                    return result.Value;
                }
                if (attempt >= 5)
                    throw new IOException($"Cannot load {_path}: {failure}");
                Thread.Sleep(50);
            }
        }
    }

    private void CheckForChange(Loaded current)
    {
        Volatile.Write(ref _nextCheckAt, Environment.TickCount64 + _checkIntervalMs);
        var signature = FileSignature.Read(_path);
        if (signature is null)
        {
            RejectOnce(null, "the file is missing or unreadable; keeping the previous version");
            return;
        }
        if (signature.Value == current.Signature || signature == _lastRejected)
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
        ParsedFile<T>? result;
        FileSignature readSignature;
        string failure;
        try
        {
            result = TryRead(out readSignature, out failure);
        }
        catch (Exception e)
        {
            // A parser bug must not take down a provider that has a good snapshot to serve.
            _logger.LogError(e, "{Path}: reload failed; keeping the previous version", _path);
            return;
        }
        if (result is null)
        {
            _logger.LogWarning("{Path}: not reloaded ({Reason}); keeping the previous version", _path, failure);
            return;
        }
        if (result.LooksTruncated)
        {
            RejectOnce(readSignature, "the file ends in the middle of a line that does not parse, as if still being written; keeping the previous version");
            return;
        }
        Swap(result, readSignature);
    }

    private void RejectOnce(FileSignature? signature, string reason)
    {
        // Logged once per rejected version (or once while the file is missing), not once per check.
        if (signature == _lastRejected && (signature is not null || _missingLogged))
            return;
        _missingLogged = signature is null;
        _lastRejected = signature;
        _logger.LogWarning("{Path}: {Reason}", _path, reason);
    }

    private ParsedFile<T>? TryRead(out FileSignature signature, out string failure)
    {
        signature = default;
        var before = FileSignature.Read(_path);
        if (before is null)
        {
            failure = "the file is missing, unreadable or not a regular file";
            return null;
        }
        byte[] content;
        try
        {
            content = File.ReadAllBytes(_path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            failure = e.Message;
            return null;
        }
        var after = FileSignature.Read(_path);
        if (after != before || content.LongLength != before.Value.Size)
        {
            failure = "the file changed while it was being read";
            return null;
        }
        signature = before.Value;
        failure = string.Empty;
        return _parse(FileLines.Decode(content), _logger);
    }

    private void Swap(ParsedFile<T> result, FileSignature signature)
    {
        _current = new Loaded(result.Value, signature);
        _lastRejected = null;
        _missingLogged = false;
        Generation++;
        if (Generation > 1)
            _logger.LogInformation("{Path}: reloaded", _path);
    }
}
