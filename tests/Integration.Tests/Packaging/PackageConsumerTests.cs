using System.Text.Json;
using AccessHooks.Integration.Tests.Infrastructure;
using AccessHooks.TestSupport;

namespace AccessHooks.Integration.Tests.Packaging;

/// <summary>
/// Issue 11: the NuGet packages as a user consumes them. The abstractions and providers are
/// packed (as `make pack` does) into a local folder feed under a version of this run's own; a
/// fresh provider library and an xunit + Moq test project are written outside the solution,
/// restore those packages from the feed (never a project reference), build, and pass their tests.
/// </summary>
public sealed class PackageConsumerTests
{
    [Fact]
    public void A_provider_library_and_its_tests_build_and_pass_against_the_packages()
    {
        var feed = LocalFeed.Instance;
        var root = TestRun.NewDirectory("package-consumer");
        var version = feed.Version;
        foreach (var id in LocalFeed.Libraries)
        {
            Assert.True(File.Exists(Path.Combine(feed.Path, $"{id}.{version}.nupkg")), $"{id} not packed");
            Assert.True(File.Exists(Path.Combine(feed.Path, $"{id}.{version}.snupkg")), $"{id} has no symbol package");
        }

        var consumer = Path.Combine(root, "consumer");
        WriteConsumer(consumer, feed.Path, version);
        var result = ExternalTool.Run("dotnet", ["test", Path.Combine(consumer, "OfficeHours.Tests"), "-c", "Release", "-nologo"],
            timeout: TimeSpan.FromMinutes(8), environment: AppBuilds.Env);
        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        Assert.Matches(@"Passed!\s+-\s+Failed:\s+0, Passed:\s+3,", result.StandardOutput);

        // The library got the abstractions and the provider as packages of this version.
        using var assets = JsonDocument.Parse(File.ReadAllText(Path.Combine(consumer, "OfficeHours", "obj", "project.assets.json")));
        var libraries = assets.RootElement.GetProperty("libraries");
        foreach (var id in new[] { "AccessHooks.Abstractions", "AccessHooks.Providers.Htpasswd", "AccessHooks.Providers.Common" })
            Assert.Equal("package", libraries.GetProperty($"{id}/{version}").GetProperty("type").GetString());
        // IntelliSense: the XML documentation ships in the package.
        var cached = Path.Combine(LocalFeed.NuGetPackagesRoot(), "accesshooks.abstractions", version, "lib", "net10.0", "AccessHooks.Abstractions.xml");
        Assert.Contains("<member name=\"T:AccessHooks.AuthResult\">", File.ReadAllText(cached));
    }

