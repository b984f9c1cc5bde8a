// Takes 30 s unless cancelled (DotNetHookTimeout fires the token).
public static class Auth
{
    public static async Task<bool?> CheckPassword(HookRequest request, string user, string password, System.Threading.CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromSeconds(30), cancellationToken);
        return true;
    }
}
