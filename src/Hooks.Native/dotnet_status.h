/*
 * The counters behind SetHandler dotnet-status: calls, outcomes, latency and host events per
 * phase, kept per child in shared memory the parent makes (as Apache's scoreboard is), so any
 * child can show every child's figures and their sums. dotnet_status_shm.c owns the memory and
 * the counting; dotnet_status_page.c renders it (HTML, ?json, ?auto).
 *
 * Counting is lock-free (atomic adds on the child's own slot); a child claims a slot in
 * child_init and folds its figures into the "exited children" totals when it exits, so sums
 * cover the children that were replaced too. A child that died without its cleanup (a crash,
 * SIGKILL) is folded by the next child that finds its slot.
 */
#ifndef DOTNET_STATUS_H
#define DOTNET_STATUS_H

#include "httpd.h"
#include "apr_time.h"

typedef enum {
    DOTNET_PHASE_AUTHN,     /* AuthBasicProvider / AuthDigestProvider dotnet */
    DOTNET_PHASE_AUTHZ,     /* Require dotnet-group */
    DOTNET_PHASE_ACCESS,    /* DotNetAccessScript */
    DOTNET_PHASE_HANDLER,   /* the gateway */
    DOTNET_PHASE_COUNT
} dotnet_phase;

/* The authn "not found" and the access "decline" are both "declined" (another provider or module
   decides); for the handler, "granted" is a response the app produced and "denied" a 4xx status
   the gateway answered for it. */
typedef enum {
    DOTNET_OUTCOME_GRANTED,
    DOTNET_OUTCOME_DENIED,
    DOTNET_OUTCOME_DECLINED,
    DOTNET_OUTCOME_ERROR,
    DOTNET_OUTCOME_COUNT
} dotnet_outcome;

/* Host events: loads and reloads counted from the codes the host logs them with
   (dotnet_host_log.c), the others from the error code of each failed call (one per call, where
   the log may hold several lines for one exception). */
typedef enum {
    DOTNET_EVENT_EXCEPTION,    /* DOTNET0203, DOTNET0233 */
    DOTNET_EVENT_RELOAD,       /* DOTNET0215, DOTNET0237 */
    DOTNET_EVENT_LOAD,         /* DOTNET0217, DOTNET0236 */
    DOTNET_EVENT_COMPILE_ERROR,/* DOTNET0201 */
    DOTNET_EVENT_TIMEOUT,      /* DOTNET0206 */
    DOTNET_EVENT_COUNT
} dotnet_event;

/* Latency buckets: upper bounds in microseconds; the last bucket is everything slower. */
#define DOTNET_LATENCY_BUCKETS 20
extern const apr_uint64_t dotnet_latency_bounds_us[DOTNET_LATENCY_BUCKETS - 1];

typedef struct {
    apr_uint64_t calls;
    apr_uint64_t outcomes[DOTNET_OUTCOME_COUNT];
    apr_uint64_t latency[DOTNET_LATENCY_BUCKETS];
    apr_uint64_t total_us;
} dotnet_phase_counters;

typedef struct {
    dotnet_phase_counters phases[DOTNET_PHASE_COUNT];
    apr_uint64_t events[DOTNET_EVENT_COUNT];
} dotnet_counters;

/* One daemon process of a DotNetDaemonProcess group, kept by the parent (pid, start, restarts)
   and by the daemon itself (requests), which shares the memory since it is forked from the
   parent. */
#define DOTNET_STATUS_DAEMON_SLOTS 128
typedef struct {
    char group[64];            /* "" = unused */
    apr_uint32_t index;        /* 1..processes */
    apr_uint32_t pid;          /* 0 = not running */
    apr_uint32_t restarts;
    apr_uint32_t padding;
    apr_time_t started;
    apr_uint64_t requests;
} dotnet_daemon_figures;

/* A copy of one child's slot, read for the page. */
typedef struct {
    pid_t pid;
    int generation;
    apr_time_t started;
    int runtime_started;
    dotnet_counters counters;
} dotnet_child_figures;

typedef struct {
    apr_time_t created;            /* when the parent made the memory (Apache's first start) */
    apr_uint64_t exited_children;  /* children folded into exited */
    dotnet_counters exited;        /* figures of children that have exited */
    int nchildren;
    dotnet_child_figures *children;
    dotnet_counters total;         /* exited + every live child */
    int ndaemons;
    dotnet_daemon_figures *daemons;
} dotnet_status_snapshot;

/* post_config (parent): makes the memory once per ServerLimit; it outlives restarts, so
   figures survive graceful restarts as the scoreboard's do. OK, or logs DOTNET0243 and counting
   is off (the page then says so). */
int dotnet_status_post_config(server_rec *s);

/* child_init: claims this child's slot and registers the fold at exit on pchild. */
void dotnet_status_child_init(apr_pool_t *pchild);

/* The runtime started in this child (shown per child). */
void dotnet_status_runtime_started(void);

/* One call of a phase, from its start to its outcome. */
void dotnet_status_record(dotnet_phase phase, dotnet_outcome outcome, apr_time_t started);

/* A code the host logged a line with: loads and reloads are counted. */
void dotnet_status_logged_code(int code);

/* The error code of a call that failed: exceptions, compile errors and timeouts are counted. */
void dotnet_status_failed_call(int code);

/* Parent, at each start: forget the daemons of the previous configuration. */
void dotnet_status_daemons_reset(void);
/* Parent: the figures of daemon `index` of `group` (NULL when counting is off or all are taken). */
dotnet_daemon_figures *dotnet_status_daemon(const char *group, int index);

/* Everything, read now into p. 0 when counting is off in this process. */
int dotnet_status_read(apr_pool_t *p, dotnet_status_snapshot *out);

/* The smallest bucket bound below which fraction q (0..1) of the calls fall; 0 when no calls,
   APR_UINT64_MAX when they are in the last (unbounded) bucket. */
apr_uint64_t dotnet_status_percentile_us(const dotnet_phase_counters *c, double q);

extern const char *const dotnet_phase_names[DOTNET_PHASE_COUNT];
extern const char *const dotnet_outcome_names[DOTNET_OUTCOME_COUNT];
extern const char *const dotnet_event_names[DOTNET_EVENT_COUNT];

/* dotnet_status_page.c: SetHandler dotnet-status. */
#define DOTNET_STATUS_HANDLER_NAME "dotnet-status"
int dotnet_status_handler(request_rec *r);

#endif /* DOTNET_STATUS_H */
