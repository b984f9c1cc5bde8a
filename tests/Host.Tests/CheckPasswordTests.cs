using System.Text;
using AccessHooks.Host.Tests.Infrastructure;

namespace AccessHooks.Host.Tests;

public sealed class CheckPasswordTests : IDisposable
{
    private const int Denied = 0, Granted = 1, NotFound = 2;
    private readonly ScriptDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private HookInvoker Script(string body) =>
        new(_dir.Write("auth.cs", "public static class Auth\n{\n" + body + "\n}\n"));

    [Theory]
    [InlineData("public static bool? CheckPassword(HookRequest r, string u, string p) => true;", Granted)]
    [InlineData("public static bool? CheckPassword(HookRequest r, string u, string p) => false;", Denied)]
    [InlineData("public static bool? CheckPassword(HookRequest r, string u, string p) => null;", NotFound)]
    [InlineData("public static bool CheckPassword(HookRequest r, string u, string p) => true;", Granted)]
    [InlineData("public static bool CheckPassword(HookRequest r, string u, string p) => false;", Denied)]
    [InlineData("public static AuthResult CheckPassword(HookRequest r, string u, string p) => AuthResult.Granted;", Granted)]
    [InlineData("public static AuthResult CheckPassword(HookRequest r, string u, string p) => AuthResult.Denied;", Denied)]
    [InlineData("public static AuthResult CheckPassword(HookRequest r, string u, string p) => AuthResult.NotFound;", NotFound)]
    [InlineData("public static string? CheckPassword(HookRequest r, string u, string p) => null;", NotFound)]
    [InlineData("public static Task<bool?> CheckPassword(HookRequest r, string u, string p) => Task.FromResult<bool?>(true);", Granted)]
    [InlineData("public static async Task<bool> CheckPassword(HookRequest r, string u, string p) { await Task.Yield(); return false; }", Denied)]
    [InlineData("public static async ValueTask<AuthResult> CheckPassword(HookRequest r, string u, string p) { await Task.Delay(10); return AuthResult.NotFound; }", NotFound)]
    [InlineData("public static ValueTask<bool?> CheckPassword(HookRequest r, string u, string p, CancellationToken ct) => new(ct.CanBeCanceled ? true : null);", Granted)]
    [InlineData("public static async Task<AuthResult> CheckPassword(HookRequest r, string u, string p, CancellationToken ct) { await Task.Delay(1, ct); return u == \"alice\" && p == \"s3cret\"; }", Granted)]
    public void Outcomes(string body, int outcome)
    {
        var invoker = Script(body);
        invoker.TimeoutMs = 5000;
        var result = invoker.CheckPassword("alice", "s3cret");
        Assert.True(result.Ok, result.Log);
        Assert.Equal(outcome, result.Outcome);
        Assert.Null(result.Text);
    }

    [Theory]
    [InlineData("public static string CheckPassword(HookRequest r, string u, string p) => \"alice@EXAMPLE\";")]
    [InlineData("public static AuthResult CheckPassword(HookRequest r, string u, string p) => AuthResult.GrantedAs(\"alice@EXAMPLE\");")]
    [InlineData("public static async Task<string?> CheckPassword(HookRequest r, string u, string p) { await Task.Yield(); return \"alice@EXAMPLE\"; }")]
    public void GrantedAsName(string body)
    {
        var result = Script(body).CheckPassword("alice", "pw");
        Assert.True(result.Ok, result.Log);
        Assert.Equal(Granted, result.Outcome);
        Assert.Equal("alice@EXAMPLE", result.Text);
    }

    [Fact]
    public void EmptyStringIsAnInvalidResult()
    {
        var result = Script("public static string CheckPassword(HookRequest r, string u, string p) => \"\";").CheckPassword("alice", "pw");
        Assert.False(result.Ok);
        Assert.Equal(210, result.Error);
        Assert.Contains(result.Lines, line => line.Code == 210 && line.Level == 3);
    }

    [Fact]
    public void TheScriptSeesUserPasswordAndRequest()
    {
        var invoker = Script("""
            public static bool CheckPassword(HookRequest r, string u, string p) =>
                u == "bob" && p == "pa:ss wörd" && r.Method == "GET" && r.Path == "/private/index.html" &&
                r.RemoteAddress.ToString() == "192.0.2.7" && r.Header("host") == "www.example.test" &&
                r.ApplicationGroup.StartsWith("test-");
            """);
        var result = invoker.CheckPassword("bob", "pa:ss wörd");
        Assert.True(result.Ok, result.Log);
        Assert.Equal(Granted, result.Outcome);
    }

    [Fact]
    public void NonUtf8UserNameArrivesAsLatin1()
    {
        var invoker = Script("public static bool CheckPassword(HookRequest r, string u, string p) => u == \"j\u00f6rg\" && p == \"p\u00e4ss\";");
        // "jörg" and "päss" in ISO-8859-1: not valid UTF-8.
        var result = invoker.CheckPassword([(byte)'j', 0xF6, (byte)'r', (byte)'g'], [(byte)'p', 0xE4, (byte)'s', (byte)'s']);
        Assert.True(result.Ok, result.Log);
        Assert.Equal(Granted, result.Outcome);
    }

