using System.Runtime.InteropServices;
using System.Text;
using AccessHooks.Host.Interop;

namespace AccessHooks.Host.Tests.Infrastructure;

public sealed record CallResult(int Rc, int Outcome, int Error, string? Text, IReadOnlyList<LogLine> Lines, string? CacheHash = null)
{
    public bool Ok => Rc == 0;
    public string Log => string.Join("\n", Lines.Select(line => $"[{line.Level}] DOTNET{line.Code:D4}: {line.Message}"));
}

/// <summary>
/// Calls one script's hooks through the exported function pointers with natively allocated
/// ah_hook_call / ah_kv structs, as mod_dotnet does. Each call gets a fresh fake request_rec
/// pointer so its log lines can be told apart from concurrent tests'.
/// </summary>
public sealed unsafe class HookInvoker
{
    private static long s_nextCtx = 0x1000;

    public HookInvoker(string scriptPath, string? group = null)
    {
        ScriptPath = scriptPath;
        Group = group ?? "test-" + Guid.NewGuid().ToString("N");
    }

    public string ScriptPath { get; set; }
    public string Group { get; set; }
    public int TimeoutMs { get; set; }
    public bool CheckReload { get; set; } = true;

    public List<KeyValuePair<string, string>> Variables { get; } =
    [
        new("REQUEST_METHOD", "GET"),
        new("REQUEST_URI", "/private/index.html?x=1"),
        new("REMOTE_ADDR", "192.0.2.7"),
        new("SERVER_NAME", "www.example.test"),
        new("HTTP_HOST", "www.example.test"),
    ];

    public CallResult CheckPassword(string user, string password) => CheckPassword(Encoding.UTF8.GetBytes(user), Encoding.UTF8.GetBytes(password));

    public CallResult CheckPassword(byte[] user, byte[] password) => Invoke((call, result, arena) =>
        TestHost.Exports->CheckPassword(call, arena.Bytes(user), arena.Bytes(password), result));

    public CallResult GetRealmHash(string user, string realm) => Invoke((call, result, arena) =>
        TestHost.Exports->GetRealmHash(call, arena.Utf8(user), arena.Utf8(realm), result));

    public CallResult GroupsMatch(string user, params string[] groups) => Invoke((call, result, arena) =>
    {
        var array = (byte**)arena.Alloc(sizeof(byte*) * Math.Max(1, groups.Length));
        for (var i = 0; i < groups.Length; i++)
            array[i] = arena.Utf8(groups[i]);
        return TestHost.Exports->GroupsMatch(call, arena.Utf8(user), array, groups.Length, result);
    });

    public CallResult AllowAccess(string host) => Invoke((call, result, arena) =>
        TestHost.Exports->AllowAccess(call, arena.Utf8(host), result));

    public CallResult Preload() => Invoke((call, result, _) => TestHost.Exports->Preload(call, result));

    private delegate int Call(HookCall* call, HookResult* result, Arena arena);

    private CallResult Invoke(Call body)
    {
        using var arena = new Arena();
        var ctx = (nint)Interlocked.Increment(ref s_nextCtx);
        var call = (HookCall*)arena.Alloc(sizeof(HookCall));
        call->ScriptPath = arena.Utf8(ScriptPath);
        call->ApplicationGroup = arena.Utf8(Group);
        call->CheckReload = CheckReload ? 1 : 0;
        call->TimeoutMs = TimeoutMs;
        call->NVars = Variables.Count;
        call->Vars = (KeyValue*)arena.Alloc(sizeof(KeyValue) * Math.Max(1, Variables.Count));
        for (var i = 0; i < Variables.Count; i++)
        {
            call->Vars[i].Name = arena.Utf8(Variables[i].Key);
            call->Vars[i].Value = arena.Utf8(Variables[i].Value);
        }
        call->LogCtx = (void*)ctx;
        var result = (HookResult*)arena.Alloc(sizeof(HookResult));
        result->Outcome = 99;
        result->ErrorCode = 99;
        var rc = body(call, result, arena);
        string? text = null;
        if (result->Text != null)
        {
            text = Marshal.PtrToStringUTF8((nint)result->Text);
            NativeMemory.Free(result->Text);   // as the module free()s it
        }
        string? cacheHash = null;
        if (result->CacheHash != null)
        {
            cacheHash = Marshal.PtrToStringUTF8((nint)result->CacheHash);
            NativeMemory.Free(result->CacheHash);
        }
        return new CallResult(rc, result->Outcome, result->ErrorCode, text, TestLog.For(ctx), cacheHash);
    }

    private sealed class Arena : IDisposable
    {
        private readonly List<nint> _blocks = [];

        public void* Alloc(int size)
        {
            var block = NativeMemory.AllocZeroed((nuint)size);
            _blocks.Add((nint)block);
            return block;
        }

        public byte* Utf8(string value) => Bytes(Encoding.UTF8.GetBytes(value));

        public byte* Bytes(byte[] value)
        {
            var block = (byte*)Alloc(value.Length + 1);
            value.CopyTo(new Span<byte>(block, value.Length));
            block[value.Length] = 0;
            return block;
        }

        public void Dispose()
        {
            foreach (var block in _blocks)
                NativeMemory.Free((void*)block);
        }
    }
}
