/*
 * SetHandler dotnet-status: what mod_dotnet is doing, as mod_status shows what Apache does.
 * The shared counters (every child, and their sums) come from dotnet_status_shm.c; the detail of
 * the child that answered (application groups, scripts and their generations, apps, what
 * providers report, the runtime's own figures) comes from its managed host (managed twin:
 * src/Hooks.Host/Status/StatusPhase.cs), and only when the runtime already runs there: the page
 * never starts a runtime.
 *
 * Three forms: HTML for people; ?json for tools; ?auto as plain "Key: value" lines like
 * mod_status's ?auto, for the monitoring tools that read it. docs/status-page.md has every field.
 */
#include <stdlib.h>
#include <string.h>
#include "httpd.h"
#include "apr_strings.h"
#include "apr_lib.h"
#include "http_core.h"
#include "http_main.h"
#include "http_protocol.h"
#include "ap_mpm.h"
#include "util_script.h"
#include "mod_dotnet.h"
#include "dotnet_config.h"
#include "dotnet_runtime.h"
#include "dotnet_status.h"
#include "dotnet_log.h"

APLOG_USE_MODULE(dotnet);

#define TIME_FORMAT "%A, %d-%b-%Y %H:%M:%S %Z"

typedef enum { FORM_HTML = AH_STATUS_HTML, FORM_JSON = AH_STATUS_JSON, FORM_AUTO = AH_STATUS_AUTO } form;

static form form_of(request_rec *r)
{
    const char *args = r->args ? r->args : "";
    form f = FORM_HTML;

    while (*args) {
        const char *end = strchr(args, '&');
        size_t len = end ? (size_t)(end - args) : strlen(args);

        if (len == 4 && strncmp(args, "json", 4) == 0) {
            f = FORM_JSON;
        }
        else if (len == 4 && strncmp(args, "auto", 4) == 0) {
            f = FORM_AUTO;
        }
        args += len + (end ? 1 : 0);
    }
    return f;
}

static const char *json_string(apr_pool_t *p, const char *s)
{
    apr_size_t len = s ? strlen(s) : 0, i;
    char *out, *o;

    if (s == NULL) {
        return "null";
    }
    o = out = apr_palloc(p, len * 6 + 3);
    *o++ = '"';
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        }
        else if (c < 0x20 || c == 0x7f) {
            apr_snprintf(o, 7, "\\u%04x", c);
            o += 6;
        }
        else {
            *o++ = (char)c;
        }
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

/* Percentile as a number for JSON and ?auto: -1 for "slower than the last bound". */
static apr_int64_t pct(const dotnet_phase_counters *c, double q)
{
    apr_uint64_t v = dotnet_status_percentile_us(c, q);
    return v == APR_UINT64_MAX ? -1 : (apr_int64_t)v;
}

/* 250 -> "250 &micro;s", 2500 -> "2.5 ms", 2500000 -> "2.5 s". */
static const char *duration_text(apr_pool_t *p, apr_uint64_t us)
{
    if (us < 1000) {
        return apr_psprintf(p, "%" APR_UINT64_T_FMT " &micro;s", us);
    }
    if (us < 1000000) {
        return us % 1000 ? apr_psprintf(p, "%.1f ms", (double)us / 1000.0)
                         : apr_psprintf(p, "%" APR_UINT64_T_FMT " ms", us / 1000);
    }
    return us % 1000000 ? apr_psprintf(p, "%.1f s", (double)us / 1000000.0)
                        : apr_psprintf(p, "%" APR_UINT64_T_FMT " s", us / 1000000);
}

static const char *pct_text(apr_pool_t *p, const dotnet_phase_counters *c, double q)
{
    apr_uint64_t v = dotnet_status_percentile_us(c, q);

    if (c->calls == 0) {
        return "-";
    }
    if (v == APR_UINT64_MAX) {
        return apr_pstrcat(p, "&gt; ", duration_text(p, dotnet_latency_bounds_us[DOTNET_LATENCY_BUCKETS - 2]), NULL);
    }
    return apr_pstrcat(p, "&le; ", duration_text(p, v), NULL);
}

