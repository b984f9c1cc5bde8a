using AccessHooks.Host.Interop;

namespace AccessHooks.Host.Hooks;

/// <summary>
/// The one shape every hook is adapted to, once per generation: two string arguments (the
/// second is unused by the one-argument phases) and a ValueTask, so the call path has one code
/// path per phase whatever form the script chose.
/// </summary>
internal delegate ValueTask<TResult> HookFn<TResult>(HookRequest request, string arg1, string arg2, CancellationToken cancellationToken);

/// <summary>What a script offers for one phase: a bound function, or the error to report when called.</summary>
internal sealed class HookSlot<TResult>
{
    private HookSlot(HookFn<TResult>? fn, ErrorCode error, string? message, string? source, bool runsInline = false, bool readsRequest = true)
    {
        Fn = fn;
        RunsInline = runsInline;
        ReadsRequest = readsRequest;
        Error = error;
        Message = message;
        Source = source;
    }

    public HookFn<TResult>? Fn { get; }
    public ErrorCode Error { get; }
    public string? Message { get; }
    /// <summary>"Class.Method in /path/script.cs" or "IPasswordChecker service": for log lines.</summary>
    public string? Source { get; }
    /// <summary>
    /// The hook is one of the bundled providers that answer from memory and go asynchronous for
    /// anything slow (<see cref="Groups.InlineProviders"/>): it runs on the worker itself, and the
    /// deadline covers its asynchronous part, with no hand-over to a hook thread.
    /// </summary>
    public bool RunsInline { get; }
    /// <summary>
    /// False for the bundled providers, which answer from the user name and password alone: the
    /// call path then hands them an empty request instead of building the request view from
    /// Apache's variables (the largest managed cost of a call, and most of what it allocates).
    /// </summary>
    public bool ReadsRequest { get; }

    public static HookSlot<TResult> Bound(HookFn<TResult> fn, string source, bool runsInline = false, bool readsRequest = true) =>
        new(fn, ErrorCode.None, null, source, runsInline, readsRequest);

    public static HookSlot<TResult> Failed(ErrorCode error, string message) => new(null, error, message, null);
}

/// <summary>Thrown by adapters when a script's value has the right type but is not acceptable (DOTNET0210).</summary>
internal sealed class InvalidHookResultException(string message) : Exception(message);
