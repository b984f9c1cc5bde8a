namespace AccessHooks.Providers.Htpasswd;

/// <summary>
/// Options of <c>AddHtpasswd</c>: the file (<see cref="WatchedFileOptions.Path"/>) and how it is
/// watched for changes.
/// </summary>
public sealed class HtpasswdOptions : WatchedFileOptions
{
}
