using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using AccessHooks.Host.Hooks;
using AccessHooks.Host.Interop;

namespace AccessHooks.Host.Gateway;

/// <summary>
/// The I/O of one application request through the module's ah_app_io. Apache's API may only be
/// called on the request's worker thread while handle_request is in flight (DESIGN: hosting
/// rules), so an operation started on the worker runs at once, and one started on another
/// thread (an app's continuation on the thread pool) is queued for the worker, which runs the
/// queue while it waits for the request to finish. Once the call is over every operation fails.
/// </summary>
internal sealed unsafe class AppIo
{
    private readonly AppIoFunctions* _io;
    private readonly int _worker;
    private readonly WakeEvent _wake;
    private readonly ConcurrentQueue<Operation> _queue = new();
    private volatile bool _ended;

    public AppIo(AppIoFunctions* io)
    {
        _io = io;
        _worker = Environment.CurrentManagedThreadId;
        _wake = WakeEvent.ForCurrentThread();
    }

    /// <summary>The worker's wake-up: set by queued operations and by the request's completion.</summary>
    public WakeEvent Wake => _wake;

    private bool OnWorker => Environment.CurrentManagedThreadId == _worker && !_ended;

    /// <summary>Runs <paramref name="operation"/> on the worker: now if this is the worker, else queued.</summary>
    public ValueTask<T> Run<T>(Func<AppIo, object?, T> operation, object? state)
    {
        if (OnWorker)
            return ValueTask.FromResult(operation(this, state));
        if (_ended)
            return ValueTask.FromException<T>(new ObjectDisposedException("request", "the request is over; its I/O can no longer be done"));
        var queued = new Operation<T>(operation, state);
        _queue.Enqueue(queued);
        _wake.Set();
        if (_ended && queued.TryCancel())
            return ValueTask.FromException<T>(new ObjectDisposedException("request", "the request is over; its I/O can no longer be done"));
        return new ValueTask<T>(queued.Task);
    }

    /// <summary>On the worker: runs what other threads queued.</summary>
    public void Pump()
    {
        while (_queue.TryDequeue(out var operation))
            operation.Execute(this);
    }

    /// <summary>On the worker, when handle_request returns: nothing may reach Apache any more.</summary>
    public void End()
    {
        _ended = true;
        while (_queue.TryDequeue(out var operation))
            operation.TryCancel();
    }

    // The native calls: worker only (the callers above guarantee it).

    /// <summary>Bytes read, 0 at the end; -1 with the HTTP status the failure means (0: client gone).</summary>
    public long Read(Span<byte> buffer, out int status)
    {
        int s;
        long n;
        fixed (byte* p = buffer)
            n = _io->Read(_io->Ctx, p, buffer.Length, &s);
        status = s;
        return n;
    }

    public bool Write(ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
            return _io->Write(_io->Ctx, p, data.Length) == 0;
    }

    public bool Flush() => _io->Flush(_io->Ctx) == 0;

    public bool SendHeaders(int status, string? reason, List<KeyValuePair<string, string>> headers)
    {
        // One block for every string: UTF-8, NUL-terminated, on the stack when small (most
        // responses), else malloc'd; freed after the call (the module copies what it keeps into
        // the request pool).
        const int StackBytes = 2048, StackPairs = 32;
        var size = Encoding.UTF8.GetByteCount(reason ?? string.Empty) + 1;
        foreach (var (name, value) in headers)
            size += Encoding.UTF8.GetByteCount(name) + Encoding.UTF8.GetByteCount(value) + 2;
        var onStack = size <= StackBytes && headers.Count <= StackPairs;
        var stackBlock = stackalloc byte[onStack ? size : 0];
        var stackPairs = stackalloc KeyValue[onStack ? Math.Max(1, headers.Count) : 0];
        var block = onStack ? stackBlock : (byte*)NativeMemory.Alloc((nuint)size);
        var pairs = onStack ? stackPairs : (KeyValue*)NativeMemory.Alloc((nuint)(Math.Max(1, headers.Count) * sizeof(KeyValue)));
        try
        {
            var at = block;
            byte* Put(string text)
            {
                var start = at;
                var n = Encoding.UTF8.GetBytes(text, new Span<byte>(at, size - (int)(at - block)));
                at[n] = 0;
                at += n + 1;
                return start;
            }
            var reasonBytes = Put(reason ?? string.Empty);
            for (var i = 0; i < headers.Count; i++)
            {
                pairs[i].Name = Put(headers[i].Key);
                pairs[i].Value = Put(headers[i].Value);
            }
            return _io->SendHeaders(_io->Ctx, status, reasonBytes, pairs, headers.Count) == 0;
        }
        finally
        {
            if (!onStack)
            {
                NativeMemory.Free(pairs);
                NativeMemory.Free(block);
            }
        }
    }

    private abstract class Operation
    {
        public abstract void Execute(AppIo io);
        public abstract bool TryCancel();
    }

    private sealed class Operation<T>(Func<AppIo, object?, T> operation, object? state) : Operation
    {
        // Continuations run where the app awaits them (the thread pool), not on the worker.
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<T> Task => _done.Task;

        public override void Execute(AppIo io)
        {
            try
            {
                _done.TrySetResult(operation(io, state));
            }
            catch (Exception e)
            {
                _done.TrySetException(e);
            }
        }

        public override bool TryCancel() =>
            _done.TrySetException(new ObjectDisposedException("request", "the request is over; its I/O can no longer be done"));
    }
}
