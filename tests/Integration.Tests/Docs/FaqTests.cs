using System.Text.RegularExpressions;
using AccessHooks.Integration.Tests.Infrastructure;

namespace AccessHooks.Integration.Tests.Docs;

/// <summary>
/// docs/faq.md answers each question with the test that shows the answer true. This fails when a
/// test class it names, or a test method it names in parentheses after its class, no longer
/// exists, so the FAQ cannot go on citing evidence that was deleted or renamed.
/// </summary>
public sealed class FaqTests
{
    private static readonly Regex Citation = new(@"`(?<class>[A-Z][A-Za-z0-9]*Tests)`(?:\s*\((?<methods>[^)]*)\))?");
    private static readonly Regex Method = new(@"`(?<name>[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+)`");

    [Fact]
    public void Every_test_the_faq_names_exists()
    {
        var faq = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "faq.md"));
        var sources = Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "tests"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") &&
                        !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Select(File.ReadAllText)
            .ToList();
        var citations = Citation.Matches(faq);
        Assert.True(citations.Count >= 20, $"the FAQ names only {citations.Count} tests");
        var missing = new List<string>();
        foreach (Match citation in citations)
        {
            var name = citation.Groups["class"].Value;
            var declaring = sources.Where(s => Regex.IsMatch(s, $@"\bclass {name}\b")).ToList();
            if (declaring.Count == 0)
            {
                missing.Add(name);
                continue;
            }
            foreach (Match method in Method.Matches(citation.Groups["methods"].Value))
            {
                var methodName = method.Groups["name"].Value;
                if (!declaring.Any(s => Regex.IsMatch(s, $@"\b{methodName}\s*\(")))
                    missing.Add($"{name}.{methodName}");
            }
        }
        Assert.True(missing.Count == 0, "docs/faq.md names tests that do not exist: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_answer_names_its_evidence()
    {
        var faq = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "faq.md"));
        var unanswered = faq.Split("\n\n")
            .Where(block => block.StartsWith("**Q:", StringComparison.Ordinal))
            .Where(block => !Citation.IsMatch(block) && !block.Contains("make bench", StringComparison.Ordinal))
            .Select(block => block.Split('\n')[0])
            .ToList();
        Assert.True(unanswered.Count == 0, "FAQ answers that name no test: " + string.Join(" | ", unanswered));
    }
}
