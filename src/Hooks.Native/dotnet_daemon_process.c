/*
 * A daemon process, from the fork in the parent to its exit. Before .NET starts: close Apache's
 * listeners and every other group's socket, become the group's user, take the display name.
 * Then the runtime starts (the same start as in an Apache child), the group's preloaded apps
 * start, and `threads` worker threads accept connections on the group's socket. A connection
 * carries one request at a time (a relay keeps it for the next one after a clean response):
 * each request's secret is checked before anything else of it is read, then it is handed to the
 * host's handle_request, the same entry point Apache's children use, with an ah_app_io that
 * speaks the wire (dotnet_daemon_protocol.h) instead of Apache's filters.
 *
 * The main thread waits for SIGTERM (stop) or SIGINT (restart: the supervisor starts another),
 * stops accepting, lets the requests in flight finish within shutdown-timeout and exits. A
 * watchdog thread enforces request-timeout, restart-interval and inactivity-timeout; queue-timeout
 * is checked when a connection is accepted, against the time the relay sent the request.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include "httpd.h"
#include "apr_strings.h"
#include "http_main.h"
#include "ap_listen.h"
#include "mod_dotnet.h"
#include "dotnet_daemon.h"
#include "dotnet_gateway.h"
#include "dotnet_runtime.h"
#include "dotnet_config.h"
#include "dotnet_status.h"
#include "dotnet_log.h"

APLOG_USE_MODULE(dotnet);

static dotnet_daemon_group *group;
static dotnet_daemon_figures *figures;   /* this daemon's line on the status page */
static const ah_host_exports *host;
static volatile int stopping;
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t count_changed = PTHREAD_COND_INITIALIZER;
static int busy_threads;
static long served;

/* ------------------------------------------------------------------ one connection */

typedef struct {
    int fd;
    unsigned char *buf;        /* read buffer: [start, end) not consumed yet */
    size_t start, end, cap;
    uint32_t frame_left;       /* bytes left in the current request body frame */
    int body_done;
    int headers_sent;          /* the app sent its headers (they may still be pending) */
    int head_on_wire;          /* ... and they left: the watchdog can no longer answer 504 */
    int broken;                /* a write failed, or request-timeout answered for the app */
    pthread_mutex_t write_lock;  /* the worker's writes against the watchdog's 504 */
    /* Output waits here until the app flushes, the response ends or it is full: a small
       response leaves in one write, as Apache's own ap_rwrite buffers small writes. */
    unsigned char *pending;
    size_t pending_len;
    apr_pool_t *pool;
    int started;               /* a request began on it (its preamble arrived) */
    int reusable;              /* it ended cleanly on both sides: the relay may send another */
} conn;

#define PENDING_CAP (8 * 1024)

/* What each worker serves now, for the request-timeout watchdog (guarded by count_lock). */
typedef struct {
    conn *c;
    apr_time_t started;
    int timed_out;
} serving_slot;

static serving_slot *serving;
static int graceful_stop;      /* the daemon stops on its own (request-timeout, maximum-requests,
                                  restart-interval, inactivity-timeout): wait graceful-timeout */
static int recycled;           /* ... for a reason that is not a fault: exit DOTNET_DAEMON_EXIT_RECYCLED */
static apr_time_t born;        /* when it started serving */
static apr_time_t last_activity;  /* the last request accepted or finished (count_lock) */

/* Stops this daemon from inside (under count_lock): the main thread's sigwait wakes. */
static void stop_self(int recycle)
{
    if (!stopping) {
        graceful_stop = 1;
        recycled = recycle;
        stopping = 1;
        kill(getpid(), SIGTERM);
    }
}

static int fill(conn *c)
{
    ssize_t n;

    if (c->start > 0 && c->start == c->end) {
        c->start = c->end = 0;
    }
    if (c->end == c->cap) {
        if (c->start > 0) {
            memmove(c->buf, c->buf + c->start, c->end - c->start);
            c->end -= c->start;
            c->start = 0;
        }
        else {
            return -2;   /* full: the caller's limit */
        }
    }
    do {
        n = read(c->fd, c->buf + c->end, c->cap - c->end);
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
        c->end += (size_t)n;
    }
    return n > 0 ? 1 : n == 0 ? 0 : -1;
}

static int write_all_locked(conn *c, const struct iovec *iov, int n);

