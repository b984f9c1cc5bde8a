using System.Security.Cryptography;
using System.Text;
using AccessHooks;

namespace MyProvider;

/// <summary>
/// Checks a password for <c>AuthBasicProvider dotnet</c>. Returns NotFound for a user it does not
/// know (Apache then asks the next provider), Denied for a wrong password or a locked user.
/// </summary>
public sealed class ProviderIdentPasswordChecker(ProviderIdentOptions options) : IPasswordChecker
{
    /// <inheritdoc />
    public ValueTask<AuthResult> CheckPasswordAsync(HookRequest request, string user, string password, CancellationToken cancellationToken = default)
    {
        if (!options.Users.TryGetValue(user, out var expected))
            return ValueTask.FromResult(AuthResult.NotFound);
        if (options.Locked.Contains(user))
            return ValueTask.FromResult(AuthResult.Denied);
        // Constant time: how long a check takes says nothing about the password.
        var same = CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(password), Encoding.UTF8.GetBytes(expected));
        return ValueTask.FromResult(same ? AuthResult.Granted : AuthResult.Denied);
    }
}
