using System.Runtime.InteropServices;
using System.Text;
using AccessHooks.Integration.Tests.Infrastructure;
using CsCheck;

namespace AccessHooks.Integration.Tests.Daemon;

/// <summary>
/// Issue 9: property-based tests (CsCheck, with shrinking) of the daemon wire, from the managed
/// side. Both ends of the wire are C (docs/daemon-mode.md: apps run in the module's host inside
/// the daemon), so there is no managed parser; the properties drive the one parser both ends use,
/// dotnet_daemon_protocol.c, built here into a shared library at test time, through P/Invoke.
/// libFuzzer (WireFuzzTests) looks for crashes with sanitizers; these state what must hold.
/// </summary>
public sealed unsafe class WirePropertyTests : IDisposable
{
    private const int Ok = 0, NeedMore = 1, TooLarge = 4, BadHeader = 5, LineTooLong = 6;
    private const int PreambleLen = 4 + 2 + 2 + 32 + 4 + 4;
    private const uint Flush = 0xFFFFFFFEu, Abort = 0xFFFFFFFFu, FrameMax = 1024 * 1024;

    [StructLayout(LayoutKind.Sequential)]
    private struct Item { public byte* Name; public nuint NameLen; public byte* Value; public nuint ValueLen; }

    [StructLayout(LayoutKind.Sequential)]
    private struct Preamble { public fixed byte Secret[32]; public uint NVars; public uint NHeaders; }

    [StructLayout(LayoutKind.Sequential)]
    private struct HeaderLine { public int IsStatus; public int Status; public byte* Name; public nuint NameLen; public byte* Value; public nuint ValueLen; }

    private readonly string _dir = TestRun.NewDirectory("wire-");
    private readonly nint _lib;
    private readonly delegate* unmanaged<Item*, uint, Item*, uint, nuint> _requestSize;
    private readonly delegate* unmanaged<byte*, byte*, Item*, uint, Item*, uint, nuint> _requestEncode;
    private readonly delegate* unmanaged<byte*, nuint, Preamble*, int> _preambleParse;
    private readonly delegate* unmanaged<byte*, nuint, uint, Item*, nuint*, int> _itemsParse;
    private readonly delegate* unmanaged<byte*, nuint, uint*, int> _frameParse;
    private readonly delegate* unmanaged<byte*, uint, void> _frameEncode;
    private readonly delegate* unmanaged<byte*, nuint, HeaderLine*, int> _headerLineParse;
    private readonly delegate* unmanaged<byte*, nuint, nuint*, nuint*, int> _nextLine;

    public WirePropertyTests()
    {
        var so = Path.Combine(_dir, "libdotnetwire.so");
        var src = Path.Combine(RepoPaths.Root, "src", "Hooks.Native");
        var r = ProcessRunner.Run("gcc", ["-shared", "-fPIC", "-O2", "-Wall", "-Wextra", "-Werror", "-I", src,
            Path.Combine(src, "dotnet_daemon_protocol.c"), "-o", so], TimeSpan.FromMinutes(1));
        Assert.True(r.ExitCode == 0, r.ToString());
        _lib = NativeLibrary.Load(so);
        _requestSize = (delegate* unmanaged<Item*, uint, Item*, uint, nuint>)Export("dotnet_wire_request_size");
        _requestEncode = (delegate* unmanaged<byte*, byte*, Item*, uint, Item*, uint, nuint>)Export("dotnet_wire_request_encode");
        _preambleParse = (delegate* unmanaged<byte*, nuint, Preamble*, int>)Export("dotnet_wire_preamble_parse");
        _itemsParse = (delegate* unmanaged<byte*, nuint, uint, Item*, nuint*, int>)Export("dotnet_wire_items_parse");
        _frameParse = (delegate* unmanaged<byte*, nuint, uint*, int>)Export("dotnet_wire_frame_parse");
        _frameEncode = (delegate* unmanaged<byte*, uint, void>)Export("dotnet_wire_frame_encode");
        _headerLineParse = (delegate* unmanaged<byte*, nuint, HeaderLine*, int>)Export("dotnet_wire_header_line_parse");
        _nextLine = (delegate* unmanaged<byte*, nuint, nuint*, nuint*, int>)Export("dotnet_wire_next_line");
    }

    private nint Export(string name) => NativeLibrary.GetExport(_lib, name);

    public void Dispose() => NativeLibrary.Free(_lib);

    // ------------------------------------------------------------------ generators

    private static readonly Gen<byte[]> Bytes = Gen.Byte.Array[0, 40];
    private static readonly Gen<(byte[] Name, byte[] Value)> ItemGen = Gen.Select(Bytes, Bytes, (n, v) => (n, v));

    /// <summary>A request head: variables, headers and a secret.</summary>
    private static readonly Gen<((byte[], byte[])[] Vars, (byte[], byte[])[] Headers, byte[] Secret)> RequestGen =
        Gen.Select(ItemGen.Array[0, 12], ItemGen.Array[0, 12], Gen.Byte.Array[32], (v, h, s) => (v, h, s));