static const char *phase_title(dotnet_phase ph)
{
    static const char *const titles[DOTNET_PHASE_COUNT] = {
        "Authentication (AuthBasicProvider dotnet)", "Authorization (Require dotnet-group)",
        "Access (DotNetAccessScript)", "Applications (the gateway)"
    };
    return titles[ph];
}

/* The managed host's detail of this child, in form f; NULL when its runtime is not started. */
static const char *host_detail(request_rec *r, form f)
{
    const ah_host_exports *host = dotnet_runtime_if_started();
    ah_hook_result result;
    const char *text = NULL;
    int32_t rc;

    if (host == NULL) {
        return NULL;
    }
    if (host->struct_size < (int32_t)sizeof(ah_host_exports) || host->status_detail == NULL) {
        return NULL;
    }
    memset(&result, 0, sizeof(result));
    dotnet_thread_prepare();
    rc = host->status_detail((int32_t)f, &result);
    dotnet_signals_guard();
    if (result.text != NULL) {
        if (rc == AH_CALL_OK) {
            text = apr_pstrdup(r->pool, result.text);
        }
        free(result.text);
    }
    if (result.cache_hash != NULL) {
        free(result.cache_hash);
    }
    if (rc != AH_CALL_OK) {
        DOTNET_RLOG(APLOG_ERR, 0, r, result.error_code ? result.error_code : DOTNET_INTERNAL_ERROR,
                    "the managed host could not describe this child for the status page");
    }
    return text;
}

static const char *mpm_name(void)
{
    return ap_show_mpm();
}

static void settings(const char **runtime_root, const char **cache, const char **restrict_stdout, int *rounds)
{
    const dotnet_server_cfg *cfg = dotnet_main_server_config();

    *runtime_root = cfg->runtime_root ? cfg->runtime_root : "";
    *cache = cfg->script_cache_effective ? cfg->script_cache_effective : "";
    *restrict_stdout = cfg->restrict_stdout == 1 ? "On" : "Off";
    *rounds = cfg->authn_cache_rounds == DOTNET_UNSET ? DOTNET_DEFAULT_CACHE_ROUNDS : cfg->authn_cache_rounds;
}

/* ------------------------------------------------------------------ JSON */

static void json_phase(request_rec *r, const dotnet_phase_counters *c)
{
    int o, b;

    ap_rprintf(r, "{\"calls\":%" APR_UINT64_T_FMT, c->calls);
    for (o = 0; o < DOTNET_OUTCOME_COUNT; o++) {
        ap_rprintf(r, ",\"%s\":%" APR_UINT64_T_FMT, dotnet_outcome_names[o], c->outcomes[o]);
    }
    ap_rprintf(r, ",\"total_us\":%" APR_UINT64_T_FMT ",\"p50_us\":%" APR_INT64_T_FMT
               ",\"p90_us\":%" APR_INT64_T_FMT ",\"p99_us\":%" APR_INT64_T_FMT ",\"latency\":[",
               c->total_us, pct(c, 0.5), pct(c, 0.9), pct(c, 0.99));
    for (b = 0; b < DOTNET_LATENCY_BUCKETS; b++) {
        ap_rprintf(r, "%s%" APR_UINT64_T_FMT, b ? "," : "", c->latency[b]);
    }
    ap_rputs("]}", r);
}

static void json_counters(request_rec *r, const dotnet_counters *c)
{
    int ph, e;

    ap_rputs("{\"phases\":{", r);
    for (ph = 0; ph < DOTNET_PHASE_COUNT; ph++) {
        ap_rprintf(r, "%s\"%s\":", ph ? "," : "", dotnet_phase_names[ph]);
        json_phase(r, &c->phases[ph]);
    }
    ap_rputs("},\"events\":{", r);
    for (e = 0; e < DOTNET_EVENT_COUNT; e++) {
        ap_rprintf(r, "%s\"%s\":%" APR_UINT64_T_FMT, e ? "," : "", dotnet_event_names[e], c->events[e]);
    }
    ap_rputs("}}", r);
}

