using System.Runtime.InteropServices;

namespace AccessHooks.Host.Interop;

/// <summary>
/// Every import from the C library, in one place. Linux only (the module is); struct stat is
/// read at the offsets of the two architectures the build supports.
/// </summary>
internal static unsafe partial class LibC
{
    private const string Library = "libc";

    public const int ENOENT = 2;
    public const int ELOOP = 40;
    private const int O_RDONLY = 0;
    private const int O_NOFOLLOW = 0x20000; // same value on x86_64 and aarch64 Linux
    private const int O_CLOEXEC = 0x80000;
    private const uint S_IFMT = 0xF000;
    private const uint S_IFREG = 0x8000;

    /// <summary>glibc's malloc_trim: hands free pages of every arena back to the system.</summary>
    [LibraryImport("libc.so.6", EntryPoint = "malloc_trim")]
    public static partial int MallocTrim(nuint pad);

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport(Library, EntryPoint = "fstat", SetLastError = true)]
    private static partial int FStat(SafeHandle fd, byte* buffer);

    [LibraryImport(Library, EntryPoint = "geteuid")]
    private static partial uint GetEUid();

    public static uint EffectiveUserId { get; } = GetEUid();

    private const int FUTEX_WAIT_PRIVATE = 128;
    private const int FUTEX_WAKE_PRIVATE = 129;
    private static readonly nint SysFutex = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 202 : 98;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport(Library, EntryPoint = "syscall")]
    private static partial nint Syscall(nint number, int* address, int op, int value, TimeSpec* timeout, nint address2, int value3);

    [LibraryImport(Library, EntryPoint = "syscall")]
    [SuppressGCTransition]
    private static partial nint SyscallFast(nint number, int* address, int op, int value, TimeSpec* timeout, nint address2, int value3);

    /// <summary>Blocks while *address == expected, at most timeoutMs (negative: no limit), or until woken.</summary>
    public static void FutexWait(int* address, int expected, long timeoutMs)
    {
        if (timeoutMs < 0)
        {
            Syscall(SysFutex, address, FUTEX_WAIT_PRIVATE, expected, null, 0, 0);
            return;
        }
        var timeout = new TimeSpec { Seconds = timeoutMs / 1000, Nanoseconds = timeoutMs % 1000 * 1_000_000 };
        Syscall(SysFutex, address, FUTEX_WAIT_PRIVATE, expected, &timeout, 0, 0);
    }

    [LibraryImport(Library, EntryPoint = "sched_getcpu")]
    [SuppressGCTransition]
    public static partial int SchedGetCpu();

    [LibraryImport(Library, EntryPoint = "gettid")]
    public static partial int GetTid();

    [LibraryImport(Library, EntryPoint = "sched_setaffinity")]
    private static partial int SchedSetAffinity(int tid, nuint size, ulong* mask);

    /// <summary>Restricts thread tid to one CPU (CPUs 0-1023); false when the kernel refused.</summary>
    public static bool PinToCpu(int tid, int cpu)
    {
        if (cpu < 0 || cpu >= 1024)
            return false;
        var mask = stackalloc ulong[16];
        new Span<ulong>(mask, 16).Clear();
        mask[cpu / 64] = 1UL << (cpu % 64);
        return SchedSetAffinity(tid, 16 * sizeof(ulong), mask) == 0;
    }

    /// <summary>Wakes one waiter on address. Never blocks, so without a GC transition.</summary>
    public static void FutexWake(int* address) => SyscallFast(SysFutex, address, FUTEX_WAKE_PRIVATE, 1, null, 0, 0);

    /// <summary>open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC): -1 with errno ELOOP for a symbolic link.</summary>
    public static nint OpenNoFollow(string path) => Open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

    /// <summary>st_uid and whether it is a regular file, from fstat on an open file.</summary>
    public static bool TryOwnerAndType(SafeHandle fd, out uint owner, out bool regular)
    {
        var buffer = stackalloc byte[256]; // struct stat is 128 (aarch64) or 144 (x86_64) bytes
        owner = 0;
        regular = false;
        if (FStat(fd, buffer) != 0)
            return false;
        var (modeOffset, uidOffset) = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? (24, 28) : (16, 24);
        var mode = *(uint*)(buffer + modeOffset);
        owner = *(uint*)(buffer + uidOffset);
        regular = (mode & S_IFMT) == S_IFREG;
        return true;
    }
}