    /// <summary>Encodes through the C encoder (what the relay sends).</summary>
    private byte[] Encode((byte[] Name, byte[] Value)[] vars, (byte[] Name, byte[] Value)[] headers, byte[] secret)
    {
        var all = vars.Concat(headers).ToArray();
        var handles = new List<GCHandle>();
        try
        {
            var items = new Item[Math.Max(1, all.Length)];
            for (var i = 0; i < all.Length; i++)
            {
                var n = GCHandle.Alloc(all[i].Name, GCHandleType.Pinned);
                var v = GCHandle.Alloc(all[i].Value, GCHandleType.Pinned);
                handles.Add(n);
                handles.Add(v);
                items[i] = new Item
                {
                    Name = (byte*)n.AddrOfPinnedObject(), NameLen = (nuint)all[i].Name.Length,
                    Value = (byte*)v.AddrOfPinnedObject(), ValueLen = (nuint)all[i].Value.Length,
                };
            }
            fixed (Item* p = items)
            fixed (byte* s = secret)
            {
                var size = _requestSize(p, (uint)vars.Length, p + vars.Length, (uint)headers.Length);
                var buffer = new byte[(int)size];
                fixed (byte* b = buffer)
                    Assert.Equal(size, _requestEncode(b, s, p, (uint)vars.Length, p + vars.Length, (uint)headers.Length));
                return buffer;
            }
        }
        finally
        {
            foreach (var h in handles)
                h.Free();
        }
    }

    /// <summary>Parses as a daemon does: status, preamble, the items as byte arrays, bytes used.</summary>
    private (int Status, Preamble Pre, List<(byte[], byte[])> Items, int Used) Parse(byte[] buffer)
    {
        var pre = default(Preamble);
        var items = new List<(byte[], byte[])>();
        fixed (byte* b = buffer)
        {
            var st = _preambleParse(b, (nuint)buffer.Length, &pre);
            if (st != Ok)
                return (st, pre, items, 0);
            var n = pre.NVars + pre.NHeaders;
            var parsed = new Item[Math.Max(1, (int)Math.Min(n, 4096))];
            if (n > 4096)
                return (TooLarge, pre, items, 0);
            nuint used = 0;
            fixed (Item* p = parsed)
                st = _itemsParse(b + PreambleLen, (nuint)(buffer.Length - PreambleLen), n, p, &used);
            if (st != Ok)
                return (st, pre, items, 0);
            Assert.InRange((long)used, 0, buffer.Length - PreambleLen);
            for (var i = 0; i < n; i++)
            {
                // Every item lies inside the buffer: the parser hands out pointers into it.
                var start = b + PreambleLen;
                var end = b + buffer.Length;
                Assert.True(parsed[i].Name >= start && parsed[i].Name + parsed[i].NameLen <= end);
                Assert.True(parsed[i].Value >= start && parsed[i].Value + parsed[i].ValueLen <= end);
                items.Add((new ReadOnlySpan<byte>(parsed[i].Name, (int)parsed[i].NameLen).ToArray(),
                           new ReadOnlySpan<byte>(parsed[i].Value, (int)parsed[i].ValueLen).ToArray()));
            }
            return (Ok, pre, items, PreambleLen + (int)used);
        }
    }

    // ------------------------------------------------------------------ properties

    [Fact]
    public void What_the_relay_encodes_the_daemon_parses_back_to_the_same_items_and_secret()
    {
        RequestGen.Sample(req =>
        {
            var buffer = Encode(req.Vars, req.Headers, req.Secret);
            var (st, pre, items, used) = Parse(buffer);
            Assert.Equal(Ok, st);
            Assert.Equal(buffer.Length, used);
            Assert.Equal((uint)req.Vars.Length, pre.NVars);
            Assert.Equal((uint)req.Headers.Length, pre.NHeaders);
            Assert.Equal(req.Secret, new ReadOnlySpan<byte>(pre.Secret, 32).ToArray());
            static string Hex((byte[] Name, byte[] Value) i) => Convert.ToHexString(i.Name) + ":" + Convert.ToHexString(i.Value);
            Assert.Equal(req.Vars.Concat(req.Headers).Select(Hex), items.Select(Hex));
        }, iter: 5_000);
    }

    [Fact]
    public void Every_proper_prefix_of_a_request_asks_for_more_and_never_parses()
    {
        Gen.Select(RequestGen, Gen.Int[0, int.MaxValue], (r, k) => (r, k)).Sample(t =>
        {
            var buffer = Encode(t.r.Vars, t.r.Headers, t.r.Secret);
            var cut = t.k % buffer.Length;   // 0 .. Length-1
            Assert.Equal(NeedMore, Parse(buffer[..cut]).Status);
        }, iter: 5_000);
    }

