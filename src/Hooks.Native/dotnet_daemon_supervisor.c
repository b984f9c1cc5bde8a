/*
 * The parent's side of daemon mode: each group's listening socket and secret, made in
 * post_config before any fork (so Apache's children and the daemons inherit them, and the
 * socket's backlog outlives a daemon's restart), the daemons forked from the parent (which never
 * runs .NET, so forking is safe), and their supervision through APR's "other child" callbacks,
 * which the MPMs call when they reap a process that is not one of theirs.
 *
 * A daemon that dies is started again at once; one that keeps dying within seconds of its start
 * is restarted with a growing delay (up to 30 s, from the monitor hook) instead of in a loop.
 * When Apache stops or restarts hard, the daemons get SIGTERM: they finish the requests they are
 * serving (shutdown-timeout) and exit. A graceful restart retires them instead: the group's
 * socket, secret and daemons live on (in memory of the process pool, which outlives the
 * configuration) while any Apache child of the old generation is still running, so the old
 * children keep reaching the daemons that know their secret; once those children are gone, the
 * old daemons are stopped and the old socket removed (the monitor hook checks about once a
 * second).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "httpd.h"
#include "apr_strings.h"
#include "apr_general.h"
#include "http_main.h"
#include "http_log.h"
#include "ap_mpm.h"
#include "unixd.h"
#include "scoreboard.h"
#include "mod_dotnet.h"
#include "dotnet_daemon.h"
#include "dotnet_config.h"
#include "dotnet_gateway.h"
#include "dotnet_log.h"
#include "dotnet_status.h"

APLOG_USE_MODULE(dotnet);

#define QUICK_DEATH   apr_time_from_sec(5)
#define MAX_BACKOFF_S 30

static apr_pool_t *supervisor_pool;   /* pconf of the running generation */
static int stopping;

/* A group of an ended generation, kept until the Apache children of that generation are gone. */
typedef struct retired_group {
    struct retired_group *next;
    apr_pool_t *pool;
    const char *name;
    const char *socket_path;
    int fd;
    apr_proc_t *daemons;
    int ndaemons;
    pid_t *children;          /* Apache's workers when the generation ended */
    int nchildren;
    apr_time_t stopped_at;    /* 0 while the old children may still use it */
} retired_group;

typedef struct {
    retired_group *head;
} retired_list;

#define RETIRED_KEY "mod_dotnet.daemon_retired"

/* The list lives in the process pool: the module's statics are reset at every restart. */
static retired_list *retired(server_rec *s)
{
    void *list = NULL;
    apr_pool_t *process_pool = s->process->pool;

    apr_pool_userdata_get(&list, RETIRED_KEY, process_pool);
    if (list == NULL) {
        list = apr_pcalloc(process_pool, sizeof(retired_list));
        apr_pool_userdata_set(list, RETIRED_KEY, apr_pool_cleanup_null, process_pool);
    }
    return list;
}

static int alive(pid_t pid)
{
    return !dotnet_process_gone(pid);
}

static void retired_maintenance(int reason, void *data, apr_wait_t status)
{
    apr_proc_t *proc = data;

    (void)status;
    if (reason == APR_OC_REASON_DEATH || reason == APR_OC_REASON_LOST) {
        proc->pid = 0;   /* not restarted: its generation has ended */
        apr_proc_other_child_unregister(proc);
    }
    else if (reason == APR_OC_REASON_RESTART && proc->pid > 0) {
        kill(proc->pid, SIGTERM);   /* Apache stops */
    }
}

static apr_status_t close_socket(void *data)
{
    dotnet_daemon_group *g = data;

    if (g->listen_fd >= 0) {
        close(g->listen_fd);
        g->listen_fd = -1;
    }
    /* Only the parent removes the name, and not when the group lives on retired: a daemon or
       child running this pool's cleanups (at its exit) must not take the socket from the others. */
    if (getpid() == g->parent_pid && !g->retired) {
        unlink(g->socket_path);
    }
    return APR_SUCCESS;
}

