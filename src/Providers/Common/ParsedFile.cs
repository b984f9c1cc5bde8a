namespace AccessHooks.Providers;

/// <summary>The result of parsing one version of a watched file.</summary>
/// <param name="Value">The immutable snapshot built from the file.</param>
/// <param name="LooksTruncated">
/// True when the file ends in the middle of a line that does not parse: what a reader sees while
/// a writer is still writing. A watched file never replaces a good snapshot with such a parse.
/// </param>
public sealed record ParsedFile<T>(T Value, bool LooksTruncated) where T : class;
