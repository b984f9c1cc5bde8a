using System.Runtime.InteropServices;

namespace AccessHooks.Providers;

/// <summary>
/// What identifies one version of a file cheaply: device, inode, size, modification and change
/// times. A rename-replace changes the inode, an in-place rewrite the times or size, so comparing
/// two signatures is one syscall instead of reading the file.
/// </summary>
public readonly record struct FileSignature(ulong Device, ulong Inode, long Size, long ModifiedTicks, long ChangedTicks)
{
    /// <summary>The last modification time, UTC.</summary>
    public DateTime ModifiedUtc => new(ModifiedTicks, DateTimeKind.Utc);

    /// <summary>The signature of <paramref name="path"/>, or null when it does not exist or cannot be read.</summary>
    public static FileSignature? Read(string path)
    {
        if (OperatingSystem.IsLinux() && StatxAvailable)
        {
            try
            {
                return ReadStatx(path);
            }
            catch (EntryPointNotFoundException)
            {
                StatxAvailable = false;
            }
            catch (DllNotFoundException)
            {
                StatxAvailable = false;
            }
        }
        return ReadPortable(path);
    }

    private static bool StatxAvailable = true;

    // statx(2) has one layout on every architecture, unlike struct stat, so it is safe to read by offset.
    private static unsafe FileSignature? ReadStatx(string path)
    {
        const int AT_FDCWD = -100;
        const uint STATX_BASIC_STATS = 0x7ff;
        byte* buffer = stackalloc byte[256];
        if (statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, buffer) != 0)
            return null;
        var inode = *(ulong*)(buffer + 32);
        var size = *(long*)(buffer + 40);
        var changed = Ticks(buffer + 96);
        var modified = Ticks(buffer + 112);
        var device = ((ulong)*(uint*)(buffer + 136) << 32) | *(uint*)(buffer + 140);
        if ((*(ushort*)(buffer + 28) & 0xF000) != 0x8000)
            return null; // not a regular file (a directory, a FIFO): nothing to parse
        return new FileSignature(device, inode, size, modified, changed);
    }

    private static unsafe long Ticks(byte* timestamp)
    {
        var seconds = *(long*)timestamp;
        var nanoseconds = *(uint*)(timestamp + 8);
        return DateTime.UnixEpoch.Ticks + seconds * TimeSpan.TicksPerSecond + nanoseconds / 100;
    }

    private static FileSignature? ReadPortable(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
            return null;
        var modified = info.LastWriteTimeUtc.Ticks;
        return new FileSignature(0, 0, info.Length, modified, modified);
    }

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false)]
    private static extern unsafe int statx(int dirfd, string pathname, int flags, uint mask, byte* statxbuf);
}
