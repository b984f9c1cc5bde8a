using System.Reflection;

namespace AccessHooks.Host.Hooks;

/// <summary>
/// Turns a script method into a <see cref="HookFn{TResult}"/>. Reflection runs here, once per
/// generation; the delegates it returns call the method directly (CreateDelegate) and complete
/// synchronously without allocating Task machinery when the script's answer is already there.
/// </summary>
internal static class HookAdapters
{
    private const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Static;

    public enum Form
    {
        Value,
        Task,
        ValueTask,
    }

    /// <param name="valueType">T: the declared return type, or the T of Task&lt;T&gt;/ValueTask&lt;T&gt;.</param>
    /// <param name="converter">Func&lt;T, TResult&gt;.</param>
    public static HookFn<TResult> Create<TResult>(MethodInfo method, int stringArguments, bool withToken, Form form, Type valueType, Delegate converter)
    {
        var name = form switch
        {
            Form.Task => nameof(FromTask),
            Form.ValueTask => nameof(FromValueTask),
            _ => nameof(FromValue),
        };
        var adapter = typeof(HookAdapters).GetMethod(name, Private)!.MakeGenericMethod(valueType, typeof(TResult));
        try
        {
            return (HookFn<TResult>)adapter.Invoke(null, [method, stringArguments, withToken, converter])!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }

    private static HookFn<TResult> FromValue<T, TResult>(MethodInfo method, int stringArguments, bool withToken, Func<T, TResult> convert)
    {
        var raw = Raw<T>(method, stringArguments, withToken);
        return (request, a, b, token) => new ValueTask<TResult>(convert(raw(request, a, b, token)));
    }

    private static HookFn<TResult> FromTask<T, TResult>(MethodInfo method, int stringArguments, bool withToken, Func<T, TResult> convert)
    {
        var raw = Raw<Task<T>>(method, stringArguments, withToken);
        return (request, a, b, token) =>
        {
            var task = raw(request, a, b, token) ?? throw new InvalidHookResultException($"{method.Name} returned a null Task");
            return task.IsCompletedSuccessfully ? new ValueTask<TResult>(convert(task.Result)) : Await(task, convert);
        };
    }

    private static HookFn<TResult> FromValueTask<T, TResult>(MethodInfo method, int stringArguments, bool withToken, Func<T, TResult> convert)
    {
        var raw = Raw<ValueTask<T>>(method, stringArguments, withToken);
        return (request, a, b, token) =>
        {
            var task = raw(request, a, b, token);
            return task.IsCompletedSuccessfully ? new ValueTask<TResult>(convert(task.Result)) : Await(task.AsTask(), convert);
        };
    }

    private static async ValueTask<TResult> Await<T, TResult>(Task<T> task, Func<T, TResult> convert) =>
        convert(await task.ConfigureAwait(false));

    /// <summary>One invoker shape for the four parameter lists a script may declare.</summary>
    private static Func<HookRequest, string, string, CancellationToken, T> Raw<T>(MethodInfo method, int stringArguments, bool withToken)
    {
        switch (stringArguments, withToken)
        {
            case (2, true):
                return method.CreateDelegate<Func<HookRequest, string, string, CancellationToken, T>>();
            case (2, false):
                var two = method.CreateDelegate<Func<HookRequest, string, string, T>>();
                return (request, a, b, _) => two(request, a, b);
            case (1, true):
                var oneWithToken = method.CreateDelegate<Func<HookRequest, string, CancellationToken, T>>();
                return (request, a, _, token) => oneWithToken(request, a, token);
            default:
                var one = method.CreateDelegate<Func<HookRequest, string, T>>();
                return (request, a, _, _) => one(request, a);
        }
    }
}