static int make_socket(apr_pool_t *pconf, server_rec *s, dotnet_daemon_group *g, const char *prefix,
                       int generation)
{
    struct sockaddr_un addr;
    int fd, flags;

    g->socket_path = apr_psprintf(pconf, "%s/%s.%" APR_PID_T_FMT ".%d.sock", prefix, g->name,
                                  getpid(), generation);
    if (strlen(g->socket_path) >= sizeof(addr.sun_path)) {
        DOTNET_SLOG(APLOG_CRIT, 0, s, DOTNET_DAEMON_START_FAILED,
                    "daemon group '%s': the socket path %s is longer than a UNIX socket allows "
                    "(%d bytes); set a shorter DotNetSocketPrefix", g->name, g->socket_path,
                    (int)sizeof(addr.sun_path) - 1);
        return 0;
    }
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) {
        DOTNET_SLOG(APLOG_CRIT, errno, s, DOTNET_DAEMON_START_FAILED, "daemon group '%s': socket()", g->name);
        return 0;
    }
    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    strcpy(addr.sun_path, g->socket_path);
    unlink(g->socket_path);
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0
        /* Connectable by Apache's children only: they run as User, the daemons accept on the
           descriptor they inherited and need no permission on the name. */
        || chmod(g->socket_path, 0600) != 0
        || (geteuid() == 0 && chown(g->socket_path, ap_unixd_config.user_id, (gid_t)-1) != 0)
        || listen(fd, g->listen_backlog) != 0) {
        DOTNET_SLOG(APLOG_CRIT, errno, s, DOTNET_DAEMON_START_FAILED,
                    "daemon group '%s': cannot listen on %s", g->name, g->socket_path);
        close(fd);
        unlink(g->socket_path);
        return 0;
    }
    /* Non-blocking: each daemon thread polls, then accepts; whoever loses the race sees EAGAIN. */
    flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    g->listen_fd = fd;
    g->parent_pid = getpid();
    apr_pool_cleanup_register(pconf, g, close_socket, apr_pool_cleanup_null);
    return 1;
}

static void start_process(dotnet_daemon_slot *slot);
static int watched_changed(dotnet_daemon_group *g, apr_pool_t *p);
static void roll_step(dotnet_daemon_group *g);

