using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using AccessHooks.Host.Interop;

namespace AccessHooks.Host.Tests;

/// <summary>
/// Bridge.cs mirrors src/Hooks.Native/dotnet_bridge.h field by field: the same fields, in the same
/// order, at the same offsets (computed here from the C declarations with the x86_64/aarch64
/// LP64 rules), and the same constants. A field added on one side only fails here, not in Apache.
/// </summary>
public sealed partial class BridgeLayoutTests
{
    private static readonly Dictionary<string, Type> Mirrors = new()
    {
        ["ah_host_config"] = typeof(HostConfig),
        ["ah_kv"] = typeof(KeyValue),
        ["ah_hook_call"] = typeof(HookCall),
        ["ah_hook_result"] = typeof(HookResult),
        ["ah_host_exports"] = typeof(HostExports),
        ["ah_app_io"] = typeof(AppIoFunctions),
        ["ah_app_call"] = typeof(AppCall),
    };

    [GeneratedRegex(@"typedef struct (\w+) \{(.*?)\} \1;", RegexOptions.Singleline)]
    private static partial Regex StructDeclaration();

    [GeneratedRegex(@"/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex Comment();

    [GeneratedRegex(@"#define (AH_\w+)\s+\(?(-?\d+)\)?")]
    private static partial Regex Constant();

    private static string Header() =>
        File.ReadAllText(Path.Combine(ErrorCatalogueTests.RepositoryRootForTests(), "src", "Hooks.Native", "dotnet_bridge.h"));

    /// <summary>(name, size) of each C field in order; every field is an int32_t or pointer-sized.</summary>
    private static List<(string Name, int Size)> CFields(string body)
    {
        var fields = new List<(string, int)>();
        foreach (var raw in Comment().Replace(body, " ").Split(';'))
        {
            var declaration = Regex.Replace(raw, @"\s+", " ").Trim();
            if (declaration.Length == 0)
                continue;
            var functionPointer = Regex.Match(declaration, @"\(\*(\w+)\)");
            if (functionPointer.Success)
            {
                fields.Add((functionPointer.Groups[1].Value, 8));
                continue;
            }
            var name = Regex.Match(declaration, @"(\w+)$").Groups[1].Value;
            var isPointer = declaration.Contains('*') || Regex.IsMatch(declaration, @"^ah_\w+_fn ");
            Assert.True(isPointer || declaration.StartsWith("int32_t ", StringComparison.Ordinal), "unexpected C field type: " + declaration);
            fields.Add((name, isPointer ? 8 : 4));
        }
        return fields;
    }

    private static string Normalise(string name) => name.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();

    [Fact]
    public void EveryStructOfTheHeaderHasAMirrorWithTheSameFieldsAndOffsets()
    {
        var seen = new HashSet<string>();
        foreach (Match declaration in StructDeclaration().Matches(Header()))
        {
            var cName = declaration.Groups[1].Value;
            Assert.True(Mirrors.TryGetValue(cName, out var mirror), $"{cName} has no mirror in Bridge.cs");
            seen.Add(cName);
            var cFields = CFields(declaration.Groups[2].Value);
            var managed = mirror!.GetFields(BindingFlags.Public | BindingFlags.Instance).OrderBy(f => (long)Marshal.OffsetOf(mirror, f.Name)).ToList();
            Assert.Equal(cFields.Select(f => Normalise(f.Name)), managed.Select(f => Normalise(f.Name)));
            var offset = 0;
            for (var i = 0; i < cFields.Count; i++)
            {
                offset = (offset + cFields[i].Size - 1) / cFields[i].Size * cFields[i].Size;
                Assert.True(offset == (int)Marshal.OffsetOf(mirror, managed[i].Name), $"{cName}.{cFields[i].Name}: C offset {offset}, managed {Marshal.OffsetOf(mirror, managed[i].Name)}");
                offset += cFields[i].Size;
            }
            var cSize = (offset + 7) / 8 * 8;
            Assert.True(cSize == Marshal.SizeOf(mirror), $"{cName}: C size {cSize}, managed {Marshal.SizeOf(mirror)}");
        }
        Assert.Equal(Mirrors.Keys.Order(), seen.Order());
    }

    [Fact]
    public void ConstantsAgree()
    {
        var constants = Constant().Matches(Header()).ToDictionary(m => m.Groups[1].Value, m => int.Parse(m.Groups[2].Value));
        Assert.Equal(Bridge.AbiVersion, constants["AH_ABI_VERSION"]);
        Assert.Equal(Bridge.CallOk, constants["AH_CALL_OK"]);
        Assert.Equal(Bridge.CallError, constants["AH_CALL_ERROR"]);
        Assert.Equal(Bridge.AccessDeny, constants["AH_ACCESS_DENY"]);
        Assert.Equal(Bridge.AccessAllow, constants["AH_ACCESS_ALLOW"]);
        Assert.Equal(Bridge.AccessDecline, constants["AH_ACCESS_DECLINE"]);
        Assert.Equal(Bridge.GroupNoMatch, constants["AH_GROUP_NO_MATCH"]);
        Assert.Equal((int)AuthOutcome.Granted, constants["AH_AUTH_GRANTED"]);
        Assert.Equal((int)AuthOutcome.Denied, constants["AH_AUTH_DENIED"]);
        Assert.Equal((int)AuthOutcome.NotFound, constants["AH_AUTH_NOT_FOUND"]);
        Assert.Equal((int)ApacheLevel.Error, constants["AH_LOG_ERR"]);
        Assert.Equal((int)ApacheLevel.Trace1, constants["AH_LOG_TRACE1"]);
        Assert.Equal(Status.StatusForms.Html, constants["AH_STATUS_HTML"]);
        Assert.Equal(Status.StatusForms.Json, constants["AH_STATUS_JSON"]);
        Assert.Equal(Status.StatusForms.Auto, constants["AH_STATUS_AUTO"]);
    }
}