static int write_all_locked(conn *c, const struct iovec *iov, int n)
{
    struct iovec v[4];
    int i;

    if (c->broken) {
        return -1;
    }
    memcpy(v, iov, sizeof(struct iovec) * (size_t)n);
    for (i = 0; i < n;) {
        ssize_t w = writev(c->fd, v + i, n - i);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            c->broken = 1;
            return -1;
        }
        while (i < n && (size_t)w >= v[i].iov_len) {
            w -= (ssize_t)v[i].iov_len;
            i++;
        }
        if (i < n) {
            v[i].iov_base = (char *)v[i].iov_base + w;
            v[i].iov_len -= (size_t)w;
        }
    }
    return 0;
}

/* Sends the pending output and up to two more pieces in one writev. */
static int send_pending(conn *c, const void *a, size_t a_len, const void *b, size_t b_len)
{
    struct iovec iov[3];
    int n = 0, rc;

    if (c->pending_len > 0) {
        iov[n].iov_base = c->pending;
        iov[n++].iov_len = c->pending_len;
    }
    if (a_len > 0) {
        iov[n].iov_base = (void *)a;
        iov[n++].iov_len = a_len;
    }
    if (b_len > 0) {
        iov[n].iov_base = (void *)b;
        iov[n++].iov_len = b_len;
    }
    c->pending_len = 0;
    if (n == 0) {
        return c->broken ? -1 : 0;
    }
    pthread_mutex_lock(&c->write_lock);
    rc = write_all_locked(c, iov, n);
    if (c->headers_sent) {
        c->head_on_wire = 1;
    }
    pthread_mutex_unlock(&c->write_lock);
    return rc;
}

/* Adds two pieces to the pending output, or sends them with it when they do not fit. */
static int queue_output(conn *c, const void *a, size_t a_len, const void *b, size_t b_len)
{
    if (c->broken) {
        return -1;
    }
    if (c->pending_len + a_len + b_len > PENDING_CAP) {
        return send_pending(c, a, a_len, b, b_len);
    }
    if (c->pending == NULL) {
        c->pending = apr_palloc(c->pool, PENDING_CAP);
    }
    memcpy(c->pending + c->pending_len, a, a_len);
    c->pending_len += a_len;
    if (b_len > 0) {
        memcpy(c->pending + c->pending_len, b, b_len);
        c->pending_len += b_len;
    }
    return 0;
}

static int write_frame(conn *c, uint32_t frame, const void *data, size_t len)
{
    unsigned char head[4];

    dotnet_wire_frame_encode(head, frame);
    return queue_output(c, head, 4, data, len);
}

static int64_t io_read(void *ctx, uint8_t *buffer, int64_t len, int32_t *status)
{
    conn *c = ctx;
    size_t have, take;

    *status = 0;
    while (!c->body_done && c->frame_left == 0) {
        uint32_t frame;
        int r;
        while (c->end - c->start < 4) {
            if ((r = fill(c)) <= 0) {
                *status = r == 0 ? 400 : 408;
                return -1;
            }
        }
        if (dotnet_wire_frame_parse(c->buf + c->start, c->end - c->start, &frame) != DOTNET_WIRE_OK) {
            *status = 400;
            return -1;
        }
        c->start += 4;
        if (frame == 0) {
            c->body_done = 1;
        }
        else if (frame == DOTNET_FRAME_ABORT) {
            return -1;   /* the client went away: status 0 */
        }
        else if (frame != DOTNET_FRAME_FLUSH) {
            c->frame_left = frame;
        }
    }
    if (c->body_done || len <= 0) {
        return 0;
    }
    if (c->start == c->end) {
        int r = fill(c);
        if (r <= 0) {
            *status = r == 0 ? 400 : 408;
            return -1;
        }
    }
    have = c->end - c->start;
    take = have < c->frame_left ? have : c->frame_left;
    if ((int64_t)take > len) {
        take = (size_t)len;
    }
    memcpy(buffer, c->buf + c->start, take);
    c->start += take;
    c->frame_left -= (uint32_t)take;
    return (int64_t)take;
}

static int safe_text(const char *s)
{
    for (; *s; s++) {
        if (*s == '\r' || *s == '\n') {
            return 0;
        }
    }
    return 1;
}

static int32_t io_send_headers(void *ctx, int32_t status, const char *reason, const ah_kv *headers,
                               int32_t nheaders)
{
    conn *c = ctx;
    char *text, *o;
    size_t size = 64 + (reason ? strlen(reason) : 0);
    int32_t i;

    if (c->headers_sent) {
        return -1;
    }
    for (i = 0; i < nheaders; i++) {
        if (!safe_text(headers[i].name) || !safe_text(headers[i].value)) {
            DOTNET_SLOG(APLOG_ERR, 0, ap_server_conf, DOTNET_APP_RESPONSE_ERROR,
                        "daemon group '%s': the app set a header with a line break: refused", group->name);
            return -1;
        }
        size += strlen(headers[i].name) + strlen(headers[i].value) + 4;
    }
    o = text = malloc(size);
    if (text == NULL) {
        return -1;
    }
    o += sprintf(o, "Status: %d%s%s\r\n", (int)status, reason && *reason && safe_text(reason) ? " " : "",
                 reason && *reason && safe_text(reason) ? reason : "");
    for (i = 0; i < nheaders; i++) {
        o += sprintf(o, "%s: %s\r\n", headers[i].name, headers[i].value);
    }
    o += sprintf(o, "\r\n");
    c->headers_sent = 1;
    i = queue_output(c, text, (size_t)(o - text), NULL, 0);
    free(text);
    return i;
}

