/*
 * The log function the host writes through (ah_log_fn): request lines only on the request's
 * worker while its call is in flight (the host queues the rest), server lines from anywhere.
 */
#include "httpd.h"
#include "http_main.h"
#include "mod_dotnet.h"
#include "dotnet_log.h"
#include "dotnet_host_callbacks.h"
#include "dotnet_status.h"

APLOG_USE_MODULE(dotnet);

void dotnet_log_from_host(void *ctx, int32_t level, int32_t code, const char *message)
{
    int lvl = level < APLOG_EMERG ? APLOG_EMERG : level > APLOG_TRACE8 ? APLOG_TRACE8 : (int)level;

    /* Loads and reloads are counted from the codes the host logs them with (whatever LogLevel
       lets through), so the status page needs no second channel for them. */
    dotnet_status_logged_code(code);
    if (message == NULL) {
        message = "";
    }
    if (ctx != NULL) {
        /* Only ever on the request's worker thread while its call is in flight (the ABI). */
        DOTNET_RLOG(lvl, 0, (request_rec *)ctx, code, "%s", message);
    }
    else {
        DOTNET_SLOG(lvl, 0, ap_server_conf, code, "%s", message);
    }
}