static void render_json(request_rec *r, const dotnet_status_snapshot *s, int counting)
{
    const char *root, *cache, *restrict_stdout, *detail;
    int rounds, i, b, generation = 0;

    settings(&root, &cache, &restrict_stdout, &rounds);
    ap_mpm_query(AP_MPMQ_GENERATION, &generation);
    ap_set_content_type(r, "application/json");
    ap_rprintf(r, "{\"module\":{\"version\":%s,\"abi\":%d,\"mpm\":%s,\"generation\":%d,"
               "\"now\":%s,\"counting\":%s,\"counting_since\":%s},",
               json_string(r->pool, DOTNET_MODULE_VERSION), AH_ABI_VERSION, json_string(r->pool, mpm_name()),
               generation, json_string(r->pool, ap_ht_time(r->pool, apr_time_now(), "%Y-%m-%dT%H:%M:%SZ", 1)),
               counting ? "true" : "false",
               counting ? json_string(r->pool, ap_ht_time(r->pool, s->created, "%Y-%m-%dT%H:%M:%SZ", 1)) : "null");
    ap_rprintf(r, "\"settings\":{\"DotNetRuntimeRoot\":%s,\"DotNetScriptCache\":%s,"
               "\"DotNetRestrictStdout\":%s,\"DotNetAuthnCacheHashRounds\":%d},",
               json_string(r->pool, root), json_string(r->pool, cache), json_string(r->pool, restrict_stdout), rounds);
    ap_rputs("\"latency_bounds_us\":[", r);
    for (b = 0; b < DOTNET_LATENCY_BUCKETS - 1; b++) {
        ap_rprintf(r, "%s%" APR_UINT64_T_FMT, b ? "," : "", dotnet_latency_bounds_us[b]);
    }
    ap_rprintf(r, "],\"children\":%d,\"exited_children\":%" APR_UINT64_T_FMT ",\"total\":",
               s->nchildren, s->exited_children);
    json_counters(r, &s->total);
    ap_rputs(",\"exited\":", r);
    json_counters(r, &s->exited);
    ap_rputs(",\"per_child\":[", r);
    for (i = 0; i < s->nchildren; i++) {
        const dotnet_child_figures *c = &s->children[i];
        ap_rprintf(r, "%s{\"pid\":%d,\"generation\":%d,\"started\":%s,\"runtime_started\":%s,\"counters\":",
                   i ? "," : "", (int)c->pid, c->generation,
                   json_string(r->pool, ap_ht_time(r->pool, c->started, "%Y-%m-%dT%H:%M:%SZ", 1)),
                   c->runtime_started ? "true" : "false");
        json_counters(r, &c->counters);
        ap_rputs("}", r);
    }
    ap_rputs("],\"daemon_processes\":[", r);
    for (i = 0; i < s->ndaemons; i++) {
        const dotnet_daemon_figures *f = &s->daemons[i];
        ap_rprintf(r, "%s{\"group\":%s,\"index\":%u,\"pid\":%u,\"started\":%s,\"requests\":%"
                   APR_UINT64_T_FMT ",\"restarts\":%u}", i ? "," : "", json_string(r->pool, f->group),
                   f->index, f->pid,
                   f->pid ? json_string(r->pool, ap_ht_time(r->pool, f->started, "%Y-%m-%dT%H:%M:%SZ", 1)) : "null",
                   f->requests, f->restarts);
    }
    ap_rprintf(r, "],\"this_child\":{\"pid\":%d,\"runtime_started\":%s,\"detail\":",
               (int)getpid(), dotnet_runtime_started() ? "true" : "false");
    detail = host_detail(r, FORM_JSON);
    ap_rputs(detail ? detail : "null", r);
    ap_rputs("}}\n", r);
}

/* ------------------------------------------------------------------ ?auto */

/* "authn" -> "Authn", for keys in mod_status's style. */
static const char *capitalized(apr_pool_t *p, const char *s)
{
    char *c = apr_pstrdup(p, s);
    c[0] = (char)apr_toupper(c[0]);
    return c;
}