    [Fact]
    public void Arbitrary_bytes_never_parse_past_their_end_and_a_parse_that_succeeds_reencodes_exactly()
    {
        // Mostly valid magic and version, so the generator reaches the item parser, not only the
        // magic check.
        var head = Gen.Select(Gen.Byte.Array[32], Gen.UInt[0, 6], Gen.UInt[0, 6], (s, v, h) =>
            Encoding.ASCII.GetBytes("ADNQ").Concat(new byte[] { 1, 0, 0, 0 }).Concat(s)
                .Concat(BitConverter.GetBytes(v)).Concat(BitConverter.GetBytes(h)).ToArray());
        var input = Gen.OneOf(Gen.Byte.Array[0, 200],
            Gen.Select(head, Gen.Byte.Array[0, 200], (a, b) => a.Concat(b).ToArray()));
        input.Sample(buffer =>
        {
            var (st, pre, items, used) = Parse(buffer);
            Assert.InRange(st, Ok, LineTooLong);
            if (st != Ok)
                return;
            Assert.InRange(used, PreambleLen, buffer.Length);
            // What parsed is a valid request: encoding it again gives the same bytes (but for the
            // two flag bytes, which this version neither sets nor reads).
            var vars = items.Take((int)pre.NVars).ToArray();
            var headers = items.Skip((int)pre.NVars).ToArray();
            var expected = buffer[..used];
            expected[6] = expected[7] = 0;
            Assert.Equal(expected, Encode(vars, headers, new ReadOnlySpan<byte>(pre.Secret, 32).ToArray()));
        }, iter: 20_000);
    }

    [Fact]
    public void Frames_round_trip_and_lengths_over_the_limit_are_refused()
    {
        Gen.OneOf(Gen.UInt, Gen.UInt[0, FrameMax + 2], Gen.UInt[FrameMax - 2, FrameMax + 2], Gen.Const(Flush), Gen.Const(Abort)).Sample(frame =>
        {
            var buffer = new byte[4];
            uint parsed = 0;
            fixed (byte* b = buffer)
            {
                _frameEncode(b, frame);
                var st = _frameParse(b, 4, &parsed);
                if (frame <= FrameMax || frame == Flush || frame == Abort)
                {
                    Assert.Equal(Ok, st);
                    Assert.Equal(frame, parsed);
                }
                else
                {
                    Assert.Equal(TooLarge, st);
                }
                for (nuint cut = 0; cut < 4; cut++)
                    Assert.Equal(NeedMore, _frameParse(b, cut, &parsed));
            }
            Assert.Equal(BitConverter.GetBytes(frame), buffer);   // little-endian on the wire
        }, iter: 20_000);
    }

    private static readonly Gen<string> Token = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"], 1, 30];
    private static readonly Gen<string> Text = Gen.String[Gen.Char[" abcdefghijklmnopqrstuvwxyz0123456789=;,/\"'!~"], 0, 60];

    [Fact]
    public void A_response_header_line_gives_back_its_name_and_trimmed_value_or_its_status()
    {
        Gen.Select(Token, Text, Gen.Int[100, 999], Gen.Bool, (n, v, s, st) => (n, v, s, st)).Sample(t =>
        {
            var line = t.st ? $"Status: {t.s} {t.v}" : $"{t.n}: {t.v}";
            if (!t.st && t.n.Equals("Status", StringComparison.OrdinalIgnoreCase))
                return;
            var bytes = Encoding.ASCII.GetBytes(line);
            var parsed = default(HeaderLine);
            fixed (byte* b = bytes)
            {
                Assert.Equal(Ok, _headerLineParse(b, (nuint)bytes.Length, &parsed));
                if (t.st)
                {
                    Assert.Equal(1, parsed.IsStatus);
                    Assert.Equal(t.s, parsed.Status);
                }
                else
                {
                    Assert.Equal(0, parsed.IsStatus);
                    Assert.Equal(t.n, Encoding.ASCII.GetString(parsed.Name, (int)parsed.NameLen));
                    Assert.Equal(t.v.Trim(' '), Encoding.ASCII.GetString(parsed.Value, (int)parsed.ValueLen));
                }
            }
        }, iter: 10_000);
    }

    [Fact]
    public void Line_splitting_stays_inside_the_buffer_and_finds_the_first_line_end()
    {
        Gen.Select(Gen.Byte.Array[0, 300], Gen.Int[0, 9000], (b, pad) => (b, pad)).Sample(t =>
        {
            // Sometimes a long run without a line end, to reach the line limit.
            var buffer = t.pad > 8000 ? Enumerable.Repeat((byte)'a', t.pad).Concat(t.b).ToArray() : t.b;
            nuint lineLen = 0, used = 0;
            int st;
            fixed (byte* p = buffer)
                st = _nextLine(p, (nuint)buffer.Length, &lineLen, &used);
            var lf = Array.IndexOf(buffer, (byte)'\n');
            if (st == Ok)
            {
                Assert.Equal(lf + 1, (int)used);
                Assert.True((int)lineLen == lf || ((int)lineLen == lf - 1 && buffer[lf - 1] == '\r'));
                Assert.InRange((int)lineLen, 0, 8192);
            }
            else if (st == NeedMore)
            {
                Assert.Equal(-1, lf);
            }
            else
            {
                Assert.Equal(LineTooLong, st);
                Assert.True(lf < 0 || lf >= 8192, $"line end at {lf}");
            }
        }, iter: 10_000);
    }
}