static int32_t io_write(void *ctx, const uint8_t *buffer, int64_t len)
{
    conn *c = ctx;

    while (len > 0) {
        uint32_t n = len > DOTNET_FRAME_MAX ? DOTNET_FRAME_MAX : (uint32_t)len;
        if (write_frame(c, n, buffer, n) != 0) {
            return -1;
        }
        buffer += n;
        len -= n;
    }
    return 0;
}

static int32_t io_flush(void *ctx)
{
    return write_frame(ctx, DOTNET_FRAME_FLUSH, NULL, 0) == 0 ? send_pending(ctx, NULL, 0, NULL, 0) : -1;
}

/* A NUL-terminated copy of a wire string. */
static const char *str(apr_pool_t *p, const char *s, size_t len)
{
    return apr_pstrmemdup(p, s, len);
}

static void refuse(int fd, const char *why)
{
    struct ucred peer;
    socklen_t len = sizeof(peer);

    memset(&peer, 0, sizeof(peer));
    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len);
    DOTNET_SLOG(APLOG_ERR, 0, ap_server_conf, DOTNET_DAEMON_REQUEST_REFUSED,
                "daemon group '%s': a connection from pid %d (uid %d) was refused: %s",
                group->name, (int)peer.pid, (int)peer.uid, why);
}

static void serve_connection(int fd, apr_pool_t *p, conn *out, apr_time_t accepted);

/* One request on fd. -1: none came (the relay closed a kept connection); 0: served, close it;
   1: served, and the connection can carry the next one. */
static int serve(int fd, apr_pool_t *p, int index, apr_time_t accepted)
{
    conn *c = apr_pcalloc(p, sizeof(conn));
    int outcome;

    c->pool = p;
    pthread_mutex_init(&c->write_lock, NULL);
    pthread_mutex_lock(&count_lock);
    serving[index].c = c;
    serving[index].started = apr_time_now();
    serving[index].timed_out = 0;
    pthread_mutex_unlock(&count_lock);
    serve_connection(fd, p, c, accepted);
    pthread_mutex_lock(&count_lock);
    serving[index].c = NULL;
    pthread_mutex_unlock(&count_lock);
    pthread_mutex_lock(&c->write_lock);   /* the watchdog is not writing to it now */
    outcome = !c->started ? -1 : c->reusable && !c->broken ? 1 : 0;
    pthread_mutex_unlock(&c->write_lock);
    pthread_mutex_destroy(&c->write_lock);
    return outcome;
}

/* A whole response of one header block and no body (a status the app never produced). */
static void answer_head_only(conn *c, const char *head)
{
    c->headers_sent = 1;
    if (queue_output(c, head, strlen(head), NULL, 0) == 0 && write_frame(c, 0, NULL, 0) == 0) {
        send_pending(c, NULL, 0, NULL, 0);
    }
}

/* queue-timeout: answered 504 without running the app (the relay passes it on). */
static void answer_queue_timeout(conn *c, apr_time_t waited)
{
    static const char answer[] = "Status: 504 Gateway Timeout\r\n\r\n";

    DOTNET_SLOG(APLOG_ERR, 0, ap_server_conf, DOTNET_DAEMON_QUEUE_TIMEOUT,
                "daemon group '%s': a request waited %d ms for a free daemon thread, past "
                "queue-timeout=%d s; answered 504 without running it", group->name,
                (int)apr_time_as_msec(waited), group->queue_timeout);
    answer_head_only(c, answer);
}

