using Microsoft.Extensions.Logging;

namespace AccessHooks.Providers.GroupFile;

/// <summary>Lists a user's groups from an AuthGroupFile-format file, re-read when the file changes.</summary>
public sealed class GroupFileProvider : IGroupProvider
{
    private readonly WatchedFile<GroupTable> _file;

    /// <summary>A provider over the group file <paramref name="options"/> names.</summary>
    public GroupFileProvider(GroupFileOptions options, ILogger<GroupFileProvider> logger)
    {
        _file = new WatchedFile<GroupTable>(options, "group file", GroupTable.Parse, logger);
    }

    /// <summary>The group file.</summary>
    public string Path => _file.Path;

    /// <inheritdoc />
    public ValueTask<IReadOnlyCollection<string>> GroupsForUserAsync(HookRequest request, string user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        return ValueTask.FromResult(_file.Current.GroupsOf(user));
    }
}
