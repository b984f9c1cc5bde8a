namespace AccessHooks.Providers;

/// <summary>
/// Why a watched file cannot be served: missing, not readable, or not a regular file. Its exception
/// names the path and the reason, never anything read from the file. Two problems are equal when
/// kind and reason are, so a problem that persists is logged once.
/// </summary>
internal sealed record FileProblem(FileProblemKind Kind, string Path, string Reason)
{
    /// <summary>A fresh exception per throw: one instance thrown on several threads would mix up their stack traces.</summary>
    public Exception ToException()
    {
        var message = $"Cannot use {Path}: {Reason}. Lookups fail until the file can be read again.";
        return Kind switch
        {
            FileProblemKind.Missing => new FileNotFoundException(message, Path),
            FileProblemKind.Denied => new UnauthorizedAccessException(message),
            _ => new IOException(message),
        };
    }

    /// <summary>Why <paramref name="path"/> has no file signature (stat failed or it is not a regular file).</summary>
    public static FileProblem Describe(string path)
    {
        try
        {
            var attributes = File.GetAttributes(path);
            if ((attributes & FileAttributes.Directory) != 0)
                return new FileProblem(FileProblemKind.NotAFile, path, "it is a directory, not a file");
            if ((attributes & FileAttributes.ReparsePoint) != 0)
                return new FileProblem(FileProblemKind.Missing, path, "it is a symbolic link to a file that does not exist");
            // Present again a moment after stat failed (it was being replaced), or a FIFO, socket or device.
            return new FileProblem(FileProblemKind.NotAFile, path, "it is not a regular file, or was being replaced");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return new FileProblem(FileProblemKind.Missing, path, "the file does not exist (deleted or moved away?)");
        }
        catch (UnauthorizedAccessException)
        {
            return new FileProblem(FileProblemKind.Denied, path, "permission denied on a directory above it");
        }
        catch (IOException e)
        {
            return new FileProblem(FileProblemKind.Unreadable, path, $"it cannot be examined ({e.GetType().Name})");
        }
    }

    /// <summary>Why reading <paramref name="path"/> threw (the exceptions of opening and reading a file name only the path).</summary>
    public static FileProblem FromReadFailure(string path, Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => new FileProblem(FileProblemKind.Missing, path, "the file does not exist (deleted or moved away?)"),
        UnauthorizedAccessException => new FileProblem(FileProblemKind.Denied, path, "permission denied"),
        _ => new FileProblem(FileProblemKind.Unreadable, path, $"it cannot be read ({e.Message})"),
    };
}

internal enum FileProblemKind
{
    Missing,
    Denied,
    NotAFile,
    Unreadable,
}
