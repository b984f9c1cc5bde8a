using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using Microsoft.CodeAnalysis.Text;

namespace AccessHooks.Host.Compiler;

/// <summary>
/// Compiles one script. Called by the host through delegates created by reflection inside the
/// compiler's own load context, so its signatures use BCL types alone: no Roslyn type reaches
/// the host, which never loads Roslyn into its own context.
/// </summary>
public static class RoslynCompiler
{
    // Built on the first compile of a burst and shared by the rest; dropped when the host finds
    // the compiler idle (ReleaseReferences): the ~250 framework references are most of the
    // compiler's memory.
    private static ImmutableArray<MetadataReference> s_references;
    private static string[]? s_referencePaths;
    private static readonly object s_gate = new();

    private static readonly CSharpParseOptions s_parseOptions =
        new(LanguageVersion.Latest, DocumentationMode.None, SourceCodeKind.Regular);

    private static readonly CSharpCompilationOptions s_options = new(
        OutputKind.DynamicallyLinkedLibrary,
        optimizationLevel: OptimizationLevel.Release,
        nullableContextOptions: NullableContextOptions.Enable,
        concurrentBuild: true,
        deterministic: true);

    /// <param name="path">The script's path, for diagnostics and the embedded PDB.</param>
    /// <param name="text">The source with its <c>#r</c> lines blanked.</param>
    /// <param name="implicitUsings">Global usings, compiled as a tree of their own so script line numbers stay.</param>
    /// <param name="baseReferences">The framework and bundled assemblies every script sees (paths).</param>
    /// <param name="extraReferences">The script's <c>#r</c> files (paths).</param>
    /// <param name="assemblyName">The emitted assembly's name.</param>
    /// <returns>The image, or null and the errors formatted <c>file:line:col: error CSxxxx: message</c>.</returns>
    public static (byte[]? Image, string[] Errors) Compile(
        string path, string text, string implicitUsings, string[] baseReferences, string[] extraReferences, string assemblyName)
    {
        var references = BaseReferences(baseReferences);
        if (extraReferences.Length > 0)
        {
            var builder = references.ToBuilder();
            foreach (var reference in extraReferences)
            {
                if (!File.Exists(reference))
                    return (null, [$"{path}: error: #r reference '{reference}' not found"]);
                builder.Add(MetadataReference.CreateFromFile(reference));
            }
            references = builder.ToImmutable();
        }
        var usings = CSharpSyntaxTree.ParseText(SourceText.From(implicitUsings, Encoding.UTF8), s_parseOptions, path: "<implicit usings>");
        var tree = CSharpSyntaxTree.ParseText(SourceText.From(text, Encoding.UTF8), s_parseOptions, path);
        var compilation = CSharpCompilation.Create(assemblyName, [usings, tree], references, s_options);
        using var image = new MemoryStream();
        // An embedded PDB gives script stack traces file and line numbers in the error log.
        var result = compilation.Emit(image, options: new EmitOptions(debugInformationFormat: DebugInformationFormat.Embedded));
        if (result.Success)
            return (image.ToArray(), []);
        var errors = new List<string>();
        foreach (var diagnostic in result.Diagnostics)
        {
            if (diagnostic.Severity == DiagnosticSeverity.Error)
                errors.Add(Format(diagnostic));
        }
        return (null, errors.ToArray());
    }

    /// <summary>
    /// Drops the framework references (most of the compiler's memory: their metadata is copied
    /// into native memory, freed by finalizers once nothing holds them); the next compile reads
    /// them again.
    /// </summary>
    public static void ReleaseReferences()
    {
        lock (s_gate)
        {
            s_references = default;
            s_referencePaths = null;
        }
    }

    private static ImmutableArray<MetadataReference> BaseReferences(string[] paths)
    {
        lock (s_gate)
        {
            if (s_referencePaths is not null && s_referencePaths.AsSpan().SequenceEqual(paths))
                return s_references;
            var builder = ImmutableArray.CreateBuilder<MetadataReference>(paths.Length);
            foreach (var path in paths)
                builder.Add(MetadataReference.CreateFromFile(path));
            s_references = builder.ToImmutable();
            s_referencePaths = paths;
            return s_references;
        }
    }

    private static string Format(Diagnostic diagnostic)
    {
        var span = diagnostic.Location.GetMappedLineSpan();
        var file = string.IsNullOrEmpty(span.Path) ? "<script>" : span.Path;
        var start = span.StartLinePosition;
        return $"{file}:{start.Line + 1}:{start.Character + 1}: error {diagnostic.Id}: {diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
    }
}
