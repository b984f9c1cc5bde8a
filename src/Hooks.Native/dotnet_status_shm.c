/*
 * The status counters in shared memory (see dotnet_status.h).
 *
 * Layout: a header (when made, the exited children's figures) and twice ServerLimit slots: a
 * graceful restart can leave the old generation's children running beside a full new one.
 * A slot belongs to the child whose pid it holds; only that child writes its counters (atomic
 * adds, since its threads count concurrently), any child reads them.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include "httpd.h"
#include "http_main.h"
#include "ap_mpm.h"
#include "apr_shm.h"
#include "apr_strings.h"
#include "mod_dotnet.h"
#include "dotnet_status.h"
#include "dotnet_log.h"

APLOG_USE_MODULE(dotnet);

/* Kept in the process pool: the module's statics are reset each time Apache reloads its modules,
   the memory must stay the same one that running children write to. */
#define STATUS_SHM_KEY "mod_dotnet.status_shm"

const apr_uint64_t dotnet_latency_bounds_us[DOTNET_LATENCY_BUCKETS - 1] = {
    10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
    1000000, 2500000, 5000000, 10000000
};

const char *const dotnet_phase_names[DOTNET_PHASE_COUNT] = { "authn", "authz", "access", "handler" };
const char *const dotnet_outcome_names[DOTNET_OUTCOME_COUNT] = { "granted", "denied", "declined", "errors" };
const char *const dotnet_event_names[DOTNET_EVENT_COUNT] = {
    "exceptions", "reloads", "loads", "compile_errors", "timeouts"
};

typedef struct {
    apr_uint32_t pid;          /* 0: free */
    apr_uint32_t generation;
    apr_uint32_t runtime_started;
    apr_uint32_t padding;
    apr_time_t started;
    dotnet_counters counters;
} status_slot;

typedef struct {
    apr_time_t created;
    apr_uint32_t nslots;
    apr_uint32_t padding;
    apr_uint64_t exited_children;
    dotnet_counters exited;
    dotnet_daemon_figures daemons[DOTNET_STATUS_DAEMON_SLOTS];
    status_slot slots[];
} status_memory;

static status_memory *memory;       /* NULL: counting is off */
static status_slot *my_slot;        /* NULL: this process has no slot (the parent, or none free) */

#define COUNTERS_WORDS (sizeof(dotnet_counters) / sizeof(apr_uint64_t))

static void add_counters(dotnet_counters *to, const dotnet_counters *from)
{
    apr_uint64_t *t = (apr_uint64_t *)to;
    const apr_uint64_t *f = (const apr_uint64_t *)from;
    size_t i;

    for (i = 0; i < COUNTERS_WORDS; i++) {
        apr_uint64_t v = __atomic_load_n(&f[i], __ATOMIC_RELAXED);
        if (v != 0) {
            __atomic_fetch_add(&t[i], v, __ATOMIC_RELAXED);
        }
    }
}

static void read_counters(dotnet_counters *to, const dotnet_counters *from)
{
    apr_uint64_t *t = (apr_uint64_t *)to;
    const apr_uint64_t *f = (const apr_uint64_t *)from;
    size_t i;

    for (i = 0; i < COUNTERS_WORDS; i++) {
        t[i] = __atomic_load_n(&f[i], __ATOMIC_RELAXED);
    }
}

/* The slot's figures move to the exited totals; the caller owns the slot. */
static void fold(status_slot *slot)
{
    add_counters(&memory->exited, &slot->counters);
    __atomic_fetch_add(&memory->exited_children, 1, __ATOMIC_RELAXED);
    memset(&slot->counters, 0, sizeof(slot->counters));
}

static int process_gone(apr_uint32_t pid)
{
    return dotnet_process_gone((pid_t)pid);
}

int dotnet_status_post_config(server_rec *s)
{
    apr_pool_t *process_pool = s->process->pool;
    void *stored = NULL;
    int server_limit = 0;
    apr_shm_t *shm;
    apr_size_t size;
    apr_uint32_t nslots;
    apr_status_t rv;

    apr_pool_userdata_get(&stored, STATUS_SHM_KEY, process_pool);
    if (stored != NULL) {
        memory = stored;
        return OK;
    }
    if (ap_mpm_query(AP_MPMQ_HARD_LIMIT_DAEMONS, &server_limit) != APR_SUCCESS || server_limit < 1) {
        server_limit = 16;
    }
    nslots = (apr_uint32_t)server_limit * 2;
    size = sizeof(status_memory) + nslots * sizeof(status_slot);
    rv = apr_shm_create(&shm, size, NULL, process_pool);
    if (rv != APR_SUCCESS) {
        DOTNET_SLOG(APLOG_ERR, rv, s, DOTNET_STATUS_MEMORY,
                    "cannot create %" APR_SIZE_T_FMT " bytes of shared memory for the dotnet-status counters; "
                    "they are off", size);
        return OK;   /* the module works without its counters */
    }
    memory = apr_shm_baseaddr_get(shm);
    memset(memory, 0, size);
    memory->created = apr_time_now();
    memory->nslots = nslots;
    apr_pool_userdata_set(memory, STATUS_SHM_KEY, apr_pool_cleanup_null, process_pool);
    return OK;
}