static void serve_connection(int fd, apr_pool_t *p, conn *out, apr_time_t accepted)
{
    apr_time_t queue_start = 0;
    int seen_check_reload = 0;
    dotnet_wire_preamble pre;
    dotnet_wire_item *items;
    dotnet_wire_status st;
    ah_app_io io;
    ah_app_call call;
    ah_hook_result result;
    ah_kv *vars, *headers;
    size_t used = 0;
    uint32_t i, nitems;
    int32_t nvars = 0, rc;

    out->fd = fd;
    out->cap = 64 * 1024;
    out->buf = apr_palloc(p, out->cap);

    /* The secret first: nothing else of a connection without it is looked at. */
    while ((st = dotnet_wire_preamble_parse(out->buf, out->end, &pre)) == DOTNET_WIRE_NEED_MORE) {
        if (fill(out) <= 0) {
            if (out->end > 0) {
                refuse(fd, "the connection ended (or timed out) inside the request preamble");
            }
            return;
        }
    }
    if (st != DOTNET_WIRE_OK) {
        refuse(fd, st == DOTNET_WIRE_BAD_MAGIC ? "not a mod_dotnet request"
                   : st == DOTNET_WIRE_BAD_VERSION ? "another wire version" : "too many variables");
        return;
    }
    out->started = 1;
    if (!dotnet_wire_secret_equal(pre.secret, group->secret)) {
        refuse(fd, "it did not carry this generation's secret");
        return;
    }
    out->start = DOTNET_WIRE_PREAMBLE_LEN;
    nitems = pre.nvars + pre.nheaders;
    items = apr_palloc(p, sizeof(*items) * (nitems ? nitems : 1));
    for (;;) {
        st = dotnet_wire_items_parse(out->buf + out->start, out->end - out->start, nitems, items, &used);
        if (st != DOTNET_WIRE_NEED_MORE) {
            break;
        }
        if (out->end == out->cap) {
            /* Grow up to the block limit: a request's variables and headers. */
            size_t cap = out->cap * 2;
            unsigned char *bigger;
            if (cap > DOTNET_WIRE_MAX_BLOCK + DOTNET_WIRE_PREAMBLE_LEN + 4) {
                st = DOTNET_WIRE_TOO_LARGE;
                break;
            }
            bigger = apr_palloc(p, cap);
            memcpy(bigger, out->buf, out->end);
            out->buf = bigger;
            out->cap = cap;
        }
        if (fill(out) <= 0) {
            refuse(fd, "the connection ended (or timed out) inside the request's headers");
            return;
        }
    }
    if (st != DOTNET_WIRE_OK) {
        refuse(fd, "malformed or oversized request headers");
        return;
    }
    out->start += used;

    memset(&call, 0, sizeof(call));
    vars = apr_palloc(p, sizeof(ah_kv) * (pre.nvars + 1));
    headers = apr_palloc(p, sizeof(ah_kv) * (pre.nheaders + 1));
    for (i = 0; i < pre.nvars; i++) {
        const char *name = str(p, items[i].name, items[i].name_len);
        const char *value = str(p, items[i].value, items[i].value_len);
        /* The relay's own fields travel as variables with this prefix, never passed on. The
           relay keeps request variables of the module's names out; one sent twice is refused
           rather than guessed at. */
        if (strncmp(name, "mod_dotnet.wire.", 16) == 0) {
            if (strcmp(name + 16, "app_path") == 0 && call.app_path == NULL) call.app_path = value;
            else if (strcmp(name + 16, "app_key") == 0 && call.app_key == NULL) call.app_key = value;
            else if (strcmp(name + 16, "check_reload") == 0 && !seen_check_reload++) call.check_reload = value[0] == '1';
            else if (strcmp(name + 16, "queue_start") == 0 && queue_start == 0) queue_start = (apr_time_t)apr_atoi64(value);
            else {
                refuse(fd, "a relay field was repeated or unknown");
                return;
            }
            continue;
        }
        if (strcmp(name, "mod_dotnet.application_group") == 0) {
            if (call.application_group != NULL) {
                refuse(fd, "the application group was named twice");
                return;
            }
            call.application_group = value;
        }
        vars[nvars].name = name;
        vars[nvars].value = value;
        nvars++;
    }
    for (i = 0; i < pre.nheaders; i++) {
        headers[i].name = str(p, items[pre.nvars + i].name, items[pre.nvars + i].name_len);
        headers[i].value = str(p, items[pre.nvars + i].value, items[pre.nvars + i].value_len);
    }
    if (call.app_path == NULL || call.app_key == NULL || call.application_group == NULL) {
        refuse(fd, "the request names no application");
        return;
    }
    /* Counted from when this daemon began serving at the earliest: time spent waiting for a
       daemon to start (after a restart) is connect's and socket-timeout's business, not a sign
       of an overloaded group. */
    if (group->queue_timeout > 0 && queue_start > 0
        && accepted - (queue_start > born ? queue_start : born) > apr_time_from_sec(group->queue_timeout)) {
        answer_queue_timeout(out, accepted - (queue_start > born ? queue_start : born));
        return;
    }
    call.process_group = group->name;
    call.vars = vars;
    call.nvars = nvars;
    call.headers = headers;
    call.nheaders = (int32_t)pre.nheaders;
    call.log_ctx = NULL;   /* server-level lines: there is no request_rec in a daemon */
    io.ctx = out;
    io.read = io_read;
    io.send_headers = io_send_headers;
    io.write = io_write;
    io.flush = io_flush;
    call.io = &io;
    memset(&result, 0, sizeof(result));

    dotnet_thread_prepare();
    rc = host->handle_request(&call, &result);
    free(result.text);
    free(result.cache_hash);

    if (rc != AH_CALL_OK || result.outcome != 0) {
        int status = result.outcome >= 400 && result.outcome <= 599 ? result.outcome : 500;
        if (!out->headers_sent) {
            char line[32];
            snprintf(line, sizeof(line), "Status: %d\r\n\r\n", status);
            answer_head_only(out, line);
        }
        else if (write_frame(out, DOTNET_FRAME_ABORT, NULL, 0) == 0) {
            /* What the app wrote before it failed goes first, as it would have without buffering. */
            send_pending(out, NULL, 0, NULL, 0);
        }
        return;
    }
    if (!out->headers_sent) {
        io_send_headers(out, 200, NULL, NULL, 0);
    }
    if (write_frame(out, 0, NULL, 0) == 0 && send_pending(out, NULL, 0, NULL, 0) == 0) {
        /* Kept for the relay's next request only when the request's body was read to its end
           frame (an app that ignored a bodiless request's body leaves just that frame) and
           nothing else arrived: the next byte on it must be the next request's. */
        if (!out->body_done && out->frame_left == 0 && out->end - out->start == 4
            && memcmp(out->buf + out->start, "\0\0\0\0", 4) == 0) {
            out->start += 4;
            out->body_done = 1;
        }
        out->reusable = out->body_done && out->start == out->end;
    }
}

