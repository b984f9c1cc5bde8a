using System.Reflection;
using AccessHooks.Host.Interop;

namespace AccessHooks.Host.Hooks;

/// <summary>The hooks one script assembly provides, bound once per generation.</summary>
internal sealed class ScriptHooks
{
    public required HookSlot<AuthResult>? CheckPassword { get; init; }
    public required HookSlot<string?>? GetRealmHash { get; init; }
    public required HookSlot<IEnumerable<string>?>? GroupsForUser { get; init; }
    public required HookSlot<bool?>? AllowAccess { get; init; }
    /// <summary>ConfigureServices(IServiceCollection), validated; null when absent.</summary>
    public required MethodInfo? ConfigureServices { get; init; }
    /// <summary>Set when ConfigureServices exists with a wrong signature: the script fails to load.</summary>
    public required string? ConfigureServicesError { get; init; }
}

/// <summary>
/// Finds hooks by name among the public static methods of public static classes and validates
/// their signatures. A slot is null when the script has no such method; a method with a wrong
/// signature becomes a failed slot (DOTNET0204 when that phase is called) whose message names
/// the method and the signatures that would work.
/// </summary>
internal static class HookBinder
{
    public static ScriptHooks Bind(Assembly assembly, string scriptPath)
    {
        var candidates = new Dictionary<string, List<MethodInfo>>(StringComparer.Ordinal);
        foreach (var type in assembly.GetExportedTypes())
        {
            if (!(type.IsAbstract && type.IsSealed) || type.IsGenericTypeDefinition)
                continue;
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                if (!candidates.TryGetValue(method.Name, out var list))
                    candidates[method.Name] = list = [];
                list.Add(method);
            }
        }

        var configure = BindConfigureServices(candidates, scriptPath, out var configureError);
        return new ScriptHooks
        {
            CheckPassword = BindPhase(AuthnPhase.CheckPasswordPhase, candidates, scriptPath),
            GetRealmHash = BindPhase(AuthnPhase.GetRealmHashPhase, candidates, scriptPath),
            GroupsForUser = BindPhase(AuthzPhase.GroupsForUserPhase, candidates, scriptPath),
            AllowAccess = BindPhase(AccessPhase.AllowAccessPhase, candidates, scriptPath),
            ConfigureServices = configure,
            ConfigureServicesError = configureError,
        };
    }

    private static HookSlot<TResult>? BindPhase<TResult>(Phase<TResult> phase, Dictionary<string, List<MethodInfo>> candidates, string scriptPath)
    {
        if (!candidates.TryGetValue(phase.Name, out var methods))
            return null;
        HookSlot<TResult>? bound = null;
        MethodInfo? first = null;
        string? rejection = null;
        foreach (var method in methods)
        {
            var slot = TryBind(phase, method, scriptPath, out var why);
            if (slot is null)
            {
                rejection ??= $"{Describe(method)}: {why}";
                continue;
            }
            if (bound is not null)
            {
                return HookSlot<TResult>.Failed(ErrorCode.ScriptLoadError,
                    $"script '{scriptPath}' defines {phase.Name} more than once ({Describe(first!)} and {Describe(method)}); keep one");
            }
            bound = slot;
            first = method;
        }
        return bound ?? HookSlot<TResult>.Failed(ErrorCode.WrongReturnType,
            $"{phase.Name} in script '{scriptPath}' has an unsupported signature: {rejection}; expected {phase.Expected}");
    }

    private static HookSlot<TResult>? TryBind<TResult>(Phase<TResult> phase, MethodInfo method, string scriptPath, out string why)
    {
        if (method.IsGenericMethodDefinition)
        {
            why = "it is generic";
            return null;
        }
        var parameters = method.GetParameters();
        var withToken = parameters.Length == phase.StringArguments + 2 && parameters[^1].ParameterType == typeof(CancellationToken);
        var expectedCount = phase.StringArguments + 1 + (withToken ? 1 : 0);
        if (parameters.Length != expectedCount || parameters[0].ParameterType != typeof(HookRequest))
        {
            why = "wrong parameters";
            return null;
        }
        for (var i = 1; i <= phase.StringArguments; i++)
        {
            if (parameters[i].ParameterType != typeof(string))
            {
                why = "wrong parameters";
                return null;
            }
        }

        var returnType = method.ReturnType;
        var form = HookAdapters.Form.Value;
        var valueType = returnType;
        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            form = HookAdapters.Form.Task;
            valueType = returnType.GetGenericArguments()[0];
        }
        else if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            form = HookAdapters.Form.ValueTask;
            valueType = returnType.GetGenericArguments()[0];
        }
        var converter = phase.Converter(valueType);
        if (converter is null)
        {
            why = $"wrong return type {TypeName(returnType)}";
            return null;
        }
        why = string.Empty;
        var fn = HookAdapters.Create<TResult>(method, phase.StringArguments, withToken, form, valueType, converter);
        return HookSlot<TResult>.Bound(fn, $"{method.DeclaringType!.Name}.{method.Name} in '{scriptPath}'");
    }

    private static MethodInfo? BindConfigureServices(Dictionary<string, List<MethodInfo>> candidates, string scriptPath, out string? error)
    {
        error = null;
        if (!candidates.TryGetValue("ConfigureServices", out var methods))
            return null;
        foreach (var method in methods)
        {
            var parameters = method.GetParameters();
            if (!method.IsGenericMethodDefinition && method.ReturnType == typeof(void) && parameters.Length == 1 &&
                parameters[0].ParameterType == typeof(Microsoft.Extensions.DependencyInjection.IServiceCollection))
                return method;
        }
        error = $"ConfigureServices in script '{scriptPath}' has an unsupported signature ({Describe(methods[0])}); expected void ConfigureServices(IServiceCollection services)";
        return null;
    }

    private static string Describe(MethodInfo method)
    {
        var parameters = method.GetParameters();
        var names = new string[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
            names[i] = TypeName(parameters[i].ParameterType);
        return $"{TypeName(method.ReturnType)} {method.DeclaringType?.Name}.{method.Name}({string.Join(", ", names)})";
    }

    private static string TypeName(Type type)
    {
        if (Nullable.GetUnderlyingType(type) is { } underlying)
            return TypeName(underlying) + "?";
        if (!type.IsGenericType)
            return type.Name;
        var name = type.Name;
        var tick = name.IndexOf('`');
        var arguments = type.GetGenericArguments();
        var parts = new string[arguments.Length];
        for (var i = 0; i < arguments.Length; i++)
            parts[i] = TypeName(arguments[i]);
        return $"{(tick < 0 ? name : name[..tick])}<{string.Join(", ", parts)}>";
    }
}
