namespace AccessHooks.Host.Groups;

/// <summary>
/// A call's hold on its script's generation. Released in one place, the call path's
/// <c>finally</c>: at once, or, for a hook still running after its deadline, when that hook ends.
/// </summary>
internal readonly struct Lease(ScriptGeneration generation)
{
    public ScriptGeneration Generation { get; } = generation;
    public ScriptUnit Unit => Generation.Unit;

    /// <param name="stillRunning">A hook abandoned at its deadline; the generation stays alive until it ends.</param>
    public void Release(Task? stillRunning)
    {
        if (stillRunning is null || stillRunning.IsCompleted)
        {
            Generation.Release();
            return;
        }
        stillRunning.ContinueWith(static (finished, state) =>
        {
            _ = finished.Exception;
            ((ScriptGeneration)state!).Release();
        }, Generation, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
