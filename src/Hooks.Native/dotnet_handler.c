/*
 * The handler phase: SetHandler dotnet-script and DotNetScriptAlias requests served by a managed
 * app (managed twin: src/Hooks.Host/Gateway/HandlerPhase.cs). Which files are apps follows
 * mod_wsgi's wsgi-script: code runs only where Options ExecCGI is on (an alias is the
 * administrator's explicit grant, as ScriptAlias is for CGI); a .cs file is a script app, a .dll
 * one only with its .runtimeconfig.json beside it, anything else (dependencies, settings, .pdb)
 * is 404. The host runs the app inline on this worker and does its I/O through dotnet_app_io.c.
 */
#include <stdlib.h>
#include <string.h>
#include "httpd.h"
#include "apr_strings.h"
#include "http_core.h"
#include "http_protocol.h"
#include "http_request.h"
#include "ap_listen.h"
#include "mod_dotnet.h"
#include "dotnet_config.h"
#include "dotnet_gateway.h"
#include "dotnet_runtime.h"
#include "dotnet_log.h"
#include "dotnet_status.h"
#include "dotnet_daemon.h"

APLOG_USE_MODULE(dotnet);

static int ends_with(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && strcasecmp(s + ls - lx, suffix) == 0;
}

/* 0 when r->filename is an app; else the status to answer (logged). */
static int check_app_file(request_rec *r, int by_alias)
{
    if (!by_alias && !(ap_allow_options(r) & OPT_EXECCGI)) {
        DOTNET_RLOG(APLOG_ERR, 0, r, DOTNET_APP_EXECCGI_OFF,
                    "Options ExecCGI is off in this directory: %s", r->filename);
        return HTTP_FORBIDDEN;
    }
    if (r->finfo.filetype != APR_REG) {
        DOTNET_RLOG(APLOG_INFO, 0, r, DOTNET_APP_NOT_FOUND, "%s: %s", r->filename,
                    r->finfo.filetype == APR_NOFILE ? "no such application file" : "not a file");
        return HTTP_NOT_FOUND;
    }
    if (ends_with(r->filename, ".cs")) {
        return 0;
    }
    if (ends_with(r->filename, ".dll")) {
        apr_finfo_t finfo;
        const char *config = apr_pstrcat(r->pool, apr_pstrmemdup(r->pool, r->filename,
                                         strlen(r->filename) - 4), ".runtimeconfig.json", NULL);
        if (apr_stat(&finfo, config, APR_FINFO_TYPE, r->pool) == APR_SUCCESS && finfo.filetype == APR_REG) {
            return 0;
        }
        DOTNET_RLOG(APLOG_INFO, 0, r, DOTNET_APP_NOT_FOUND,
                    "%s is not an application (no %s beside it): a dependency is never served",
                    r->filename, config);
        return HTTP_NOT_FOUND;
    }
    DOTNET_RLOG(APLOG_INFO, 0, r, DOTNET_APP_NOT_FOUND,
                "%s is neither a .cs script app nor an application .dll", r->filename);
    return HTTP_NOT_FOUND;
}

/* The port a virtual host is configured for (its first address, else its ServerName's, else the
   first Listen), so that every listener of one host reaches one app with one key ring. */
static unsigned configured_port(const server_rec *s)
{
    if (s->is_virtual && s->addrs != NULL && s->addrs->host_port != 0) {
        return s->addrs->host_port;
    }
    if (s->port != 0) {
        return s->port;
    }
    if (ap_listeners != NULL && ap_listeners->bind_addr != NULL) {
        return ap_listeners->bind_addr->port;
    }
    return 0;
}

const char *dotnet_app_key(apr_pool_t *p, const server_rec *s, const char *alias_or_file)
{
    return apr_psprintf(p, "%s:%u|%s", s->server_hostname ? s->server_hostname : "",
                        configured_port(s), alias_or_file);
}

/* SCRIPT_NAME: the URL up to the app file, as ap_add_cgi_vars splits it. */
static const char *script_name(request_rec *r)
{
    const char *uri = r->uri ? r->uri : "";
    const char *path_info = r->path_info ? r->path_info : "";
    size_t ulen = strlen(uri), plen = strlen(path_info);

    if (plen > 0 && plen <= ulen && strcmp(uri + ulen - plen, path_info) == 0) {
        return apr_pstrmemdup(r->pool, uri, ulen - plen);
    }
    return uri;
}

/* *cut: the response had started when the app failed, and the connection was cut. */
static int serve(request_rec *r, int *cut);

