/*
 * The common part of every hook call (see dotnet_call.h).
 */
#include <stdlib.h>
#include "httpd.h"
#include "apr_strings.h"
#include "http_main.h"
#include "mod_dotnet.h"
#include "dotnet_call.h"
#include "dotnet_runtime.h"
#include "dotnet_log.h"
#include "dotnet_status.h"

APLOG_USE_MODULE(dotnet);

int dotnet_call_begin(dotnet_call *c, request_rec *r, const dotnet_script *script)
{
    const dotnet_dir_cfg *d = dotnet_dir_config(r);
    const char *group;

    c->r = r;
    c->ok = 0;
    c->result.outcome = 0;   /* a phase whose 0 means success sets its own default (authz) */
    c->result.error_code = 0;
    c->result.text = NULL;
    c->result.cache_hash = NULL;
    c->cache_hash = NULL;
    c->host = dotnet_runtime_get(r);
    if (c->host == NULL) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    dotnet_thread_prepare();

    group = dotnet_app_group_resolve(r, &script->group, script->path);
    c->call.script_path = script->path;
    c->call.application_group = group;
    c->call.check_reload = d->script_reloading != 0;    /* unset means On */
    c->call.timeout_ms = (d->hook_timeout == DOTNET_UNSET ? DOTNET_DEFAULT_HOOK_TIMEOUT
                                                          : d->hook_timeout) * 1000;
    c->call.vars = dotnet_request_vars(r, group, &c->call.nvars);
    c->call.log_ctx = r;
    return OK;
}

const char *dotnet_call_finish(dotnet_call *c, int32_t rc)
{
    const char *text = NULL;

    dotnet_signals_guard();
    if (c->result.text != NULL) {
        text = apr_pstrdup(c->r->pool, c->result.text);
        free(c->result.text);
        c->result.text = NULL;
    }
    if (c->result.cache_hash != NULL) {
        c->cache_hash = apr_pstrdup(c->r->pool, c->result.cache_hash);
        free(c->result.cache_hash);
        c->result.cache_hash = NULL;
    }
    c->ok = rc == AH_CALL_OK;
    if (!c->ok) {
        if (c->result.error_code == 0) {
            /* The host always names the reason; an error without one is a host bug. */
            c->result.error_code = DOTNET_INTERNAL_ERROR;
            DOTNET_RLOG(APLOG_ERR, 0, c->r, DOTNET_INTERNAL_ERROR,
                        "the managed host failed a call to %s without naming the error",
                        c->call.script_path);
        }
        else {
            dotnet_status_failed_call(c->result.error_code);
            /* The host has logged the details under this code already. */
            DOTNET_RLOG(APLOG_DEBUG, 0, c->r, c->result.error_code, "%s failed (%s)",
                        c->call.script_path, dotnet_error_text(c->result.error_code));
        }
    }
    return text;
}
