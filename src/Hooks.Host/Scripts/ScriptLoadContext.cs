using System.Reflection;
using System.Runtime.Loader;

namespace AccessHooks.Host.Scripts;

/// <summary>
/// One generation of one script: a collectible context holding only that script's assembly, so
/// reloading a script unloads it alone. What the script references comes from its group's
/// <see cref="GroupReferences"/>, or from the default context.
/// </summary>
internal sealed class ScriptLoadContext(string name, GroupReferences references) : AssemblyLoadContext(name, isCollectible: true)
{
    protected override Assembly? Load(AssemblyName assemblyName) => references.Resolve(assemblyName);
}