static void auto_counters(request_rec *r, const char *prefix, const dotnet_counters *c)
{
    static const char *const event_keys[DOTNET_EVENT_COUNT] = {
        "Exceptions", "Reloads", "Loads", "CompileErrors", "Timeouts"
    };
    int ph, o, e;

    for (ph = 0; ph < DOTNET_PHASE_COUNT; ph++) {
        const dotnet_phase_counters *pc = &c->phases[ph];
        const char *name = capitalized(r->pool, dotnet_phase_names[ph]);

        ap_rprintf(r, "%s%sCalls: %" APR_UINT64_T_FMT "\n", prefix, name, pc->calls);
        for (o = 0; o < DOTNET_OUTCOME_COUNT; o++) {
            ap_rprintf(r, "%s%s%s: %" APR_UINT64_T_FMT "\n", prefix, name,
                       capitalized(r->pool, dotnet_outcome_names[o]), pc->outcomes[o]);
        }
        ap_rprintf(r, "%s%sTotalMicroseconds: %" APR_UINT64_T_FMT "\n", prefix, name, pc->total_us);
        ap_rprintf(r, "%s%sP50Microseconds: %" APR_INT64_T_FMT "\n%s%sP90Microseconds: %" APR_INT64_T_FMT
                   "\n%s%sP99Microseconds: %" APR_INT64_T_FMT "\n",
                   prefix, name, pct(pc, 0.5), prefix, name, pct(pc, 0.9), prefix, name, pct(pc, 0.99));
    }
    for (e = 0; e < DOTNET_EVENT_COUNT; e++) {
        ap_rprintf(r, "%s%s: %" APR_UINT64_T_FMT "\n", prefix, event_keys[e], c->events[e]);
    }
}

static void render_auto(request_rec *r, const dotnet_status_snapshot *s, int counting)
{
    const char *detail;
    int generation = 0, i;

    ap_mpm_query(AP_MPMQ_GENERATION, &generation);
    ap_set_content_type(r, "text/plain; charset=utf-8");
    ap_rprintf(r, "ModuleVersion: %s\nServerMPM: %s\nServerGeneration: %d\nCounting: %s\n",
               DOTNET_MODULE_VERSION, mpm_name(), generation, counting ? "On" : "Off");
    ap_rprintf(r, "Children: %d\nExitedChildren: %" APR_UINT64_T_FMT "\n", s->nchildren, s->exited_children);
    ap_rputs("ChildPids:", r);
    for (i = 0; i < s->nchildren; i++) {
        ap_rprintf(r, " %d", (int)s->children[i].pid);
    }
    ap_rputs("\n", r);
    auto_counters(r, "Total", &s->total);
    ap_rprintf(r, "DaemonProcesses: %d\n", s->ndaemons);
    for (i = 0; i < s->ndaemons; i++) {
        const dotnet_daemon_figures *f = &s->daemons[i];
        /* group index pid requests restarts, one line per daemon process */
        ap_rprintf(r, "Daemon: %s %u %u %" APR_UINT64_T_FMT " %u\n", f->group, f->index, f->pid,
                   f->requests, f->restarts);
    }
    ap_rprintf(r, "ThisChildPid: %d\nThisChildRuntimeStarted: %s\n", (int)getpid(),
               dotnet_runtime_started() ? "Yes" : "No");
    detail = host_detail(r, FORM_AUTO);
    if (detail) {
        ap_rputs(detail, r);
    }
}

/* ------------------------------------------------------------------ HTML */

static void html_phase_row(request_rec *r, const char *label, const dotnet_phase_counters *c)
{
    int o;

    ap_rprintf(r, "<tr><th>%s</th><td>%" APR_UINT64_T_FMT "</td>", label, c->calls);
    for (o = 0; o < DOTNET_OUTCOME_COUNT; o++) {
        ap_rprintf(r, "<td>%" APR_UINT64_T_FMT "</td>", c->outcomes[o]);
    }
    ap_rprintf(r, "<td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
               c->calls ? duration_text(r->pool, c->total_us / c->calls) : "-",
               pct_text(r->pool, c, 0.5), pct_text(r->pool, c, 0.9), pct_text(r->pool, c, 0.99));
}