/* ------------------------------------------------------------------ workers */

/* One idle thread at a time waits (as Apache's accept mutex): with every idle thread polling,
   each connection would wake them all, and all but one would find nothing to accept (measured:
   the wasted wake-ups cost a visible share of a 2-core machine). It waits on an epoll set of the
   group's socket and the kept connections: a relay keeps its connection after a clean response
   and sends its next request on it, which saves a connect, an accept and a close per request.
   A kept connection holds no thread while it is idle. */
static pthread_mutex_t accept_lock = PTHREAD_MUTEX_INITIALIZER;
static int epoll_fd = -1;

/* The kept connections, so that stopping can close them at once: a relay that sends on one
   afterwards is refused by the kernel (EPIPE, or ECONNRESET for a request nobody read) and
   sends it again on a new connection, which the next daemon accepts. */
static pthread_mutex_t kept_lock = PTHREAD_MUTEX_INITIALIZER;
static int *kept;
static int nkept, kept_cap;

static int unkeep(int fd)
{
    int i, found = 0;

    pthread_mutex_lock(&kept_lock);
    for (i = 0; i < nkept; i++) {
        if (kept[i] == fd) {
            kept[i] = kept[--nkept];
            found = 1;
            break;
        }
    }
    pthread_mutex_unlock(&kept_lock);
    return found;
}

static void keep(int fd)
{
    struct epoll_event ev;

    pthread_mutex_lock(&kept_lock);
    if (stopping || nkept >= 65536) {
        pthread_mutex_unlock(&kept_lock);
        close(fd);
        return;
    }
    if (nkept == kept_cap) {
        int cap = kept_cap ? kept_cap * 2 : 64;
        int *bigger = realloc(kept, sizeof(int) * (size_t)cap);
        if (bigger == NULL) {
            pthread_mutex_unlock(&kept_lock);
            close(fd);
            return;
        }
        kept = bigger;
        kept_cap = cap;
    }
    kept[nkept++] = fd;
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN | EPOLLONESHOT;
    ev.data.fd = fd;
    if (epoll_ctl(epoll_fd, EPOLL_CTL_MOD, fd, &ev) != 0 && epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        kept[--nkept] = -1;
        pthread_mutex_unlock(&kept_lock);
        close(fd);
        return;
    }
    pthread_mutex_unlock(&kept_lock);
}

/* Stopping (stopping is set): no kept connection waits for a thread that will not come. */
static void close_kept(void)
{
    pthread_mutex_lock(&kept_lock);
    while (nkept > 0) {
        close(kept[--nkept]);
    }
    pthread_mutex_unlock(&kept_lock);
}