int dotnet_handler(request_rec *r)
{
    apr_time_t started;
    int status, cut = 0;

    if (r->handler == NULL || strcmp(r->handler, DOTNET_HANDLER_NAME) != 0) {
        return DECLINED;
    }
    started = apr_time_now();
    status = serve(r, &cut);
    dotnet_status_record(DOTNET_PHASE_HANDLER,
                         cut ? DOTNET_OUTCOME_ERROR
                         : status == OK ? DOTNET_OUTCOME_GRANTED
                         : status >= 400 && status < 500 ? DOTNET_OUTCOME_DENIED : DOTNET_OUTCOME_ERROR,
                         started);
    return status;
}

static int serve(request_rec *r, int *cut)
{
    const dotnet_dir_cfg *d = dotnet_dir_config(r);
    const dotnet_alias_match *m;
    const dotnet_alias *alias;
    const ah_host_exports *host;
    const dotnet_app_group *group;
    dotnet_app_group resource = { DOTNET_GROUP_RESOURCE, NULL };
    ah_app_call call;
    ah_hook_result result;
    const char *name;
    int pass, status;
    int32_t rc;

    m = dotnet_alias_matched(r);
    alias = m ? m->alias : NULL;
    if ((status = check_app_file(r, alias != NULL)) != 0) {
        return status;
    }
    /* A daemon process group: relayed natively; this child never starts .NET for it. */
    {
        const char *pg = alias && alias->has_process_group ? alias->process_group : d->process_group;
        if (pg != NULL && strcmp(pg, "%{GLOBAL}") != 0) {
            dotnet_daemon_group *daemon = dotnet_daemon_group_find(pg);
            const dotnet_app_group *ag = alias && alias->has_app_group ? &alias->app_group
                                         : d->application_group ? &d->application_group_parsed : &resource;
            if (daemon == NULL || daemon->listen_fd < 0) {
                DOTNET_RLOG(APLOG_ERR, 0, r, DOTNET_DAEMON_GROUP_UNKNOWN,
                            "%s: DotNetProcessGroup %s names no running DotNetDaemonProcess group",
                            r->filename, pg);
                return HTTP_INTERNAL_SERVER_ERROR;
            }
            return dotnet_daemon_relay(r, daemon, dotnet_app_group_resolve(r, ag, r->filename),
                                       dotnet_app_key(r->pool, r->server, alias && !alias->regex ? alias->url : r->filename),
                                       alias && alias->pass_authorization != DOTNET_UNSET ? alias->pass_authorization
                                       : d->pass_authorization == 1,
                                       script_name(r), alias != NULL && alias->regex == NULL);
        }
    }
    host = dotnet_runtime_get(r);
    if (host == NULL) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (host->struct_size < (int32_t)sizeof(ah_host_exports) || host->handle_request == NULL) {
        DOTNET_RLOG(APLOG_ERR, 0, r, DOTNET_HOST_INIT_FAILED,
                    "the managed host has no gateway entry point (an older AccessHooks.Host.dll?)");
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    group = alias && alias->has_app_group ? &alias->app_group
            : d->application_group ? &d->application_group_parsed : &resource;
    pass = alias && alias->pass_authorization != DOTNET_UNSET ? alias->pass_authorization
           : d->pass_authorization == 1;
    name = script_name(r);

    memset(&call, 0, sizeof(call));
    call.app_path = r->filename;
    call.application_group = dotnet_app_group_resolve(r, group, r->filename);
    call.process_group = "";
    call.app_key = dotnet_app_key(r->pool, r->server, alias && !alias->regex ? alias->url : r->filename);
    call.check_reload = d->script_reloading != 0;
    call.vars = dotnet_app_vars(r, name, call.application_group, call.process_group, &call.nvars);
    call.headers = dotnet_app_headers(r, pass, &call.nheaders);
    call.log_ctx = r;
    call.io = dotnet_app_io_create(r);
    memset(&result, 0, sizeof(result));

    dotnet_thread_prepare();
    rc = host->handle_request(&call, &result);
    dotnet_signals_guard();
    if (result.text) {
        free(result.text);
    }
    if (result.cache_hash) {
        free(result.cache_hash);
    }

    if (rc != AH_CALL_OK || result.outcome != 0) {
        status = result.outcome >= 400 && result.outcome <= 599 ? result.outcome : HTTP_INTERNAL_SERVER_ERROR;
        if (status >= 500) {
            dotnet_status_failed_call(result.error_code);
        }
        if (!dotnet_app_io_started(call.io)) {
            /* Nothing was sent: Apache's error page (ErrorDocument applies). */
            return status;
        }
        /* The response had started: cut the connection so the client sees it incomplete
           (no final chunk) rather than a response that looks whole; the host logged why. */
        r->connection->keepalive = AP_CONN_CLOSE;
        r->connection->aborted = 1;
        *cut = 1;
        return OK;
    }
    dotnet_app_io_finish(call.io);
    return OK;
}