static void maintenance(int reason, void *data, apr_wait_t status)
{
    dotnet_daemon_slot *slot = data;
    dotnet_daemon_group *g = slot->group;
    pid_t pid = slot->proc.pid;

    switch (reason) {
    case APR_OC_REASON_DEATH:
    case APR_OC_REASON_LOST:
        /* pid 0 first: unregistering calls back with UNREGISTER, which must not read as a stop. */
        slot->proc.pid = 0;
        if (slot->figures != NULL) {
            dotnet_daemon_figures *f = slot->figures;
            __atomic_store_n(&f->pid, 0, __ATOMIC_RELEASE);
            if (!stopping && supervisor_pool != NULL) {
                __atomic_fetch_add(&f->restarts, 1, __ATOMIC_RELAXED);
            }
        }
        apr_proc_other_child_unregister(slot);
        if (stopping || supervisor_pool == NULL) {
            return;
        }
        /* status is the exit status or the signal number (Apache decodes the wait status). */
        if (reason == APR_OC_REASON_DEATH && status == DOTNET_DAEMON_EXIT_RECYCLED) {
            /* Replaced on purpose (it logged why): not a failure at start, whatever its age. */
            DOTNET_SLOG(APLOG_NOTICE, 0, ap_server_conf, DOTNET_DAEMON_EXITED,
                        "daemon process %d of group '%s' was recycled; starting another",
                        (int)pid, g->name);
            slot->quick_deaths = 0;
            start_process(slot);
            return;
        }
        else if (reason == APR_OC_REASON_DEATH && status == DOTNET_DAEMON_EXIT_START_FAILED) {
            DOTNET_SLOG(APLOG_ERR, 0, ap_server_conf, DOTNET_DAEMON_EXITED,
                        "daemon process %d of group '%s' could not start (logged above); starting another",
                        (int)pid, g->name);
        }
        else if (reason == APR_OC_REASON_DEATH && status > 0 && status <= 64) {
            DOTNET_SLOG(APLOG_ERR, 0, ap_server_conf, DOTNET_DAEMON_EXITED,
                        "daemon process %d of group '%s' was killed by signal %d (or exited with "
                        "status %d from an app); starting another", (int)pid, g->name, status, status);
        }
        else {
            DOTNET_SLOG(APLOG_NOTICE, 0, ap_server_conf, DOTNET_DAEMON_EXITED,
                        "daemon process %d of group '%s' exited (status %d); starting another",
                        (int)pid, g->name, reason == APR_OC_REASON_DEATH ? status : -1);
        }
        slot->quick_deaths = apr_time_now() - slot->started < QUICK_DEATH ? slot->quick_deaths + 1 : 0;
        if (slot->quick_deaths >= 3) {
            int delay = 1 << (slot->quick_deaths - 3 < 5 ? slot->quick_deaths - 3 : 5);
            if (delay > MAX_BACKOFF_S) {
                delay = MAX_BACKOFF_S;
            }
            slot->restart_at = apr_time_now() + apr_time_from_sec(delay);
            DOTNET_SLOG(APLOG_ERR, 0, ap_server_conf, DOTNET_DAEMON_EXITED,
                        "daemon group '%s' keeps failing at start (%d times in a row); the next "
                        "start is in %d s", g->name, slot->quick_deaths, delay);
            return;
        }
        start_process(slot);
        return;
    case APR_OC_REASON_RESTART:
        /* Apache stops (or restarts hard): this generation's daemons finish and exit. */
        stopping = 1;
        if (pid > 0) {
            kill(pid, SIGTERM);
        }
        return;
    case APR_OC_REASON_UNREGISTER:
        /* pconf is cleared without a stop first: retire_groups took the daemons over (pid 0
           here); a daemon still here was not taken over, so it ends with its generation. */
        if (pid > 0) {
            kill(pid, SIGTERM);
        }
        return;
    default:
        return;
    }
}

static void start_process(dotnet_daemon_slot *slot)
{
    apr_status_t rv;

    int ready[2];

    slot->restart_at = 0;
    slot->started = apr_time_now();
    slot->ready = 0;
    if (slot->ready_fd >= 0) {
        close(slot->ready_fd);
    }
    slot->ready_fd = slot->ready_write_fd = -1;
    /* The daemon writes one byte here once its threads accept: a restart one process at a time
       waits for it before stopping the next. */
    if (pipe2(ready, O_CLOEXEC) == 0) {
        slot->ready_fd = ready[0];
        slot->ready_write_fd = ready[1];
        fcntl(ready[0], F_SETFL, O_NONBLOCK);
    }
    rv = apr_proc_fork(&slot->proc, supervisor_pool);
    if (rv == APR_INCHILD) {
        if (slot->ready_fd >= 0) {
            close(slot->ready_fd);
        }
        dotnet_daemon_main(slot);
    }
    if (slot->ready_write_fd >= 0) {
        close(slot->ready_write_fd);
        slot->ready_write_fd = -1;
    }
    if (rv == APR_INPARENT && slot->figures != NULL) {
        dotnet_daemon_figures *f = slot->figures;
        f->started = slot->started;
        __atomic_store_n(&f->pid, (apr_uint32_t)slot->proc.pid, __ATOMIC_RELEASE);
    }
    if (rv != APR_INPARENT) {
        DOTNET_SLOG(APLOG_ERR, rv, ap_server_conf, DOTNET_DAEMON_START_FAILED,
                    "daemon group '%s': cannot fork process %d; trying again shortly",
                    slot->group->name, slot->index);
        slot->proc.pid = 0;
        slot->restart_at = apr_time_now() + apr_time_from_sec(1);
        return;
    }
    apr_proc_other_child_register(&slot->proc, maintenance, slot, NULL, supervisor_pool);
}

