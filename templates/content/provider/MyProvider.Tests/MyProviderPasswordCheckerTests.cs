using AccessHooks;
using Microsoft.Extensions.DependencyInjection;
using Moq;
using MyProvider;
using Xunit;

namespace MyProvider.Tests;

public sealed class ProviderIdentPasswordCheckerTests
{
    private static readonly HookRequest Request = new([new("REQUEST_METHOD", "GET"), new("REMOTE_ADDR", "192.0.2.10")]);

    private static IPasswordChecker Checker() => new ServiceCollection()
        .AddProviderIdent(options =>
        {
            options.Users["alice"] = "s3cret";
            options.Users["bob"] = "hunter2";
            options.Locked.Add("bob");
        })
        .BuildServiceProvider()
        .GetRequiredService<IPasswordChecker>();

    [Fact]
    public async Task The_right_password_is_granted_and_a_wrong_one_denied()
    {
        var checker = Checker();
        Assert.Equal(AuthResult.Granted, await checker.CheckPasswordAsync(Request, "alice", "s3cret"));
        Assert.Equal(AuthResult.Denied, await checker.CheckPasswordAsync(Request, "alice", "S3cret"));
    }

    [Fact]
    public async Task An_unknown_user_is_left_to_the_next_provider_and_a_locked_one_denied()
    {
        var checker = Checker();
        Assert.Equal(AuthResult.NotFound, await checker.CheckPasswordAsync(Request, "carol", "s3cret"));
        Assert.Equal(AuthResult.Denied, await checker.CheckPasswordAsync(Request, "bob", "hunter2"));
    }

    [Fact]
    public async Task Behind_another_checker_it_answers_for_users_the_first_does_not_know()
    {
        // Moq stands in for a provider registered before this one: providers are asked in order.
        var first = new Mock<IPasswordChecker>();
        first.Setup(c => c.CheckPasswordAsync(It.IsAny<HookRequest>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
             .ReturnsAsync(AuthResult.NotFound);
        first.Setup(c => c.CheckPasswordAsync(It.IsAny<HookRequest>(), "dave", It.IsAny<string>(), It.IsAny<CancellationToken>()))
             .ReturnsAsync(AuthResult.Denied);
        var chain = new ServiceCollection()
            .AddPasswordChecker(first.Object)
            .AddProviderIdent(options => { options.Users["alice"] = "s3cret"; options.Users["dave"] = "pw"; })
            .BuildServiceProvider()
            .GetRequiredService<IPasswordChecker>();
        Assert.Equal(AuthResult.Granted, await chain.CheckPasswordAsync(Request, "alice", "s3cret"));
        // The first provider's Denied ends the chain, as in Apache's provider list.
        Assert.Equal(AuthResult.Denied, await chain.CheckPasswordAsync(Request, "dave", "pw"));
        first.Verify(c => c.CheckPasswordAsync(Request, "alice", "s3cret", It.IsAny<CancellationToken>()), Times.Once);
    }
}
