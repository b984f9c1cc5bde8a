using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace AccessHooks.Host.Status;

/// <summary>
/// A <see cref="StatusReport"/> in the page's three forms (dotnet_bridge.h AH_STATUS_*): an HTML
/// fragment the module places in its page, a JSON object it places under this_child.detail, and
/// "Key: value" lines it appends to ?auto, every key starting with ThisChild.
/// </summary>
internal static class StatusForms
{
    public const int Html = 0;
    public const int Json = 1;
    public const int Auto = 2;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Render(StatusReport report, int form) => form switch
    {
        Json => RenderJson(report),
        Auto => RenderAuto(report),
        _ => RenderHtml(report),
    };

    private static string RenderJson(StatusReport report)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            var rt = report.Runtime;
            w.WriteStartObject();
            w.WriteStartObject("runtime");
            w.WriteString("framework", rt.Framework);
            w.WriteString("version", rt.Version);
            w.WriteBoolean("server_gc", rt.ServerGc);
            w.WriteString("gc_latency_mode", rt.LatencyMode);
            w.WriteNumber("heap_bytes", rt.HeapBytes);
            w.WriteNumber("committed_bytes", rt.CommittedBytes);
            w.WriteNumber("allocated_bytes", rt.AllocatedBytes);
            w.WriteNumber("gen0_collections", rt.Gen0Collections);
            w.WriteNumber("gen1_collections", rt.Gen1Collections);
            w.WriteNumber("gen2_collections", rt.Gen2Collections);
            w.WriteNumber("jit_compiled_methods", rt.JitCompiledMethods);
            w.WriteNumber("thread_pool_threads", rt.ThreadPoolThreads);
            w.WriteNumber("load_contexts", rt.LoadContexts);
            w.WriteEndObject();
            w.WriteStartArray("application_groups");
            foreach (var g in report.Groups)
            {
                w.WriteStartObject();
                w.WriteString("name", g.Name);
                w.WriteStartArray("scripts");
                foreach (var s in g.Scripts)
                {
                    w.WriteStartObject();
                    w.WriteString("path", s.Path);
                    w.WriteNumber("generation", s.Generation);
                    w.WriteString("loaded", s.LoadedAt.ToString("O", Invariant));
                    w.WriteNumber("in_flight", s.InFlight);
                    if (s.LoadError is null)
                        w.WriteNull("load_error");
                    else
                        w.WriteString("load_error", s.LoadError);
                    w.WriteStartArray("sources");
                    foreach (var source in s.Sources)
                    {
                        w.WriteStartObject();
                        w.WriteString("title", source.Title);
                        w.WriteStartObject("values");
                        foreach (var (key, value) in source.Values)
                            w.WriteString(key, value);
                        w.WriteEndObject();
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteStartArray("apps");
                foreach (var a in g.Apps)
                {
                    w.WriteStartObject();
                    w.WriteString("key", a.Key);
                    w.WriteString("path", a.Path);
                    w.WriteNumber("generation", a.Generation);
                    w.WriteString("started", a.StartedAt.ToString("O", Invariant));
                    w.WriteNumber("in_flight", a.InFlight);
                    if (a.LoadError is null)
                        w.WriteNull("load_error");
                    else
                        w.WriteString("load_error", a.LoadError);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>One line per figure, as mod_status's ?auto: no line breaks inside a value.</summary>
    private static string RenderAuto(StatusReport report)
    {
        var sb = new StringBuilder();
        void Line(string key, object value) =>
            sb.Append("ThisChild").Append(key).Append(": ").Append(OneLine(Convert.ToString(value, Invariant) ?? "")).Append('\n');

        var rt = report.Runtime;
        Line("Runtime", rt.Framework);
        Line("RuntimeVersion", rt.Version);
        Line("ServerGC", rt.ServerGc ? "Yes" : "No");
        Line("HeapBytes", rt.HeapBytes);
        Line("CommittedBytes", rt.CommittedBytes);
        Line("AllocatedBytes", rt.AllocatedBytes);
        Line("Gen0Collections", rt.Gen0Collections);
        Line("Gen1Collections", rt.Gen1Collections);
        Line("Gen2Collections", rt.Gen2Collections);
        Line("JitCompiledMethods", rt.JitCompiledMethods);
        Line("ThreadPoolThreads", rt.ThreadPoolThreads);
        Line("LoadContexts", rt.LoadContexts);
        Line("ApplicationGroups", report.Groups.Count);
        Line("Scripts", report.Groups.Sum(g => g.Scripts.Count));
        Line("Apps", report.Groups.Sum(g => g.Apps.Count));
        foreach (var g in report.Groups)
        {
            foreach (var s in g.Scripts)
                Line("Script", $"{g.Name} {s.Generation} {s.InFlight} {s.LoadError ?? "-"} {s.Path}");
            foreach (var a in g.Apps)
                Line("App", $"{g.Name} {a.Generation} {a.InFlight} {a.LoadError ?? "-"} {a.Path} {a.Key}");
            foreach (var s in g.Scripts)
                foreach (var source in s.Sources)
                    Line("Source", $"{source.Title}: " + string.Join(" ", source.Values.Select(v => $"{v.Key}={v.Value}")));
        }
        return sb.ToString();
    }

    private static string OneLine(string s) => s.Replace('\n', ' ').Replace('\r', ' ');

    private static string RenderHtml(StatusReport report)
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        var sb = new StringBuilder();
        var rt = report.Runtime;
        sb.Append("<h3>Runtime</h3><table>")
          .Append($"<tr><th>Framework</th><td>{E(rt.Framework)}</td></tr>")
          .Append($"<tr><th>GC</th><td>{(rt.ServerGc ? "server" : "workstation")}, {E(rt.LatencyMode)}</td></tr>")
          .Append($"<tr><th>Heap</th><td>{rt.HeapBytes / 1024} KB in use, {rt.CommittedBytes / 1024} KB committed, {rt.AllocatedBytes / 1024} KB allocated in all</td></tr>")
          .Append($"<tr><th>Collections</th><td>gen0 {rt.Gen0Collections}, gen1 {rt.Gen1Collections}, gen2 {rt.Gen2Collections}</td></tr>")
          .Append($"<tr><th>JIT-compiled methods</th><td>{rt.JitCompiledMethods}</td></tr>")
          .Append($"<tr><th>Thread pool threads</th><td>{rt.ThreadPoolThreads}</td></tr>")
          .Append($"<tr><th>Load contexts</th><td>{rt.LoadContexts}</td></tr></table>\n");
        sb.Append("<h3>Application groups</h3>\n");
        if (report.Groups.Count == 0)
            sb.Append("<p class=\"note\">None loaded in this child yet.</p>\n");
        foreach (var g in report.Groups)
        {
            sb.Append($"<h4>{E(g.Name)}</h4>\n");
            if (g.Scripts.Count > 0)
            {
                sb.Append("<table><tr><th>script</th><th>generation</th><th>loaded</th><th>in flight</th><th>load error</th></tr>\n");
                foreach (var s in g.Scripts)
                    sb.Append($"<tr><td>{E(s.Path)}</td><td>{s.Generation}</td><td>{s.LoadedAt:u}</td><td>{s.InFlight}</td><td>{E(s.LoadError ?? "-")}</td></tr>\n");
                sb.Append("</table>\n");
            }
            if (g.Apps.Count > 0)
            {
                sb.Append("<table><tr><th>app</th><th>instance</th><th>generation</th><th>started</th><th>in flight</th><th>load error</th></tr>\n");
                foreach (var a in g.Apps)
                    sb.Append($"<tr><td>{E(a.Path)}</td><td>{E(a.Key)}</td><td>{a.Generation}</td><td>{a.StartedAt:u}</td><td>{a.InFlight}</td><td>{E(a.LoadError ?? "-")}</td></tr>\n");
                sb.Append("</table>\n");
            }
            foreach (var s in g.Scripts)
            {
                foreach (var source in s.Sources)
                {
                    sb.Append($"<table><tr><th colspan=\"2\">{E(source.Title)} (from {E(Path.GetFileName(s.Path))})</th></tr>\n");
                    foreach (var (key, value) in source.Values)
                        sb.Append($"<tr><th>{E(key)}</th><td>{E(value)}</td></tr>\n");
                    sb.Append("</table>\n");
                }
            }
        }
        return sb.ToString();
    }
}
