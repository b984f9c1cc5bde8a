using System.Text.RegularExpressions;
using AccessHooks.Host.Interop;

namespace AccessHooks.Host.Tests;

/// <summary>dotnet_errors.h, the host's ErrorCode and docs/error-reference.md list the same codes.</summary>
public sealed partial class ErrorCatalogueTests
{
    internal static string RepositoryRootForTests() => RepositoryRoot();

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AccessHooks.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException("AccessHooks.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^\s*X\((\d+),\s*([A-Z0-9_]+),", RegexOptions.Multiline)]
    private static partial Regex CatalogueEntry();

    private static SortedSet<int> NativeCodes()
    {
        var header = File.ReadAllText(Path.Combine(RepositoryRoot(), "src", "Hooks.Native", "dotnet_errors.h"));
        var codes = new SortedSet<int>();
        foreach (Match match in CatalogueEntry().Matches(header))
            Assert.True(codes.Add(int.Parse(match.Groups[1].Value)), "duplicate code " + match.Groups[1].Value);
        Assert.NotEmpty(codes);
        return codes;
    }

    [Fact]
    public void ErrorCodeEnumMirrorsTheHeader()
    {
        var managed = new SortedSet<int>(Enum.GetValues<ErrorCode>().Select(code => (int)code).Where(code => code != 0));
        Assert.Equal(NativeCodes(), managed);
    }

    [Fact]
    public void EveryCodeIsDocumented()
    {
        var reference = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "error-reference.md"));
        var missing = NativeCodes().Where(code => !reference.Contains($"DOTNET{code:D4}", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, "not in docs/error-reference.md: " + string.Join(", ", missing.Select(code => $"DOTNET{code:D4}")));
    }
}
