using Moq;

namespace AccessHooks.Providers.Tests;

/// <summary>The provider chain: NotFound falls through, Denied stops, Granted wins; groups are a union.</summary>
public sealed class CompositeTests
{
    private static Mock<IPasswordChecker> Checker(AuthResult result)
    {
        var mock = new Mock<IPasswordChecker>(MockBehavior.Strict);
        mock.Setup(c => c.CheckPasswordAsync(It.IsAny<HookRequest>(), "alice", "pw", It.IsAny<CancellationToken>()))
            .Returns(ValueTask.FromResult(result));
        return mock;
    }

    private static AuthResult Run(params Mock<IPasswordChecker>[] checkers) =>
        new CompositePasswordChecker(checkers.Select(c => c.Object))
            .CheckPasswordAsync(TestRequests.Empty, "alice", "pw").AsTask().GetAwaiter().GetResult();

    [Fact]
    public void Not_found_falls_through_to_the_next_provider()
    {
        var first = Checker(AuthResult.NotFound);
        var second = Checker(AuthResult.Granted);
        Assert.Equal(AuthResult.Granted, Run(first, second));
        first.Verify(c => c.CheckPasswordAsync(It.IsAny<HookRequest>(), "alice", "pw", It.IsAny<CancellationToken>()), Times.Once);
        second.Verify(c => c.CheckPasswordAsync(It.IsAny<HookRequest>(), "alice", "pw", It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public void Denied_stops_the_chain()
    {
        var first = Checker(AuthResult.Denied);
        var second = Checker(AuthResult.Granted);
        Assert.Equal(AuthResult.Denied, Run(first, second));
        second.Verify(c => c.CheckPasswordAsync(It.IsAny<HookRequest>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public void Granted_wins_and_keeps_the_name_it_grants_as()
    {
        var first = Checker(AuthResult.GrantedAs("alice@example.org"));
        var second = Checker(AuthResult.Denied);
        Assert.Equal(AuthResult.GrantedAs("alice@example.org"), Run(first, second));
        second.Verify(c => c.CheckPasswordAsync(It.IsAny<HookRequest>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public void All_not_found_is_not_found_and_no_providers_is_not_found()
    {
        Assert.Equal(AuthResult.NotFound, Run(Checker(AuthResult.NotFound), Checker(AuthResult.NotFound)));
        Assert.Equal(AuthResult.NotFound, Run());
    }

    [Fact]
    public void An_exception_fails_closed_instead_of_asking_the_next_provider()
    {
        var failing = new Mock<IPasswordChecker>(MockBehavior.Strict);
        failing.Setup(c => c.CheckPasswordAsync(It.IsAny<HookRequest>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Throws(new TimeoutException("directory down"));
        var second = Checker(AuthResult.Granted);
        Assert.Throws<TimeoutException>(() => Run(failing, second));
        second.Verify(c => c.CheckPasswordAsync(It.IsAny<HookRequest>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Groups_are_the_union_of_all_providers_without_duplicates()
    {
        var files = new Mock<IGroupProvider>();
        files.Setup(g => g.GroupsForUserAsync(It.IsAny<HookRequest>(), "alice", It.IsAny<CancellationToken>()))
            .Returns(ValueTask.FromResult<IReadOnlyCollection<string>>(["admins", "staff"]));
        var directory = new Mock<IGroupProvider>();
        directory.Setup(g => g.GroupsForUserAsync(It.IsAny<HookRequest>(), "alice", It.IsAny<CancellationToken>()))
            .Returns(ValueTask.FromResult<IReadOnlyCollection<string>>(["staff", "vpn"]));
        var union = await new CompositeGroupProvider([files.Object, directory.Object]).GroupsForUserAsync(TestRequests.Empty, "alice");
        Assert.Equal(["admins", "staff", "vpn"], union);
    }

    [Fact]
    public async Task Realm_hash_comes_from_the_first_provider_that_knows_the_user()
    {
        var first = new Mock<IRealmHashProvider>();
        first.Setup(p => p.GetRealmHashAsync(It.IsAny<HookRequest>(), "alice", "r", It.IsAny<CancellationToken>())).Returns(ValueTask.FromResult<string?>(null));
        var second = new Mock<IRealmHashProvider>();
        second.Setup(p => p.GetRealmHashAsync(It.IsAny<HookRequest>(), "alice", "r", It.IsAny<CancellationToken>())).Returns(ValueTask.FromResult<string?>("0123456789abcdef0123456789abcdef"));
        Assert.Equal("0123456789abcdef0123456789abcdef", await new CompositeRealmHashProvider([first.Object, second.Object]).GetRealmHashAsync(TestRequests.Empty, "alice", "r"));
    }
}
