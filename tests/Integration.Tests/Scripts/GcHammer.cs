// Forces a full blocking GC on every call.
public static class Auth
{
    public static bool? CheckPassword(HookRequest request, string user, string password)
    {
        var garbage = new List<byte[]>();
        for (var i = 0; i < 64; i++)
            garbage.Add(new byte[1024]);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true);
        GC.WaitForPendingFinalizers();
        return user == "alice" && password == "secret" && garbage.Count == 64;
    }
}
