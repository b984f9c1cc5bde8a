using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using Microsoft.CodeAnalysis.Text;

namespace AccessHooks.Host.Scripts;

/// <summary>The outcome of a compile: an image, or the error diagnostics formatted file:line:col.</summary>
internal sealed record CompileOutput(byte[]? Image, IReadOnlyList<string> Errors);

/// <summary>
/// The only place that touches Roslyn. Its public surface uses BCL types alone and it is reached
/// only through a NoInlining call on a cache miss, so a child that serves cached scripts never
/// loads Microsoft.CodeAnalysis.
/// </summary>
internal static class ScriptCompiler
{
    private static int s_compileCount;

    /// <summary>How many compiles this process ran (tests check a cache hit does none).</summary>
    public static int CompileCount => Volatile.Read(ref s_compileCount);

    // The usings internals.md promises, as global usings in a tree of their own so that line
    // numbers in the script stay the script's.
    private const string ImplicitUsings =
        "global using System;\n" +
        "global using System.IO;\n" +
        "global using System.Linq;\n" +
        "global using System.Collections.Generic;\n" +
        "global using System.Threading;\n" +
        "global using System.Threading.Tasks;\n" +
        "global using AccessHooks;\n" +
        "global using Microsoft.Extensions.DependencyInjection;\n";

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static CompileOutput Compile(ScriptSource source, string assemblyName)
    {
        Interlocked.Increment(ref s_compileCount);
        return Roslyn.Compile(source, assemblyName);
    }

    /// <summary>Holds the Roslyn-typed statics, so loading ScriptCompiler itself loads no Roslyn type.</summary>
    private static class Roslyn
    {
        private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(LoadReferences);

        private static readonly CSharpParseOptions s_parseOptions =
            new(LanguageVersion.Latest, DocumentationMode.None, SourceCodeKind.Regular);

        private static readonly SyntaxTree s_usings =
            CSharpSyntaxTree.ParseText(SourceText.From(ImplicitUsings, Encoding.UTF8), s_parseOptions, path: "<implicit usings>");

        private static readonly CSharpCompilationOptions s_options = new(
            OutputKind.DynamicallyLinkedLibrary,
            optimizationLevel: OptimizationLevel.Release,
            nullableContextOptions: NullableContextOptions.Enable,
            concurrentBuild: true,
            deterministic: true);

        public static CompileOutput Compile(ScriptSource source, string assemblyName)
        {
            var text = SourceText.From(BlankReferenceLines(source), Encoding.UTF8);
            var tree = CSharpSyntaxTree.ParseText(text, s_parseOptions, source.Path);
            var references = s_references.Value;
            if (source.References.Length > 0)
            {
                var builder = references.ToBuilder();
                foreach (var path in source.References)
                {
                    if (!File.Exists(path))
                        return new CompileOutput(null, [$"{source.Path}: error: #r reference '{path}' not found"]);
                    builder.Add(MetadataReference.CreateFromFile(path));
                }
                references = builder.ToImmutable();
            }
            var compilation = CSharpCompilation.Create(assemblyName, [s_usings, tree], references, s_options);
            using var image = new MemoryStream();
            // An embedded PDB gives script stack traces file and line numbers in the error log.
            var result = compilation.Emit(image, options: new EmitOptions(debugInformationFormat: DebugInformationFormat.Embedded));
            if (result.Success)
                return new CompileOutput(image.ToArray(), []);
            var errors = new List<string>();
            foreach (var diagnostic in result.Diagnostics)
            {
                if (diagnostic.Severity == DiagnosticSeverity.Error)
                    errors.Add(Format(diagnostic));
            }
            return new CompileOutput(null, errors);
        }

        /// <summary><c>file:line:col: error CSxxxx: message</c>, 1-based, as compilers print for editors.</summary>
        private static string Format(Diagnostic diagnostic)
        {
            var span = diagnostic.Location.GetMappedLineSpan();
            var file = string.IsNullOrEmpty(span.Path) ? "<script>" : span.Path;
            var start = span.StartLinePosition;
            return $"{file}:{start.Line + 1}:{start.Character + 1}: error {diagnostic.Id}: {diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
        }

        /// <summary><c>#r</c> is not C# outside scripting mode; its lines become blank so positions stay.</summary>
        private static string BlankReferenceLines(ScriptSource source)
        {
            if (source.ReferenceLines.Length == 0)
                return source.Text;
            var lines = source.Text.Split('\n');
            foreach (var line in source.ReferenceLines)
                lines[line] = lines[line].EndsWith('\r') ? "\r" : string.Empty;
            return string.Join('\n', lines);
        }

        private static ImmutableArray<MetadataReference> LoadReferences()
        {
            var builder = ImmutableArray.CreateBuilder<MetadataReference>();
            foreach (var path in ScriptReferences.All())
            {
                if (IsManagedAssembly(path))
                    builder.Add(MetadataReference.CreateFromFile(path));
            }
            return builder.ToImmutable();
        }

        private static bool IsManagedAssembly(string path)
        {
            try
            {
                using var stream = File.OpenRead(path);
                using var reader = new System.Reflection.PortableExecutable.PEReader(stream);
                return reader.HasMetadata;
            }
            catch (Exception e) when (e is IOException or BadImageFormatException or UnauthorizedAccessException)
            {
                return false;
            }
        }
    }
}