    private static void WriteConsumer(string consumer, string feed, string version)
    {
        Directory.CreateDirectory(Path.Combine(consumer, "OfficeHours"));
        Directory.CreateDirectory(Path.Combine(consumer, "OfficeHours.Tests"));
        // Outside any repository: nothing of this project's build settings applies.
        LocalFeed.WriteConsumerSettings(consumer, feed);

        File.WriteAllText(Path.Combine(consumer, "OfficeHours", "OfficeHours.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="AccessHooks.Abstractions" Version="{version}" />
                <PackageReference Include="AccessHooks.Providers.Htpasswd" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(consumer, "OfficeHours", "OfficeHours.cs"), """
            using AccessHooks;
            using AccessHooks.Providers.Htpasswd;
            using Microsoft.Extensions.DependencyInjection;
            using Microsoft.Extensions.Logging.Abstractions;

            namespace OfficeHours;

            public sealed class OfficeHoursOptions
            {
                public int OpensAt { get; set; } = 8;
                public int ClosesAt { get; set; } = 18;
            }

            // Lets the inner checker decide only during office hours.
            public sealed class OfficeHoursChecker(IPasswordChecker inner, OfficeHoursOptions options, TimeProvider clock) : IPasswordChecker
            {
                public async ValueTask<AuthResult> CheckPasswordAsync(HookRequest request, string user, string password, CancellationToken cancellationToken = default)
                {
                    var hour = clock.GetUtcNow().Hour;
                    if (hour < options.OpensAt || hour >= options.ClosesAt)
                        return AuthResult.Denied;
                    return await inner.CheckPasswordAsync(request, user, password, cancellationToken);
                }
            }

            public static class OfficeHoursServiceCollectionExtensions
            {
                // An htpasswd file, open only in office hours.
                public static IServiceCollection AddOfficeHoursHtpasswd(this IServiceCollection services, string path, Action<OfficeHoursOptions>? configure = null)
                {
                    var options = new OfficeHoursOptions();
                    configure?.Invoke(options);
                    var htpasswd = new HtpasswdPasswordChecker(new HtpasswdOptions { Path = path }, NullLogger<HtpasswdPasswordChecker>.Instance);
                    return services.AddSingleton<IPasswordChecker>(sp =>
                        new OfficeHoursChecker(htpasswd, options, sp.GetService<TimeProvider>() ?? TimeProvider.System));
                }
            }
            """);

        File.WriteAllText(Path.Combine(consumer, "OfficeHours.Tests", "OfficeHours.Tests.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <IsPackable>false</IsPackable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Microsoft.NET.Test.Sdk" Version="18.0.1" />
                <PackageReference Include="xunit" Version="2.9.3" />
                <PackageReference Include="xunit.runner.visualstudio" Version="3.1.5" />
                <PackageReference Include="Moq" Version="4.20.72" />
                <PackageReference Include="Microsoft.Extensions.DependencyInjection" Version="10.0.0" />
              </ItemGroup>
              <ItemGroup>
                <ProjectReference Include="../OfficeHours/OfficeHours.csproj" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(consumer, "OfficeHours.Tests", "OfficeHoursTests.cs"), """
            using System.Security.Cryptography;
            using System.Text;
            using AccessHooks;
            using Microsoft.Extensions.DependencyInjection;
            using Moq;
            using OfficeHours;
            using Xunit;

            public sealed class OfficeHoursTests
            {
                private static readonly HookRequest Request = new([new("REQUEST_METHOD", "GET")]);

                private sealed class FixedClock(int hour) : TimeProvider
                {
                    public override DateTimeOffset GetUtcNow() => new(2026, 12, 7, hour, 30, 0, TimeSpan.Zero);
                }

                [Fact]
                public async Task In_office_hours_the_inner_checker_decides()
                {
                    var inner = new Mock<IPasswordChecker>();
                    inner.Setup(c => c.CheckPasswordAsync(It.IsAny<HookRequest>(), "alice", "pw", It.IsAny<CancellationToken>()))
                         .ReturnsAsync(AuthResult.Granted);
                    var checker = new OfficeHoursChecker(inner.Object, new OfficeHoursOptions(), new FixedClock(10));
                    Assert.Equal(AuthResult.Granted, await checker.CheckPasswordAsync(Request, "alice", "pw"));
                    inner.Verify(c => c.CheckPasswordAsync(Request, "alice", "pw", It.IsAny<CancellationToken>()), Times.Once);
                }

                [Fact]
                public async Task At_night_nobody_gets_in_and_the_inner_checker_is_not_asked()
                {
                    var inner = new Mock<IPasswordChecker>(MockBehavior.Strict);
                    var checker = new OfficeHoursChecker(inner.Object, new OfficeHoursOptions(), new FixedClock(23));
                    Assert.Equal(AuthResult.Denied, await checker.CheckPasswordAsync(Request, "alice", "pw"));
                }

                [Fact]
                public async Task The_htpasswd_provider_from_the_package_checks_a_real_file()
                {
                    var file = Path.GetTempFileName();
                    try
                    {
                        var sha = Convert.ToBase64String(SHA1.HashData(Encoding.UTF8.GetBytes("s3cret")));
                        File.WriteAllText(file, $"alice:{{SHA}}{sha}\n");
                        var services = new ServiceCollection()
                            .AddSingleton<TimeProvider>(new FixedClock(9))
                            .AddOfficeHoursHtpasswd(file)
                            .BuildServiceProvider();
                        var checker = services.GetRequiredService<IPasswordChecker>();
                        Assert.Equal(AuthResult.Granted, await checker.CheckPasswordAsync(Request, "alice", "s3cret"));
                        Assert.Equal(AuthResult.Denied, await checker.CheckPasswordAsync(Request, "alice", "wrong"));
                        Assert.Equal(AuthResult.NotFound, await checker.CheckPasswordAsync(Request, "bob", "s3cret"));
                    }
                    finally
                    {
                        File.Delete(file);
                    }
                }
            }
            """);
    }
}
