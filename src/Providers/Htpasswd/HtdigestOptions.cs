namespace AccessHooks.Providers.Htpasswd;

/// <summary>Options of <c>AddHtdigest</c>: the htdigest file and how it is watched for changes.</summary>
public sealed class HtdigestOptions : WatchedFileOptions
{
}
