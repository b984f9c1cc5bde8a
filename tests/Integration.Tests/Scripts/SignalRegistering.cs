// A hook that registers .NET's own handling of the signals Apache controls its children with
// (what an app's host or a library may do): the module must put Apache's handlers back. It does
// so on its third call in a process, when the module's guard no longer asks the kernel after
// each call and relies on counting the runtime's installs.
using System.Runtime.InteropServices;

public static class Auth
{
    private static readonly object Gate = new();
    private static List<PosixSignalRegistration>? registrations;
    private static int calls;

    public static bool CheckPassword(HookRequest request, string user, string password)
    {
        lock (Gate)
        {
            if (++calls >= 3)
                registrations ??= new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT, PosixSignal.SIGHUP,
                                      (PosixSignal)10 /* SIGUSR1 */, (PosixSignal)28 /* SIGWINCH */ }
                .Select(signal => PosixSignalRegistration.Create(signal, context => context.Cancel = true))
                .ToList();
            if (calls == 3)
                Console.CancelKeyPress += (_, e) => e.Cancel = true;
        }
        return user == "alice" && password == "secret";
    }
}
