namespace AccessHooks.Host.Scripts;

/// <summary>The DOTNET0222 message: which references clash, and the three ways out.</summary>
internal static class ReferenceConflicts
{
    public static string Message(string what, string group, IEnumerable<string> conflicts) =>
        $"{what} references assemblies that application group '{group}' already has from other files: " +
        string.Join("; ", conflicts) +
        ". Put the scripts in different application groups, reference the same file, or restart Apache gracefully after replacing a referenced assembly.";
}
