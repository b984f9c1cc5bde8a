/*
 * Replacing a child gracefully when the host asks (ah_recycle_fn): hooks stuck past their
 * deadline each hold a thread of their own, and an app generation that does not unload holds
 * its memory; a child with too many of either is better replaced than kept.
 *
 * prefork: the child sends itself AP_SIG_GRACEFUL, which prefork's children take as "finish
 * this request, then exit" (stop_listening); the parent starts a replacement.
 *
 * Threaded MPMs (event, worker) give a module no way to stop one child (their graceful stop is
 * a static of the MPM, reached through the pipe of death of a whole bucket), so the child asks
 * the parent for a graceful restart: every child finishes what it is serving and is replaced.
 * The child cannot signal the parent (it runs as User, the parent as root: EPERM), so it writes
 * one byte into a pipe the parent made; the parent's monitor hook (run about every 10 s by the
 * MPM's maintenance loop) reads it and restarts gracefully. The requests being served are never
 * cut.
 */
#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include "httpd.h"
#include "http_main.h"
#include "ap_mpm.h"
#include "mpm_common.h"
#include "apr_atomic.h"
#include "apr_file_io.h"
#include "mod_dotnet.h"
#include "dotnet_log.h"
#include "dotnet_host_callbacks.h"

APLOG_USE_MODULE(dotnet);

/* The pipe lives in the process pool: the module's statics are reset each time Apache reloads
   its modules (at start and every restart), the pipe must outlive that and stay the same one
   children of the previous generation write to. */
#define RECYCLE_PIPE_KEY "mod_dotnet.recycle_pipe"

typedef struct {
    apr_file_t *read_end;
    apr_file_t *write_end;
} recycle_pipe_t;

static recycle_pipe_t *recycle_pipe;
static volatile apr_uint32_t recycling;

int32_t dotnet_worker_threads(void)
{
    int threads = 1;

    if (ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads) != APR_SUCCESS || threads < 1) {
        threads = 1;
    }
    return (int32_t)threads;
}

int dotnet_child_recycle_post_config(server_rec *s)
{
    apr_pool_t *process_pool = s->process->pool;
    void *stored = NULL;
    apr_status_t rv;

    apr_pool_userdata_get(&stored, RECYCLE_PIPE_KEY, process_pool);
    if (stored == NULL) {
        recycle_pipe_t *made = apr_pcalloc(process_pool, sizeof(*made));

        rv = apr_file_pipe_create_ex(&made->read_end, &made->write_end, APR_FULL_NONBLOCK, process_pool);
        if (rv != APR_SUCCESS) {
            DOTNET_SLOG(APLOG_ERR, rv, s, DOTNET_CHILD_REPLACEMENT,
                        "cannot create the pipe children use to ask for a graceful restart");
            return OK; /* prefork does not need it; threaded MPMs then log that they cannot ask */
        }
        apr_pool_userdata_set(made, RECYCLE_PIPE_KEY, apr_pool_cleanup_null, process_pool);
        stored = made;
    }
    recycle_pipe = stored;
    return OK;
}

int dotnet_child_recycle_monitor(apr_pool_t *p, server_rec *s)
{
    char buffer[64];
    apr_size_t length = sizeof(buffer);
    int asked = 0;

    (void)p;
    if (recycle_pipe == NULL) {
        return DECLINED;
    }
    while (apr_file_read(recycle_pipe->read_end, buffer, &length) == APR_SUCCESS && length > 0) {
        asked = 1;
        length = sizeof(buffer);
    }
    if (asked) {
        DOTNET_SLOG(APLOG_NOTICE, 0, s, DOTNET_CHILD_REPLACEMENT,
                    "a child asked to be replaced; restarting gracefully");
        kill(getpid(), AP_SIG_GRACEFUL);
    }
    return DECLINED;
}

void dotnet_recycle_from_host(int32_t code, const char *reason)
{
    int threaded = 0;

    if (apr_atomic_cas32(&recycling, 1, 0) != 0) {
        return;
    }
    ap_mpm_query(AP_MPMQ_IS_THREADED, &threaded);
    if (threaded == AP_MPMQ_NOT_SUPPORTED) {
        DOTNET_SLOG(APLOG_CRIT, 0, ap_server_conf, code, "%s; this child exits gracefully after its current request",
                    reason ? reason : "recycling");
        kill(getpid(), AP_SIG_GRACEFUL);
        return;
    }
    if (recycle_pipe != NULL) {
        apr_size_t one = 1;
        apr_status_t rv = apr_file_write(recycle_pipe->write_end, "r", &one);

        /* A full pipe means restarts are already asked for. */
        if (rv == APR_SUCCESS || APR_STATUS_IS_EAGAIN(rv)) {
            DOTNET_SLOG(APLOG_CRIT, 0, ap_server_conf, code,
                        "%s; asking the parent for a graceful restart (a threaded MPM cannot stop one child alone)",
                        reason ? reason : "recycling");
            return;
        }
    }
    DOTNET_SLOG(APLOG_CRIT, 0, ap_server_conf, code,
                "%s; this child cannot ask the parent for a restart: restart Apache gracefully",
                reason ? reason : "recycling");
}