static void retire_step(server_rec *s)
{
    retired_list *list = retired(s);
    retired_group **link = &list->head;
    apr_time_t now = apr_time_now();

    while (*link != NULL) {
        retired_group *r = *link;
        int i, busy = 0;

        if (r->stopped_at == 0) {
            for (i = 0; i < r->nchildren && !busy; i++) {
                busy = alive(r->children[i]);
            }
            if (busy) {
                link = &r->next;
                continue;
            }
            /* No child of that generation is left: nobody can send its secret any more. */
            for (i = 0; i < r->ndaemons; i++) {
                if (r->daemons[i].pid > 0) {
                    kill(r->daemons[i].pid, SIGTERM);
                }
            }
            close(r->fd);
            unlink(r->socket_path);
            r->stopped_at = now;
            DOTNET_SLOG(APLOG_INFO, 0, s, DOTNET_DAEMON_EXITED,
                        "daemon group '%s' of an ended generation: its Apache children are gone; "
                        "its daemons stop and %s is removed", r->name, r->socket_path);
        }
        for (i = 0; i < r->ndaemons; i++) {
            busy |= r->daemons[i].pid > 0 && alive(r->daemons[i].pid);
        }
        if (!busy || now - r->stopped_at > apr_time_from_sec(60)) {
            *link = r->next;
            for (i = 0; i < r->ndaemons; i++) {
                if (r->daemons[i].pid > 0) {
                    apr_proc_other_child_unregister(&r->daemons[i]);
                }
            }
            apr_pool_destroy(r->pool);
            continue;
        }
        link = &r->next;
    }
}

/* A graceful restart clears pconf: the running groups become retired ones instead of ending.
   Registered last in post_config, so it runs first, before the groups' own cleanups. */
static apr_status_t retire_groups(void *data)
{
    server_rec *s = data;
    apr_array_header_t *groups = dotnet_daemon_groups();
    retired_list *list;
    int i, k, n;

    if (stopping || groups == NULL) {
        return APR_SUCCESS;   /* Apache stops: the daemons were told already */
    }
    list = retired(s);
    for (i = 0; i < groups->nelts; i++) {
        dotnet_daemon_group *g = APR_ARRAY_IDX(groups, i, dotnet_daemon_group *);
        retired_group *r;
        apr_pool_t *pool;

        if (g->listen_fd < 0 || g->slots == NULL) {
            continue;
        }
        apr_pool_create(&pool, s->process->pool);
        r = apr_pcalloc(pool, sizeof(*r));
        r->pool = pool;
        r->name = apr_pstrdup(pool, g->name);
        r->socket_path = apr_pstrdup(pool, g->socket_path);
        r->fd = g->listen_fd;
        g->listen_fd = -1;        /* the group's own cleanup must neither close nor unlink it */
        g->retired = 1;
        r->daemons = apr_pcalloc(pool, sizeof(apr_proc_t) * (apr_size_t)g->processes);
        for (k = 0; k < g->processes; k++) {
            if (g->slots[k].proc.pid > 0) {
                r->daemons[r->ndaemons] = g->slots[k].proc;
                /* Taken over: the slot's registration (in pconf) must not stop it. */
                g->slots[k].proc.pid = 0;
                apr_proc_other_child_unregister(&g->slots[k]);
                apr_proc_other_child_register(&r->daemons[r->ndaemons], retired_maintenance,
                                              &r->daemons[r->ndaemons], NULL, pool);
                r->ndaemons++;
            }
        }
        /* The Apache children of this generation: still running after a graceful restart. */
        {
            int server_limit = 0;
            ap_mpm_query(AP_MPMQ_HARD_LIMIT_DAEMONS, &server_limit);
            r->children = apr_pcalloc(pool, sizeof(pid_t) * (apr_size_t)(server_limit > 0 ? server_limit : 1));
            for (n = 0; ap_scoreboard_image && n < server_limit; n++) {
                pid_t pid = ap_scoreboard_image->parent[n].pid;
                if (pid > 0) {
                    r->children[r->nchildren++] = pid;
                }
            }
        }
        r->next = list->head;
        list->head = r;
    }
    return APR_SUCCESS;
}

