using System.Diagnostics;
using AccessHooks;
using AccessHooks.Providers.Htpasswd;
using AccessHooks.Providers.Ldap;
using AccessHooks.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

// Usage: ProviderBench [seconds-per-measurement] [--ldap-url URL --bind-dn DN --bind-password PW --user U --password P]
// Without --ldap-url a private slapd is started (TestSupport.SlapdServer; needs slapd and ldap-utils).
var seconds = args.Length > 0 && double.TryParse(args[0], out var s) ? s : 3;
string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
var threads = Math.Max(2, Environment.ProcessorCount);
var request = new HookRequest([]);
using var directory = new TempDirectory("provider-bench-");

Console.WriteLine($"# provider check rates: {seconds:0.#} s per measurement, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
Console.WriteLine($"{"provider",-34} {"threads",7} {"checks/s",12}");

foreach (var (name, flags) in new (string, string[])[]
{
    ("htpasswd {SHA}", ["-s"]),
    ("htpasswd $apr1$", ["-m"]),
    ("htpasswd bcrypt cost 5", ["-B", "-C", "5"]),
})
{
    // A 200-user file, as in the Apache benchmark (DESIGN.md), made by the real htpasswd.
    var file = directory[$"users{flags[0]}"];
    for (var i = 0; i < 200; i++)
        ExternalTool.Run("htpasswd", [i == 0 ? "-cb" : "-b", .. flags, file, $"user{i}", $"pw{i}"]).EnsureSuccess("htpasswd");
    var checker = new HtpasswdPasswordChecker(new HtpasswdOptions { Path = file }, NullLogger<HtpasswdPasswordChecker>.Instance);
    foreach (var t in new[] { 1, threads })
        Report(name, t, Measure(t, seconds, i => Expect(checker.CheckPasswordAsync(request, $"user{i % 200}", $"pw{i % 200}").Result)));
}

// bcrypt: libxcrypt (crypt_rn) against BCrypt.Net-Next (managed), one thread, the same hashes.
// $2y$ as htpasswd -B writes it; $2a$ and $2b$ made by libxcrypt from the same salt.
foreach (var cost in new[] { 5, 10 })
{
    var file = directory[$"bcrypt{cost}"];
    ExternalTool.Run("htpasswd", ["-cbB", "-C", cost.ToString(), file, "user", "bcrypt-pw"]).EnsureSuccess("htpasswd");
    var y = File.ReadAllText(file).Trim().Split(':', 2)[1];
    var salt = y.Substring(7, 22);
    var password = System.Text.Encoding.UTF8.GetBytes("bcrypt-pw");
    foreach (var prefix in new[] { "$2y$", "$2a$", "$2b$" })
    {
        var hash = prefix == "$2y$" ? y : System.Text.Encoding.ASCII.GetString(LibXCrypt.Hash(password, $"{prefix}{cost:00}${salt}")!);
        var expected = System.Text.Encoding.ASCII.GetBytes(hash);
        var xcrypt = Measure(1, seconds, _ => ExpectTrue(System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(LibXCrypt.Hash(password, hash), expected)));
        var managed = Measure(1, seconds, _ => ExpectTrue(ManagedBcrypt.Verify(password, hash)));
        Report($"bcrypt {prefix} cost {cost} libxcrypt", 1, xcrypt);
        Report($"bcrypt {prefix} cost {cost} BCrypt.Net-Next", 1, managed);
        Console.WriteLine($"# bcrypt {prefix} cost {cost}: BCrypt.Net-Next / libxcrypt = {managed / xcrypt:0.00}");
    }
}

SlapdServer? slapd = null;
try
{
    var url = Option("--ldap-url");
    var options = new LdapOptions { Url = url ?? string.Empty, BindDn = Option("--bind-dn"), BindPassword = Option("--bind-password") };
    var user = Option("--user") ?? "alice";
    var password = Option("--password") ?? "alice-pw";
    if (url is null)
    {
        slapd = new SlapdServer();
        slapd.Add("""
            dn: uid=alice,dc=example,dc=org
            objectClass: inetOrgPerson
            uid: alice
            cn: alice
            sn: alice
            userPassword: alice-pw

            """);
        options.Url = slapd.LdapUri + "/dc=example,dc=org?uid?sub?(objectClass=inetOrgPerson)";
        options.BindDn = SlapdServer.AdminDn;
        options.BindPassword = SlapdServer.AdminPassword;
    }
    using var ldap = new LdapDirectory(options, NullLogger<LdapDirectory>.Instance);
    foreach (var t in new[] { 1, threads })
        Report("ldap search+bind (pooled)", t, Measure(t, seconds, _ => Expect(ldap.Authenticate(user, password))));
    var stats = ldap.Statistics;
    Console.WriteLine($"# ldap pool: {stats.ConnectionsOpened} connections opened, {stats.ServiceBinds} service binds, {stats.UserBinds} user binds, {stats.Searches} searches");
}
finally
{
    slapd?.Dispose();
}

static void Expect(AuthResult result)
{
    if (!result.IsGranted)
        throw new InvalidOperationException($"benchmark check answered {result}");
}

static void ExpectTrue(bool verified)
{
    if (!verified)
        throw new InvalidOperationException("benchmark bcrypt check failed");
}

static void Report(string name, int threads, double rate) => Console.WriteLine($"{name,-34} {threads,7} {rate,12:N0}");

static double Measure(int threads, double seconds, Action<int> check)
{
    for (var i = 0; i < 20; i++)
        check(i); // warm-up: JIT, first file load, pool connections
    var stop = Stopwatch.StartNew();
    var total = 0L;
    var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
    {
        var count = 0L;
        for (var i = t; stop.Elapsed.TotalSeconds < seconds; i += threads, count++)
            check(i);
        Interlocked.Add(ref total, count);
    })).ToList();
    workers.ForEach(w => w.Start());
    workers.ForEach(w => w.Join());
    return total / stop.Elapsed.TotalSeconds;
}
