namespace AccessHooks.Providers.GroupFile;

/// <summary>Options of <c>AddGroupFile</c>: the AuthGroupFile-format file and how it is watched for changes.</summary>
public sealed class GroupFileOptions : WatchedFileOptions
{
}