void dotnet_daemon_close_retired(server_rec *s)
{
    retired_group *r;

    for (r = retired(s)->head; r != NULL; r = r->next) {
        if (r->stopped_at == 0) {
            close(r->fd);
        }
    }
}

void dotnet_daemon_monitor(void)
{
    apr_array_header_t *groups = dotnet_daemon_groups();
    apr_time_t now = apr_time_now();
    int i, k;

    if (ap_server_conf != NULL) {
        retire_step(ap_server_conf);
    }

    if (groups == NULL || supervisor_pool == NULL || stopping) {
        return;
    }
    for (i = 0; i < groups->nelts; i++) {
        dotnet_daemon_group *g = APR_ARRAY_IDX(groups, i, dotnet_daemon_group *);
        if (!g->rolling && g->slots && watched_changed(g, supervisor_pool)) {
            DOTNET_SLOG(APLOG_NOTICE, 0, ap_server_conf, DOTNET_DAEMON_EXITED,
                        "daemon group '%s': an app file changed; restarting its processes one at a time",
                        g->name);
            g->rolling = 1;
            g->roll_index = 0;
            g->roll_old_pid = 0;
        }
        if (g->rolling) {
            roll_step(g);
        }
        for (k = 0; g->slots && k < g->processes; k++) {
            dotnet_daemon_slot *slot = &g->slots[k];
            if (slot->proc.pid == 0 && slot->restart_at != 0 && now >= slot->restart_at) {
                start_process(slot);
            }
        }
    }
}

/* Each group's app files: the targets of the aliases that run in it. */
static void collect_watched(apr_pool_t *pconf, server_rec *main_server)
{
    server_rec *s;
    int i;

    for (s = main_server; s != NULL; s = s->next) {
        const dotnet_server_cfg *cfg = ap_get_module_config(s->module_config, &dotnet_module);
        for (i = 0; cfg->aliases && i < cfg->aliases->nelts; i++) {
            const dotnet_alias *a = APR_ARRAY_IDX(cfg->aliases, i, const dotnet_alias *);
            dotnet_daemon_group *g = a->process_group ? dotnet_daemon_group_find(a->process_group) : NULL;
            dotnet_daemon_watch *w;
            apr_finfo_t finfo;
            int k, seen = 0;

            if (g == NULL || a->regex != NULL) {
                continue;
            }
            if (g->watched == NULL) {
                g->watched = apr_array_make(pconf, 2, sizeof(dotnet_daemon_watch));
            }
            for (k = 0; k < g->watched->nelts; k++) {
                seen |= strcmp(APR_ARRAY_IDX(g->watched, k, dotnet_daemon_watch).path, a->target) == 0;
            }
            if (seen) {
                continue;
            }
            w = apr_array_push(g->watched);
            w->path = a->target;
            w->mtime = apr_stat(&finfo, a->target, APR_FINFO_MTIME, pconf) == APR_SUCCESS ? finfo.mtime : 0;
        }
    }
}

/* Whether one of the group's app files changed since last seen (and remembers the new times). */
static int watched_changed(dotnet_daemon_group *g, apr_pool_t *p)
{
    int k, changed = 0;

    for (k = 0; g->watched && k < g->watched->nelts; k++) {
        dotnet_daemon_watch *w = &APR_ARRAY_IDX(g->watched, k, dotnet_daemon_watch);
        apr_finfo_t finfo;
        if (apr_stat(&finfo, w->path, APR_FINFO_MTIME, p) == APR_SUCCESS && finfo.mtime != w->mtime) {
            w->mtime = finfo.mtime;
            changed = 1;
        }
    }
    return changed;
}