    [Fact]
    public void Utf8UserNameArrivesAsUtf8()
    {
        var invoker = Script("public static bool CheckPassword(HookRequest r, string u, string p) => u == \"j\u00f6rg\";");
        var result = invoker.CheckPassword(Encoding.UTF8.GetBytes("j\u00f6rg"), Encoding.UTF8.GetBytes("x"));
        Assert.Equal(Granted, result.Outcome);
    }

    [Fact]
    public void EmptyUserIsRefusedWithoutCallingTheScript()
    {
        var invoker = Script("public static bool CheckPassword(HookRequest r, string u, string p) => throw new Exception(\"script-was-run\");");
        var result = invoker.CheckPassword("", "pw");
        Assert.True(result.Ok, result.Log);
        Assert.Equal(0, result.Outcome);
        Assert.Contains(result.Lines, line => line.Code == 205);
        Assert.DoesNotContain(result.Lines, line => line.Message.Contains("script-was-run"));
    }

    [Theory]
    [InlineData("eve\r\nX: y")]
    [InlineData("eve\u0085")]   // C1 NEL, sent as UTF-8
    [InlineData("eve\u009b")]   // C1 CSI
    public void UserWithControlCharactersIsDeniedNotAnError(string user)
    {
        var result = Script("public static bool CheckPassword(HookRequest r, string u, string p) => true;").CheckPassword(user, "pw");
        Assert.True(result.Ok, result.Log);
        Assert.Equal(0, result.Outcome);
        Assert.Contains(result.Lines, line => line.Code == 212);
    }

    [Fact]
    public void ALatin1C1ByteIsDeniedToo()
    {
        // 0x85 alone is not UTF-8: decoded as Latin-1 it is U+0085, a C1 control.
        var result = Script("public static bool CheckPassword(HookRequest r, string u, string p) => true;")
            .CheckPassword([(byte)'e', (byte)'v', (byte)'e', 0x85], "pw"u8.ToArray());
        Assert.True(result.Ok, result.Log);
        Assert.Equal(0, result.Outcome);
    }

    [Fact]
    public void ANonUtf8NameGrantedBecomesItsUtf8Form()
    {
        // "jos\xe9" in Latin-1 and "jos\u00e9" in UTF-8 are one user to the script, and one REMOTE_USER after a grant.
        var invoker = Script("public static bool CheckPassword(HookRequest r, string u, string p) => u == \"jos\u00e9\";");
        var latin1 = invoker.CheckPassword([(byte)'j', (byte)'o', (byte)'s', 0xe9], "pw"u8.ToArray());
        Assert.True(latin1.Ok, latin1.Log);
        Assert.Equal(1, latin1.Outcome);
        Assert.Equal("jos\u00e9", latin1.Text);
        var utf8 = invoker.CheckPassword("jos\u00e9", "pw");
        Assert.Equal(1, utf8.Outcome);
        Assert.Null(utf8.Text);
    }

    [Fact]
    public void HookRequestNeverShowsAuthorization()
    {
        var invoker = Script("""
            public static bool CheckPassword(HookRequest r, string u, string p) =>
                r["HTTP_AUTHORIZATION"] is null && r.Header("Authorization") is null &&
                r["HTTP_PROXY_AUTHORIZATION"] is null && !r.Variables.Keys.Any(k => k.Contains("AUTHORIZATION")) &&
                r["HTTP_X_OTHER"] == "kept";
            """);
        invoker.Variables.Add(new("HTTP_AUTHORIZATION", "Basic YWxpY2U6czNjcmV0"));
        invoker.Variables.Add(new("HTTP_PROXY_AUTHORIZATION", "Basic eDp5"));
        invoker.Variables.Add(new("HTTP_X_OTHER", "kept"));
        var result = invoker.CheckPassword("alice", "s3cret");
        Assert.True(result.Ok, result.Log);
        Assert.Equal(Granted, result.Outcome);
    }

    [Fact]
    public void ARequestKeptByAScriptStillReadsItsOwnVariablesAfterTheCall()
    {
        // HookRequest is built from the host's array without a copy; it must not depend on the
        // native strings, which are gone once the call returns.
        var invoker = Script("""
            private static HookRequest? s_previous;
            public static string CheckPassword(HookRequest r, string u, string p)
            {
                var previous = s_previous;
                s_previous = r;
                return previous is null ? "first" : previous["HTTP_X_CALL"] + "|" + previous.Variables["HTTP_X_CALL"] + "|" + previous.Variables.Count + "|" + r["HTTP_X_CALL"] + "|" + r["HTTP_X_DUP"];
            }
            """);
        invoker.Variables.Add(new("HTTP_X_CALL", "one"));
        invoker.Variables.Add(new("HTTP_X_DUP", "first wins"));
        invoker.Variables.Add(new("HTTP_X_DUP", "second"));
        Assert.Equal("first", invoker.CheckPassword("alice", "x").Text);
        // The variables given, less one duplicate name, plus mod_dotnet.application_group.
        var count = invoker.Variables.Count;
        invoker.Variables[5] = new("HTTP_X_CALL", "two");
        Assert.Equal($"one|one|{count}|two|first wins", invoker.CheckPassword("alice", "x").Text);
    }
}
