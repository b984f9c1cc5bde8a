using System.Security.Cryptography;
using AccessHooks.Providers.Htpasswd;

namespace AccessHooks.Providers.Tests;

public sealed class Md5Tests
{
    [Fact]
    public void Managed_md5_matches_the_platform_for_every_length_around_block_boundaries()
    {
        var random = new Random(42);
        Span<byte> actual = stackalloc byte[16];
        for (var length = 0; length <= 200; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);
            Md5.HashData(data, actual);
            Assert.Equal(MD5.HashData(data), actual.ToArray());
        }
    }
}