static void *worker(void *arg)
{
    int index = (int)(intptr_t)arg;
    apr_pool_t *p;

    apr_pool_create(&p, NULL);
    while (!stopping) {
        struct epoll_event ev;
        int fd, outcome;
        apr_time_t accepted;

        pthread_mutex_lock(&accept_lock);
        if (stopping || epoll_wait(epoll_fd, &ev, 1, 500) != 1) {
            pthread_mutex_unlock(&accept_lock);
            continue;
        }
        if (ev.data.fd != group->listen_fd && !unkeep(ev.data.fd)) {
            pthread_mutex_unlock(&accept_lock);   /* closed by stopping meanwhile */
            continue;
        }
        /* Counted busy before accepting, under the lock that stopping is set under: once the
           main thread saw no busy thread after stopping, nobody accepts and the runtime may stop. */
        pthread_mutex_lock(&count_lock);
        if (stopping) {
            pthread_mutex_unlock(&count_lock);
            pthread_mutex_unlock(&accept_lock);
            if (ev.data.fd != group->listen_fd) {
                close(ev.data.fd);
            }
            break;
        }
        busy_threads++;
        pthread_mutex_unlock(&count_lock);
        if (ev.data.fd == group->listen_fd) {
            fd = accept4(group->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        }
        else {
            fd = ev.data.fd;
        }
        pthread_mutex_unlock(&accept_lock);
        if (fd < 0) {
            /* another daemon took it */
            pthread_mutex_lock(&count_lock);
            busy_threads--;
            pthread_cond_broadcast(&count_changed);
            pthread_mutex_unlock(&count_lock);
            continue;
        }
        accepted = apr_time_now();
        pthread_mutex_lock(&count_lock);
        last_activity = accepted;
        pthread_mutex_unlock(&count_lock);

        if (ev.data.fd == group->listen_fd) {
            struct timeval tv;
            tv.tv_sec = group->socket_timeout;
            tv.tv_usec = 0;
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        }
        outcome = serve(fd, p, index, accepted);
        if (outcome == 1) {
            keep(fd);
        }
        else {
            close(fd);
        }
        apr_pool_clear(p);

        if (outcome >= 0 && figures != NULL) {
            __atomic_fetch_add(&figures->requests, 1, __ATOMIC_RELAXED);
        }
        pthread_mutex_lock(&count_lock);
        busy_threads--;
        served += outcome >= 0;
        last_activity = apr_time_now();
        if (group->maximum_requests > 0 && served >= group->maximum_requests && !stopping) {
            DOTNET_SLOG(APLOG_INFO, 0, ap_server_conf, DOTNET_DAEMON_EXITED,
                        "daemon process %d of group '%s' served maximum-requests=%d; it is replaced",
                        (int)getpid(), group->name, group->maximum_requests);
            stop_self(1);
        }
        pthread_cond_broadcast(&count_changed);
        pthread_mutex_unlock(&count_lock);
    }
    return NULL;
}

/* request-timeout: a request running longer is answered 504 for the app (if it had not answered
   yet) and the daemon is restarted: its stuck thread cannot be freed any other way. The other
   requests get graceful-timeout to finish. */
static void check_request_timeout(apr_time_t now)
{
    int i;

    for (i = 0; group->request_timeout > 0 && i < group->threads; i++) {
        serving_slot *sv = &serving[i];
        conn *c = sv->c;
        if (c == NULL || sv->timed_out || now - sv->started < apr_time_from_sec(group->request_timeout)) {
            continue;
        }
        sv->timed_out = 1;
        pthread_mutex_lock(&c->write_lock);
        if (!c->broken) {
            if (!c->head_on_wire) {
                static const char answer[] = "Status: 504 Gateway Timeout\r\n\r\n\0\0\0\0";
                ssize_t ignored = write(c->fd, answer, sizeof(answer) - 1);
                (void)ignored;
            }
            else {
                unsigned char abort_frame[4];
                ssize_t ignored;
                dotnet_wire_frame_encode(abort_frame, DOTNET_FRAME_ABORT);
                ignored = write(c->fd, abort_frame, 4);
                (void)ignored;
            }
            c->broken = 1;   /* the app's later writes go nowhere */
            shutdown(c->fd, SHUT_RDWR);
        }
        pthread_mutex_unlock(&c->write_lock);
        DOTNET_SLOG(APLOG_ERR, 0, ap_server_conf, DOTNET_DAEMON_REQUEST_TIMEOUT,
                    "daemon process %d of group '%s': a request ran past request-timeout=%d s; "
                    "it was answered 504 and this daemon restarts (its other requests get "
                    "graceful-timeout=%d s)", (int)getpid(), group->name, group->request_timeout,
                    group->graceful_timeout);
        stop_self(0);
    }
}

/* restart-interval and inactivity-timeout replace a daemon that is not at fault, as
   maximum-requests does: it stops accepting (the next daemon takes the backlog) and its requests
   get graceful-timeout. An idle daemon is one with no request running; a stuck request is
   request-timeout's business, not inactivity's. */
static void check_recycling(apr_time_t now)
{
    if (stopping) {
        return;
    }
    if (group->restart_interval > 0 && now - born >= apr_time_from_sec(group->restart_interval)) {
        DOTNET_SLOG(APLOG_INFO, 0, ap_server_conf, DOTNET_DAEMON_EXITED,
                    "daemon process %d of group '%s' ran restart-interval=%d s; it is replaced",
                    (int)getpid(), group->name, group->restart_interval);
        stop_self(1);
    }
    else if (group->inactivity_timeout > 0 && busy_threads == 0
             && now - last_activity >= apr_time_from_sec(group->inactivity_timeout)) {
        DOTNET_SLOG(APLOG_INFO, 0, ap_server_conf, DOTNET_DAEMON_EXITED,
                    "daemon process %d of group '%s' had no request for inactivity-timeout=%d s; "
                    "it is replaced", (int)getpid(), group->name, group->inactivity_timeout);
        stop_self(1);
    }
}

static void *watchdog(void *unused)
{
    (void)unused;
    while (!stopping) {
        apr_time_t now;

        apr_sleep(apr_time_from_msec(250));
        now = apr_time_now();
        pthread_mutex_lock(&count_lock);
        check_request_timeout(now);
        check_recycling(now);
        pthread_mutex_unlock(&count_lock);
    }
    return NULL;
}

/* ------------------------------------------------------------------ the process */

static void set_display_name(dotnet_daemon_slot *slot)
{
    const char *name = group->display_name;
    char **argv = (char **)ap_server_conf->process->argv;
    char *start, *end;
    int i;

    if (name == NULL) {
        return;
    }
    if (strcmp(name, "%{GROUP}") == 0) {
        name = apr_psprintf(ap_server_conf->process->pool, "(dotnet:%s)", group->name);
    }
    prctl(PR_SET_NAME, name, 0, 0, 0);
    /* ps shows the argument vector: overwrite it in place, within its original length. */
    start = argv[0];
    end = argv[0] + strlen(argv[0]);
    for (i = 1; argv[i] && argv[i] == end + 1; i++) {
        end = argv[i] + strlen(argv[i]);
    }
    if (end > start) {
        size_t room = (size_t)(end - start);
        memset(start, 0, room);
        memcpy(start, name, strlen(name) < room ? strlen(name) : room);
        for (i = 1; argv[i]; i++) {
            argv[i] = NULL;
        }
    }
    (void)slot;
}

static int become_user(void)
{
    struct passwd *pw = getpwuid(group->uid);
    const char *home = group->home ? group->home : pw && pw->pw_dir ? pw->pw_dir : "/";

    if (geteuid() == 0) {
        if (setgid(group->gid) != 0
            || initgroups(pw ? pw->pw_name : group->user_name, group->gid) != 0
            || setuid(group->uid) != 0) {
            DOTNET_SLOG(APLOG_CRIT, errno, ap_server_conf, DOTNET_DAEMON_START_FAILED,
                        "daemon group '%s': cannot become user %d / group %d", group->name,
                        (int)group->uid, (int)group->gid);
            return 0;
        }
    }
    if (chdir(home) != 0 && chdir("/") != 0) {
        return 0;
    }
    setenv("HOME", home, 1);
    return 1;
}

void dotnet_daemon_main(dotnet_daemon_slot *slot)
{
    static const int control_signals[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGWINCH, SIGQUIT };
    apr_array_header_t *groups = dotnet_daemon_groups();
    pid_t parent = getppid();
    pthread_t *threads;
    apr_pool_t *p;
    sigset_t mask;
    int i, sig = 0;
    struct timespec deadline;

    group = slot->group;
    figures = slot->figures;
    apr_pool_create(&p, NULL);
    /* Apache's listeners and the other groups' sockets and secrets are not this process's
       business: app code here must not be able to read another group's secret from memory and
       forge requests to daemons running as another user. */
    ap_close_listeners_ex(ap_listeners);
    for (i = 0; i < groups->nelts; i++) {
        dotnet_daemon_group *g = APR_ARRAY_IDX(groups, i, dotnet_daemon_group *);
        if (g == group) {
            continue;
        }
        if (g->listen_fd >= 0) {
            close(g->listen_fd);
            g->listen_fd = -1;
        }
        explicit_bzero(g->secret, sizeof(g->secret));
    }
    dotnet_daemon_close_retired(ap_server_conf);
    /* Every control signal is taken by the main thread with sigwait; threads (the runtime's
       too) inherit the mask. The parent's handlers (restart, stop) mean nothing here. */
    sigemptyset(&mask);
    for (i = 0; i < (int)(sizeof(control_signals) / sizeof(control_signals[0])); i++) {
        signal(control_signals[i], SIG_DFL);
        sigaddset(&mask, control_signals[i]);
    }
    pthread_sigmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);

    set_display_name(slot);
    if (!become_user()) {
        _exit(DOTNET_DAEMON_EXIT_START_FAILED);
    }
    /* Not after the parent: a daemon whose Apache is gone stops too. */
    prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
    if (getppid() != parent) {
        _exit(0);
    }
    setenv("DOTNET_EnableDiagnostics", "0", 1);
    /* This process's own copy of the configuration: its group's cache directory for the host. */
    ((dotnet_server_cfg *)dotnet_main_server_config())->script_cache_effective = group->script_cache;
    host = dotnet_runtime_start(ap_server_conf);
    if (host == NULL) {
        _exit(DOTNET_DAEMON_EXIT_START_FAILED);   /* logged; the supervisor backs off */
    }
    dotnet_preload_daemon(p, ap_server_conf, group->name);

    /* Non-blocking, as the other daemons of the group wait on the same socket: the one that
       loses a connection to another must not sit in accept(). */
    fcntl(group->listen_fd, F_SETFL, fcntl(group->listen_fd, F_GETFL) | O_NONBLOCK);
    epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    {
        struct epoll_event ev;
        memset(&ev, 0, sizeof(ev));
        ev.events = EPOLLIN;
        ev.data.fd = group->listen_fd;
        if (epoll_fd < 0 || epoll_ctl(epoll_fd, EPOLL_CTL_ADD, group->listen_fd, &ev) != 0) {
            DOTNET_SLOG(APLOG_CRIT, errno, ap_server_conf, DOTNET_DAEMON_START_FAILED,
                        "daemon process %d of group '%s': epoll", (int)getpid(), group->name);
            _exit(DOTNET_DAEMON_EXIT_START_FAILED);
        }
    }
    threads = apr_pcalloc(p, sizeof(pthread_t) * (apr_size_t)(group->threads + 1));
    serving = apr_pcalloc(p, sizeof(serving_slot) * (apr_size_t)group->threads);
    born = last_activity = apr_time_now();
    for (i = 0; i <= group->threads; i++) {
        pthread_attr_t attr;
        if (i == group->threads && group->request_timeout <= 0 && group->restart_interval <= 0
            && group->inactivity_timeout <= 0) {
            break;
        }
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_create(&threads[i], &attr, i < group->threads ? worker : watchdog, (void *)(intptr_t)i);
        pthread_attr_destroy(&attr);
    }
    DOTNET_SLOG(APLOG_INFO, 0, ap_server_conf, DOTNET_DAEMON_STARTED,
                "daemon process %d of group '%s' serves (user %d, %d threads)", (int)getpid(),
                group->name, (int)getuid(), group->threads);
    /* Serving: tell the parent (a restart one process at a time waits for this). */
    if (slot->ready_write_fd >= 0) {
        ssize_t ignored = write(slot->ready_write_fd, "r", 1);
        (void)ignored;
        close(slot->ready_write_fd);
    }
    while (sig != SIGTERM && sig != SIGINT && sig != SIGQUIT) {
        if (sigwait(&mask, &sig) != 0) {
            sig = 0;
        }
    }
    /* The requests in flight finish, within shutdown-timeout (graceful-timeout when the daemon
       stops on its own). */
    pthread_mutex_lock(&count_lock);
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += graceful_stop ? group->graceful_timeout : group->shutdown_timeout;
    stopping = 1;
    pthread_mutex_unlock(&count_lock);
    close_kept();
    pthread_mutex_lock(&count_lock);
    while (busy_threads > 0) {
        if (pthread_cond_timedwait(&count_changed, &count_lock, &deadline) == ETIMEDOUT) {
            DOTNET_SLOG(APLOG_WARNING, 0, ap_server_conf, DOTNET_DAEMON_EXITED,
                        "daemon process %d of group '%s': %d requests still running when it had "
                        "to stop; exiting", (int)getpid(), group->name, busy_threads);
            break;
        }
    }
    pthread_mutex_unlock(&count_lock);
    if (busy_threads == 0) {
        dotnet_runtime_shutdown();
    }
    _exit(recycled ? DOTNET_DAEMON_EXIT_RECYCLED : 0);
}