/* A restart one process at a time, as far as it can go now: signal the next daemon, or wait
   until the one signalled has a successor that serves, then signal the next in the same call.
   It runs on Apache's monitor hook, every ~10 s, so a roll takes about one tick per process. */
static void roll_step(dotnet_daemon_group *g)
{
    for (;;) {
        dotnet_daemon_slot *slot;
        char byte;

        if (g->roll_index >= g->processes) {
            g->rolling = 0;
            DOTNET_SLOG(APLOG_NOTICE, 0, ap_server_conf, DOTNET_DAEMON_EXITED,
                        "daemon group '%s': every process was restarted after its app changed", g->name);
            return;
        }
        slot = &g->slots[g->roll_index];
        if (g->roll_old_pid == 0) {
            if (slot->proc.pid > 0) {
                g->roll_old_pid = slot->proc.pid;
                kill(slot->proc.pid, SIGINT);
            }
            return;   /* signalled, or being restarted already: wait for it */
        }
        if (!(slot->proc.pid > 0 && slot->proc.pid != g->roll_old_pid && slot->ready_fd >= 0
              && (slot->ready || read(slot->ready_fd, &byte, 1) == 1))) {
            return;
        }
        slot->ready = 1;
        g->roll_index++;
        g->roll_old_pid = 0;
    }
}

/* The script cache of a daemon group with its own user, beside Apache's: made here (as root) or
   left from an earlier start, and handed to that user. NULL when done, else why not. The path's
   parent may be a sticky /tmp-like directory, so nothing is followed and nothing someone else
   made is adopted: a symbolic link is refused (O_NOFOLLOW), and an existing directory must
   belong to root or to the group's user already; ownership and mode are set on what was opened. */
static const char *own_cache_dir(apr_pool_t *p, const char *dir, uid_t uid, gid_t gid)
{
    const char *why;
    struct stat st;
    int fd;

    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        return apr_psprintf(p, "cannot be created (%s)", strerror(errno));
    }
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        return errno == ELOOP || errno == ENOTDIR ? "is a symbolic link or not a directory"
                                                  : apr_psprintf(p, "cannot be opened (%s)", strerror(errno));
    }
    if (fstat(fd, &st) != 0) {
        why = apr_psprintf(p, "cannot be examined (%s)", strerror(errno));
        close(fd);
        return why;
    }
    if (st.st_uid != 0 && st.st_uid != uid) {
        close(fd);
        return apr_psprintf(p, "belongs to uid %ld, neither root nor the group's user", (long)st.st_uid);
    }
    if (fchown(fd, uid, gid) != 0 || fchmod(fd, 0700) != 0) {
        why = apr_psprintf(p, "cannot be given to its user (%s)", strerror(errno));
        close(fd);
        return why;
    }
    close(fd);
    /* Its parents: whoever can rename entries there could swap the directory. */
    return dotnet_cache_dir_untrusted(p, dir, 0);
}

/* When this generation's configuration goes (a restart): its secret is no longer the parent's
   business (retired daemons and old children have their own copies), and pool memory is reused
   without being cleared, where a daemon forked later would find it. */
static apr_status_t wipe_secret(void *data)
{
    dotnet_daemon_group *g = data;

    explicit_bzero(g->secret, sizeof(g->secret));
    return APR_SUCCESS;
}

static apr_status_t forget_pool(void *unused)
{
    (void)unused;
    supervisor_pool = NULL;
    return APR_SUCCESS;
}

