/*
 * DotNetAccessScript: the script's AllowAccess(request, host) in the access-checker phase,
 * where mod_wsgi runs WSGIAccessScript. true -> OK, false -> 403 (DOTNET0207),
 * null -> DECLINED (other modules decide). Sub-requests with the same configuration are
 * not re-checked: Apache skips the phase for them.
 */
#include "httpd.h"
#include "http_core.h"
#include "mod_dotnet.h"
#include "dotnet_call.h"
#include "dotnet_log.h"
#include "dotnet_status.h"

APLOG_USE_MODULE(dotnet);

static int access_check(request_rec *r, const dotnet_script *script)
{
    const char *host;
    dotnet_call c;
    int32_t rc;

    /* The client's name if HostnameLookups found one, else its address. */
    host = ap_get_useragent_host(r, REMOTE_HOST, NULL);
    if (host == NULL) {
        host = r->useragent_ip;
    }

    if (dotnet_call_begin(&c, r, script) != OK) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    rc = c.host->allow_access(&c.call, host ? host : "", &c.result);
    dotnet_call_finish(&c, rc);
    if (!c.ok) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    switch (c.result.outcome) {
    case AH_ACCESS_ALLOW:
        return OK;
    case AH_ACCESS_DECLINE:
        return DECLINED;
    case AH_ACCESS_DENY:
        DOTNET_RLOG(APLOG_ERR, 0, r, DOTNET_ACCESS_DENIED,
                    "client %s denied by access script %s", host ? host : "-", script->path);
        return HTTP_FORBIDDEN;
    default:
        DOTNET_RLOG(APLOG_ERR, 0, r, DOTNET_INVALID_RESULT,
                    "%s: the host returned unknown outcome %d for AllowAccess", script->path,
                    (int)c.result.outcome);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
}

int dotnet_access_check(request_rec *r)
{
    const dotnet_script *script = dotnet_dir_config(r)->access;
    apr_time_t started;
    int status;

    if (script == NULL) {
        return DECLINED;
    }
    started = apr_time_now();
    status = access_check(r, script);
    dotnet_status_record(DOTNET_PHASE_ACCESS,
                         status == OK ? DOTNET_OUTCOME_GRANTED
                         : status == DECLINED ? DOTNET_OUTCOME_DECLINED
                         : status == HTTP_FORBIDDEN ? DOTNET_OUTCOME_DENIED : DOTNET_OUTCOME_ERROR,
                         started);
    return status;
}
