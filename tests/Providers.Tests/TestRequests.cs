namespace AccessHooks.Providers.Tests;

internal static class TestRequests
{
    public static HookRequest Empty { get; } = new([]);
}
