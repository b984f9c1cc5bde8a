using AccessHooks.Host.Interop;

namespace AccessHooks.Host.Hooks;

/// <summary>
/// The thread a hook runs on, one per Apache worker thread that calls hooks. The worker hands the
/// call over and waits with the deadline, so whatever the hook does (a synchronous call to a hung
/// back end, a lock, an endless loop) the worker is free to answer 500 at DotNetHookTimeout. A
/// hook still running then keeps its thread, which is abandoned: it exits when the hook returns,
/// and the worker gets a new one for its next call.
/// </summary>
internal sealed class HookThread
{
    [ThreadStatic]
    private static HookThread? t_forWorker;

    private readonly WakeEvent _posted = new();
    private volatile int _tid;
    private int _cpu = -1;
    private HookJob? _job;

    private HookThread()
    {
        var thread = new Thread(Loop, maxStackSize: 1024 * 1024) { IsBackground = true, Name = "AccessHooks hook" };
        thread.UnsafeStart();
    }

    /// <summary>The calling worker's hook thread, started on its first call.</summary>
    public static HookThread ForCurrentWorker() => t_forWorker ??= new HookThread();

    public void Post(HookJob job)
    {
        // The hook thread follows its worker from CPU to CPU: the worker then sleeps and the
        // hook runs on the same core, a plain context switch, instead of waking an idle core
        // (tens of microseconds out of a deep C-state) and moving the request's data across.
        var cpu = LibC.SchedGetCpu();
        if (cpu != _cpu && _tid != 0 && LibC.PinToCpu(_tid, cpu))
            _cpu = cpu;
        Volatile.Write(ref _job, job);
        _posted.Set();
    }

    /// <summary>Whether the calling worker has handed a call over yet (tests: which hooks run inline).</summary>
    internal static bool CurrentWorkerHasOne => t_forWorker is not null;

    /// <summary>On the worker, after its job overran: the thread stays with the hook; the worker's next call gets a new one.</summary>
    public static void AbandonCurrent() => t_forWorker = null;

    private void Loop()
    {
        _tid = LibC.GetTid();
        while (true)
        {
            _posted.Wait(-1);
            var job = Interlocked.Exchange(ref _job, null);
            if (job is not null && !job.Execute())
                return; // abandoned: this thread belonged to a call that is over
        }
    }
}

/// <summary>One hook call handed to a <see cref="HookThread"/>.</summary>
internal abstract class HookJob
{
    private const int Running = 0, Returned = 1, Abandoned = 2;
    private readonly ExecutionContext? _context = ExecutionContext.Capture();
    private readonly WakeEvent _signal;
    private int _state;
    private TaskCompletionSource? _finished;

    protected HookJob(WakeEvent signal) => _signal = signal;

    public bool HasReturned => Volatile.Read(ref _state) == Returned;

    public Exception? Exception { get; protected set; }

    /// <summary>On the hook thread. False when the worker had already abandoned the call.</summary>
    public bool Execute()
    {
        if (_context is null)
            Invoke();
        else
            ExecutionContext.Run(_context, static job => ((HookJob)job!).Invoke(), this);
        if (Interlocked.CompareExchange(ref _state, Returned, Running) == Running)
        {
            _signal.Set();
            return true;
        }
        // Abandoned at the deadline: the generation is released when the hook is really done.
        var pending = PendingTask();
        if (pending is null || pending.IsCompleted)
            _finished!.TrySetResult();
        else
            pending.ContinueWith(static (_, state) => ((TaskCompletionSource)state!).TrySetResult(), _finished, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        StuckCalls.Remove(this);
        return false;
    }

    /// <summary>
    /// On the worker at the deadline: false when the hook returned just now (use its answer);
    /// else the call is the hook thread's alone, and <paramref name="finished"/> completes when it ends.
    /// </summary>
    public bool TryAbandon(out Task finished)
    {
        var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _finished = source; // published by the CAS below
        finished = source.Task;
        return Interlocked.CompareExchange(ref _state, Abandoned, Running) == Running;
    }

    protected abstract void Invoke();

    /// <summary>The hook's pending task when it went asynchronous, else null.</summary>
    protected abstract Task? PendingTask();
}

internal sealed class HookJob<TResult>(HookFn<TResult> fn, HookRequest request, string arg1, string arg2, CancellationToken token, WakeEvent signal)
    : HookJob(signal)
{
    public ValueTask<TResult> Pending { get; private set; }

    protected override void Invoke()
    {
        try
        {
            Pending = fn(request, arg1, arg2, token);
        }
        catch (Exception e)
        {
            Exception = e;
        }
    }

    protected override Task? PendingTask() => Exception is null && !Pending.IsCompleted ? Pending.AsTask() : null;
}