static apr_status_t release_slot(void *unused)
{
    status_slot *slot = my_slot;

    (void)unused;
    if (slot == NULL) {
        return APR_SUCCESS;
    }
    my_slot = NULL;
    fold(slot);
    __atomic_store_n(&slot->pid, 0, __ATOMIC_RELEASE);
    return APR_SUCCESS;
}

static status_slot *claim(apr_uint32_t me, int reclaim_dead)
{
    apr_uint32_t i;

    for (i = 0; i < memory->nslots; i++) {
        status_slot *slot = &memory->slots[i];
        apr_uint32_t owner = __atomic_load_n(&slot->pid, __ATOMIC_ACQUIRE);

        if (owner == 0 || (reclaim_dead && process_gone(owner))) {
            if (__atomic_compare_exchange_n(&slot->pid, &owner, me, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
                if (owner != 0) {
                    fold(slot);   /* a child that died without its cleanup */
                }
                return slot;
            }
        }
    }
    return NULL;
}

void dotnet_status_child_init(apr_pool_t *pchild)
{
    apr_uint32_t me = (apr_uint32_t)getpid();
    int generation = 0;
    status_slot *slot;

    if (memory == NULL) {
        return;
    }
    slot = claim(me, 0);
    if (slot == NULL) {
        slot = claim(me, 1);
    }
    if (slot == NULL) {
        DOTNET_SLOG(APLOG_WARNING, 0, ap_server_conf, DOTNET_STATUS_MEMORY,
                    "no free dotnet-status slot for this child; its calls are not counted");
        return;
    }
    ap_mpm_query(AP_MPMQ_GENERATION, &generation);
    memset(&slot->counters, 0, sizeof(slot->counters));
    slot->generation = (apr_uint32_t)generation;
    slot->runtime_started = 0;
    slot->started = apr_time_now();
    my_slot = slot;
    apr_pool_cleanup_register(pchild, NULL, release_slot, apr_pool_cleanup_null);
}

void dotnet_status_runtime_started(void)
{
    if (my_slot != NULL) {
        __atomic_store_n(&my_slot->runtime_started, 1, __ATOMIC_RELAXED);
    }
}

static int bucket_of(apr_uint64_t us)
{
    int i;

    for (i = 0; i < DOTNET_LATENCY_BUCKETS - 1; i++) {
        if (us <= dotnet_latency_bounds_us[i]) {
            return i;
        }
    }
    return DOTNET_LATENCY_BUCKETS - 1;
}

void dotnet_status_record(dotnet_phase phase, dotnet_outcome outcome, apr_time_t started)
{
    status_slot *slot = my_slot;
    dotnet_phase_counters *c;
    apr_time_t elapsed;

    if (slot == NULL || phase >= DOTNET_PHASE_COUNT || outcome >= DOTNET_OUTCOME_COUNT) {
        return;
    }
    elapsed = apr_time_now() - started;
    if (elapsed < 0) {
        elapsed = 0;
    }
    c = &slot->counters.phases[phase];
    __atomic_fetch_add(&c->calls, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&c->outcomes[outcome], 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&c->latency[bucket_of((apr_uint64_t)elapsed)], 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&c->total_us, (apr_uint64_t)elapsed, __ATOMIC_RELAXED);
}

static void count_event(dotnet_event event)
{
    status_slot *slot = my_slot;

    if (slot != NULL) {
        __atomic_fetch_add(&slot->counters.events[event], 1, __ATOMIC_RELAXED);
    }
}

void dotnet_status_logged_code(int code)
{
    switch (code) {
    case DOTNET_SCRIPT_RELOADED:
    case DOTNET_APP_RELOADED:
        count_event(DOTNET_EVENT_RELOAD);
        break;
    case DOTNET_SCRIPT_LOADED:
    case DOTNET_APP_STARTED:
        count_event(DOTNET_EVENT_LOAD);
        break;
    default:
        break;
    }
}

void dotnet_status_failed_call(int code)
{
    switch (code) {
    case DOTNET_HOOK_EXCEPTION:
    case DOTNET_APP_EXCEPTION:
        count_event(DOTNET_EVENT_EXCEPTION);
        break;
    case DOTNET_COMPILE_ERROR:
        count_event(DOTNET_EVENT_COMPILE_ERROR);
        break;
    case DOTNET_HOOK_TIMEOUT:
        count_event(DOTNET_EVENT_TIMEOUT);
        break;
    default:
        break;
    }
}

void dotnet_status_daemons_reset(void)
{
    if (memory != NULL) {
        memset(memory->daemons, 0, sizeof(memory->daemons));
    }
}

dotnet_daemon_figures *dotnet_status_daemon(const char *group, int index)
{
    int i;

    if (memory == NULL) {
        return NULL;
    }
    for (i = 0; i < DOTNET_STATUS_DAEMON_SLOTS; i++) {
        dotnet_daemon_figures *f = &memory->daemons[i];
        if (f->group[0] == '\0') {
            apr_cpystrn(f->group, group, sizeof(f->group));
            f->index = (apr_uint32_t)index;
            return f;
        }
        if ((int)f->index == index && strncmp(f->group, group, sizeof(f->group) - 1) == 0) {
            return f;
        }
    }
    return NULL;
}

int dotnet_status_read(apr_pool_t *p, dotnet_status_snapshot *out)
{
    apr_uint32_t i;

    memset(out, 0, sizeof(*out));
    if (memory == NULL) {
        return 0;
    }
    out->created = memory->created;
    out->exited_children = __atomic_load_n(&memory->exited_children, __ATOMIC_RELAXED);
    read_counters(&out->exited, &memory->exited);
    out->children = apr_pcalloc(p, memory->nslots * sizeof(dotnet_child_figures));
    for (i = 0; i < memory->nslots; i++) {
        const status_slot *slot = &memory->slots[i];
        apr_uint32_t pid = __atomic_load_n(&slot->pid, __ATOMIC_ACQUIRE);
        dotnet_child_figures *f;

        if (pid == 0) {
            continue;
        }
        if (process_gone(pid)) {
            /* Died without its cleanup: counted as exited until a new child takes the slot. */
            dotnet_counters dead;
            read_counters(&dead, &slot->counters);
            add_counters(&out->exited, &dead);
            out->exited_children++;
            continue;
        }
        f = &out->children[out->nchildren++];
        f->pid = (pid_t)pid;
        f->generation = (int)slot->generation;
        f->started = slot->started;
        f->runtime_started = (int)__atomic_load_n(&slot->runtime_started, __ATOMIC_RELAXED);
        read_counters(&f->counters, &slot->counters);
    }
    out->daemons = apr_pcalloc(p, sizeof(memory->daemons));
    for (i = 0; i < DOTNET_STATUS_DAEMON_SLOTS; i++) {
        const dotnet_daemon_figures *f = &memory->daemons[i];
        if (f->group[0] != '\0') {
            dotnet_daemon_figures *d = &out->daemons[out->ndaemons++];
            memcpy(d, f, sizeof(*d));
            d->group[sizeof(d->group) - 1] = '\0';
            d->requests = __atomic_load_n(&f->requests, __ATOMIC_RELAXED);
        }
    }
    out->total = out->exited;
    for (i = 0; i < (apr_uint32_t)out->nchildren; i++) {
        add_counters(&out->total, &out->children[i].counters);
    }
    return 1;
}

apr_uint64_t dotnet_status_percentile_us(const dotnet_phase_counters *c, double q)
{
    apr_uint64_t seen = 0, n = 0, target;
    int i;

    /* From the buckets' own sum: calls is read separately and may be a count ahead. */
    for (i = 0; i < DOTNET_LATENCY_BUCKETS; i++) {
        n += c->latency[i];
    }
    if (n == 0) {
        return 0;
    }
    target = (apr_uint64_t)(q * (double)n + 0.999999);
    if (target < 1) {
        target = 1;
    }
    for (i = 0; i < DOTNET_LATENCY_BUCKETS; i++) {
        seen += c->latency[i];
        if (seen >= target) {
            return i < DOTNET_LATENCY_BUCKETS - 1 ? dotnet_latency_bounds_us[i] : APR_UINT64_MAX;
        }
    }
    return APR_UINT64_MAX;
}
