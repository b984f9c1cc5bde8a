using System.Security.Cryptography;
using System.Text;
using AccessHooks.Host.Interop;
using AccessHooks.Host.Logging;
using AccessHooks.Host.Scripts;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AccessHooks.Host.Gateway;

/// <summary>
/// What the gateway registers in every app's container, after the app's own services so that
/// they win where they must (the server, the lifetime) and yield where the app chose (its own
/// authentication default, its own data protection key store).
/// </summary>
internal static class AppServices
{
    public static void AddGateway(IServiceCollection services, GatewayServer server, string appKey)
    {
        services.AddSingleton<IServer>(server);
        services.AddSingleton<IHostLifetime, GatewayLifetime>();
        services.AddApacheAuthentication();

        // No logger writes to stdout (Apache's children have none worth the name): the console
        // and debug providers go, the app's lines reach the error log (DOTNET0239), filtered by
        // the app's own Logging configuration and then by Apache's LogLevel.
        for (var i = services.Count - 1; i >= 0; i--)
        {
            var type = services[i].ImplementationType;
            if (services[i].ServiceType == typeof(ILoggerProvider) && type?.Namespace is "Microsoft.Extensions.Logging.Console" or "Microsoft.Extensions.Logging.Debug" or "Microsoft.Extensions.Logging.EventSource" or "Microsoft.Extensions.Logging.EventLog")
                services.RemoveAt(i);
        }
        services.AddSingleton<ILoggerProvider>(new ServerLoggerProvider(ErrorCode.AppLog));

        // One key ring per app (virtual host + alias, never the application group), shared by
        // every child through a directory beside the script cache, owned by Apache's user. An
        // app that configured its own key store keeps it.
        services.AddDataProtection();
        var keys = KeyDirectory(appKey);
        if (keys is not null)
        {
            services.AddSingleton<IPostConfigureOptions<KeyManagementOptions>>(new KeyStoreDefault(keys));
            // "No XML encryptor configured" at every start of every child: the keys sit in a
            // 0700 directory of Apache's user, as ASP.NET Core's own default on Linux does.
            services.AddLogging(logging => logging.AddFilter("Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager", LogLevel.Error));
            services.PostConfigure<DataProtectionOptions>(options =>
            {
                // The default discriminator is the content root: two aliases of one app folder
                // are two apps here.
                options.ApplicationDiscriminator = appKey;
            });
        }
    }

    private static DirectoryInfo? KeyDirectory(string appKey)
    {
        if (ScriptCache.Directory is not { Length: > 0 } cache)
            return null;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(appKey)))[..32];
        return new DirectoryInfo(Path.Combine(cache, "keys", hash));
    }

    private sealed class KeyStoreDefault(DirectoryInfo directory) : IPostConfigureOptions<KeyManagementOptions>
    {
        public void PostConfigure(string? name, KeyManagementOptions options)
        {
            if (options.XmlRepository is not null)
                return;
            try
            {
                directory.Create();
                if (!OperatingSystem.IsWindows())
                    File.SetUnixFileMode(directory.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                options.XmlRepository = new FileSystemXmlRepository(directory, NullLoggerFactoryInstance);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                ApacheLog.Server(ApacheLevel.Warning, ErrorCode.AppLoadError,
                    $"data protection keys cannot be kept in '{directory.FullName}' ({e.Message}): each child makes its own, so cookies and antiforgery tokens from one child fail in another");
            }
        }

        private static readonly ILoggerFactory NullLoggerFactoryInstance = Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;
    }
}
