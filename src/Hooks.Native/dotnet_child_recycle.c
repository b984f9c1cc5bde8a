/*
 * Replacing a child gracefully when the host asks (ah_recycle_fn): hooks stuck past their
 * deadline each hold a thread of their own, and a child that has collected too many is better
 * replaced than kept.
 *
 * prefork: the child sends itself AP_SIG_GRACEFUL, which prefork's children take as "finish
 * this request, then exit" (stop_listening); the parent starts a replacement.
 * Threaded MPMs (event, worker) give a child no way to stop only itself from a module (their
 * graceful stop is a static of the MPM, reached through the pipe of death of a whole bucket), so
 * the child asks the parent for a graceful restart: every child finishes what it is serving and
 * is replaced. The requests being served are never cut.
 */
#include <signal.h>
#include <unistd.h>
#include "httpd.h"
#include "http_main.h"
#include "ap_mpm.h"
#include "mpm_common.h"
#include "apr_atomic.h"
#include "mod_dotnet.h"
#include "dotnet_log.h"
#include "dotnet_host_callbacks.h"

APLOG_USE_MODULE(dotnet);

static volatile apr_uint32_t recycling;

int32_t dotnet_worker_threads(void)
{
    int threads = 1;

    if (ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads) != APR_SUCCESS || threads < 1) {
        threads = 1;
    }
    return (int32_t)threads;
}

void dotnet_recycle_from_host(int32_t code, const char *reason)
{
    int threaded = 0;

    if (apr_atomic_cas32(&recycling, 1, 0) != 0) {
        return;
    }
    ap_mpm_query(AP_MPMQ_IS_THREADED, &threaded);
    DOTNET_SLOG(APLOG_CRIT, 0, ap_server_conf, code, "%s; %s", reason ? reason : "recycling",
                threaded != AP_MPMQ_NOT_SUPPORTED
                    ? "asking the parent for a graceful restart (a threaded MPM cannot stop one child alone)"
                    : "this child exits gracefully after its current request");
    if (threaded != AP_MPMQ_NOT_SUPPORTED) {
        kill(getppid(), AP_SIG_GRACEFUL);
    }
    else {
        kill(getpid(), AP_SIG_GRACEFUL);
    }
}
