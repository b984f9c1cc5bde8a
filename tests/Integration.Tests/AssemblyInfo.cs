using System.Runtime.Versioning;

// The integration tests drive Debian's Apache on Linux only.
[assembly: SupportedOSPlatform("linux")]