int dotnet_daemon_post_config(apr_pool_t *pconf, server_rec *s)
{
    apr_array_header_t *groups = dotnet_daemon_groups();
    const char *prefix;
    apr_finfo_t finfo;
    void *counter = NULL;
    int *generation;
    int i, k;

    if (groups == NULL || groups->nelts == 0) {
        return OK;
    }
    /* A number per start of the parent's configuration: socket names are never reused. */
    apr_pool_userdata_get(&counter, "mod_dotnet.daemon_generation", s->process->pool);
    if (counter == NULL) {
        counter = apr_pcalloc(s->process->pool, sizeof(int));
        apr_pool_userdata_set(counter, "mod_dotnet.daemon_generation", apr_pool_cleanup_null, s->process->pool);
    }
    generation = counter;
    (*generation)++;

    prefix = dotnet_daemon_socket_prefix(pconf);
    if (apr_stat(&finfo, prefix, APR_FINFO_TYPE, pconf) != APR_SUCCESS) {
        if (apr_dir_make_recursive(prefix, APR_UREAD | APR_UWRITE | APR_UEXECUTE | APR_GREAD
                                   | APR_GEXECUTE | APR_WREAD | APR_WEXECUTE, pconf) != APR_SUCCESS) {
            DOTNET_SLOG(APLOG_CRIT, errno, s, DOTNET_DAEMON_SOCKET_ACCESS,
                        "cannot create the daemon socket directory %s (DotNetSocketPrefix)", prefix);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    stopping = 0;
    supervisor_pool = pconf;
    apr_pool_cleanup_register(pconf, NULL, forget_pool, apr_pool_cleanup_null);

    for (i = 0; i < groups->nelts; i++) {
        dotnet_daemon_group *g = APR_ARRAY_IDX(groups, i, dotnet_daemon_group *);
        if (apr_generate_random_bytes(g->secret, sizeof(g->secret)) != APR_SUCCESS) {
            DOTNET_SLOG(APLOG_CRIT, 0, s, DOTNET_DAEMON_START_FAILED,
                        "daemon group '%s': no random bytes for its secret", g->name);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        apr_pool_cleanup_register(pconf, g, wipe_secret, apr_pool_cleanup_null);
        if (!make_socket(pconf, s, g, prefix, *generation)) {
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        g->script_cache = dotnet_main_server_config()->script_cache_effective;
        if (g->script_cache != NULL && g->uid != ap_unixd_config.user_id) {
            /* Compiled scripts and data protection keys of a daemon running as its own user: a
               directory only that user can write, so it can neither plant code for Apache's
               children nor be planted on by them. Beside Apache's cache, not in it: that one is
               private to Apache's user. */
            const char *own = apr_pstrcat(pconf, g->script_cache, ".daemon-", g->name, NULL);
            const char *why = own_cache_dir(pconf, own, g->uid, g->gid);
            if (why != NULL) {
                DOTNET_SLOG(APLOG_WARNING, 0, s, DOTNET_SCRIPT_CACHE_UNSAFE,
                            "daemon group '%s': its script cache %s %s; its daemons compile in memory",
                            g->name, own, why);
                g->script_cache = NULL;
            }
            else {
                g->script_cache = own;
            }
        }
    }
    collect_watched(pconf, s);
    dotnet_status_daemons_reset();
    /* Every socket exists before the first fork: each daemon closes the others' sockets. */
    for (i = 0; i < groups->nelts; i++) {
        dotnet_daemon_group *g = APR_ARRAY_IDX(groups, i, dotnet_daemon_group *);
        g->slots = apr_pcalloc(pconf, sizeof(dotnet_daemon_slot) * (apr_size_t)g->processes);
        for (k = 0; k < g->processes; k++) {
            g->slots[k].group = g;
            g->slots[k].index = k + 1;
            g->slots[k].ready_fd = g->slots[k].ready_write_fd = -1;
            g->slots[k].figures = dotnet_status_daemon(g->name, k + 1);
            start_process(&g->slots[k]);
        }
    }
    apr_pool_cleanup_register(pconf, s, retire_groups, apr_pool_cleanup_null);
    return OK;
}