static void html_histogram(request_rec *r, const dotnet_phase_counters *c)
{
    int b;

    ap_rputs("<table class=\"histogram\"><tr><th>&le;</th>", r);
    for (b = 0; b < DOTNET_LATENCY_BUCKETS - 1; b++) {
        ap_rprintf(r, "<th>%s</th>", duration_text(r->pool, dotnet_latency_bounds_us[b]));
    }
    ap_rputs("<th>more</th></tr><tr><td>calls</td>", r);
    for (b = 0; b < DOTNET_LATENCY_BUCKETS; b++) {
        ap_rprintf(r, "<td>%" APR_UINT64_T_FMT "</td>", c->latency[b]);
    }
    ap_rputs("</tr></table>\n", r);
}

static void render_html(request_rec *r, const dotnet_status_snapshot *s, int counting)
{
    const char *root, *cache, *restrict_stdout, *detail;
    int rounds, i, ph, e, generation = 0;

    settings(&root, &cache, &restrict_stdout, &rounds);
    ap_mpm_query(AP_MPMQ_GENERATION, &generation);
    ap_set_content_type(r, "text/html; charset=utf-8");
    ap_rputs(DOCTYPE_HTML_4_01 "<html><head><title>mod_dotnet status</title>\n"
             "<style>body{font-family:sans-serif}table{border-collapse:collapse;margin-bottom:1em}"
             "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}th{background:#eee}"
             ".note{color:#555}</style></head><body>\n", r);
    ap_rprintf(r, "<h1>mod_dotnet status for %s</h1>\n", ap_escape_html(r->pool, ap_get_server_name(r)));
    ap_rprintf(r, "<dl><dt>Module version</dt><dd>%s (bridge ABI %d)</dd><dt>MPM</dt><dd>%s</dd>"
               "<dt>Server generation</dt><dd>%d</dd><dt>Current time</dt><dd>%s</dd>"
               "<dt>Counting since</dt><dd>%s</dd></dl>\n",
               DOTNET_MODULE_VERSION, AH_ABI_VERSION, mpm_name(), generation,
               ap_ht_time(r->pool, apr_time_now(), TIME_FORMAT, 0),
               counting ? ap_ht_time(r->pool, s->created, TIME_FORMAT, 0)
                        : "counting is off (DOTNET0243 in the error log)");
    ap_rprintf(r, "<h2>Settings</h2><table><tr><th>DotNetRuntimeRoot</th><td>%s</td></tr>"
               "<tr><th>DotNetScriptCache</th><td>%s</td></tr><tr><th>DotNetRestrictStdout</th><td>%s</td></tr>"
               "<tr><th>DotNetAuthnCacheHashRounds</th><td>%d</td></tr></table>\n",
               *root ? ap_escape_html(r->pool, root) : "(found by nethost)",
               *cache ? ap_escape_html(r->pool, cache) : "(off)", restrict_stdout, rounds);

    ap_rprintf(r, "<h2>All children</h2><p>%d running, %" APR_UINT64_T_FMT
               " exited since counting began (their figures are included).</p>\n",
               s->nchildren, s->exited_children);
    ap_rputs("<table><tr><th>phase</th><th>calls</th><th>granted</th><th>denied</th><th>declined</th>"
             "<th>errors</th><th>mean</th><th>p50</th><th>p90</th><th>p99</th></tr>\n", r);
    for (ph = 0; ph < DOTNET_PHASE_COUNT; ph++) {
        html_phase_row(r, phase_title((dotnet_phase)ph), &s->total.phases[ph]);
    }
    ap_rputs("</table>\n<table><tr>", r);
    for (e = 0; e < DOTNET_EVENT_COUNT; e++) {
        ap_rprintf(r, "<th>%s</th>", dotnet_event_names[e]);
    }
    ap_rputs("</tr><tr>", r);
    for (e = 0; e < DOTNET_EVENT_COUNT; e++) {
        ap_rprintf(r, "<td>%" APR_UINT64_T_FMT "</td>", s->total.events[e]);
    }
    ap_rputs("</tr></table>\n<h3>Latency, all children</h3>\n", r);
    for (ph = 0; ph < DOTNET_PHASE_COUNT; ph++) {
        if (s->total.phases[ph].calls) {
            ap_rprintf(r, "<p>%s</p>\n", phase_title((dotnet_phase)ph));
            html_histogram(r, &s->total.phases[ph]);
        }
    }

    ap_rputs("<h2>Per child</h2><table><tr><th>pid</th><th>generation</th><th>started</th><th>runtime</th>", r);
    for (ph = 0; ph < DOTNET_PHASE_COUNT; ph++) {
        ap_rprintf(r, "<th>%s calls</th><th>%s errors</th>", dotnet_phase_names[ph], dotnet_phase_names[ph]);
    }
    ap_rputs("<th>exceptions</th><th>reloads</th></tr>\n", r);
    for (i = 0; i < s->nchildren; i++) {
        const dotnet_child_figures *c = &s->children[i];
        ap_rprintf(r, "<tr><td>%d%s</td><td>%d</td><td>%s</td><td>%s</td>", (int)c->pid,
                   c->pid == getpid() ? " (this one)" : "", c->generation,
                   ap_ht_time(r->pool, c->started, TIME_FORMAT, 0), c->runtime_started ? "started" : "-");
        for (ph = 0; ph < DOTNET_PHASE_COUNT; ph++) {
            ap_rprintf(r, "<td>%" APR_UINT64_T_FMT "</td><td>%" APR_UINT64_T_FMT "</td>",
                       c->counters.phases[ph].calls, c->counters.phases[ph].outcomes[DOTNET_OUTCOME_ERROR]);
        }
        ap_rprintf(r, "<td>%" APR_UINT64_T_FMT "</td><td>%" APR_UINT64_T_FMT "</td></tr>\n",
                   c->counters.events[DOTNET_EVENT_EXCEPTION], c->counters.events[DOTNET_EVENT_RELOAD]);
    }
    ap_rputs("</table>\n<h2>Daemon process groups</h2>\n", r);
    if (s->ndaemons == 0) {
        ap_rputs("<p class=\"note\">None (no DotNetDaemonProcess).</p>\n", r);
    }
    else {
        ap_rputs("<table><tr><th>group</th><th>process</th><th>pid</th><th>started</th><th>requests</th>"
                 "<th>restarts</th></tr>\n", r);
        for (i = 0; i < s->ndaemons; i++) {
            const dotnet_daemon_figures *f = &s->daemons[i];
            ap_rprintf(r, "<tr><td>%s</td><td>%u</td><td>%s</td><td>%s</td><td>%" APR_UINT64_T_FMT
                       "</td><td>%u</td></tr>\n", ap_escape_html(r->pool, f->group), f->index,
                       f->pid ? apr_psprintf(r->pool, "%u", f->pid) : "(restarting)",
                       f->pid ? ap_ht_time(r->pool, f->started, TIME_FORMAT, 0) : "-", f->requests, f->restarts);
        }
        ap_rputs("</table>\n", r);
    }

    ap_rprintf(r, "<h2>This child (pid %d), which answered this request</h2>\n", (int)getpid());
    detail = host_detail(r, FORM_HTML);
    if (detail) {
        ap_rputs(detail, r);
    }
    else {
        ap_rputs("<p class=\"note\">The .NET runtime has not started in this child (it starts on "
                 "first use, or at child start for preloaded apps); reload to ask another child.</p>\n", r);
    }
    ap_rputs("</body></html>\n", r);
}

int dotnet_status_handler(request_rec *r)
{
    dotnet_status_snapshot snapshot;
    int counting;
    form f;

    if (r->handler == NULL || strcmp(r->handler, DOTNET_STATUS_HANDLER_NAME) != 0) {
        return DECLINED;
    }
    r->allowed = (AP_METHOD_BIT << M_GET);
    if (r->method_number != M_GET) {
        return HTTP_METHOD_NOT_ALLOWED;
    }
    f = form_of(r);
    counting = dotnet_status_read(r->pool, &snapshot);
    /* A monitoring tool must never see yesterday's figures from a cache. */
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    if (r->header_only) {
        ap_set_content_type(r, f == FORM_JSON ? "application/json"
                               : f == FORM_AUTO ? "text/plain; charset=utf-8" : "text/html; charset=utf-8");
        return OK;
    }
    switch (f) {
    case FORM_JSON:
        render_json(r, &snapshot, counting);
        break;
    case FORM_AUTO:
        render_auto(r, &snapshot, counting);
        break;
    default:
        render_html(r, &snapshot, counting);
        break;
    }
    return OK;
}
