/*
 * The Apache child's side of daemon mode: the handler relays the request to the group's socket
 * and the response back, in native code only, so a child that only relays never starts .NET (as
 * mod_wsgi's children with WSGIRestrictEmbedded On stay free of Python).
 *
 * Full duplex: the request body is sent while the response is read, one poll() loop over the
 * socket, so an app that answers before it has read the whole body does not deadlock against a
 * relay still pushing it. After a clean response each worker thread keeps its connection for
 * its next request to the group. A request is never sent again once a daemon may have read any
 * of it; it is sent again on a new connection only when the kernel says nobody did: a kept
 * connection that was closed before the send (EPIPE), or closed with the request still unread
 * in it (ECONNRESET before any byte of the response, a request without a body). A daemon that
 * read the request and died gives EOF instead: 502. The connect itself is retried until
 * connect-timeout, which is what covers a daemon being restarted.
 *
 * Errors keep mod_wsgi's numbers: DOTNET0117 (socket directory not reachable, 503), DOTNET0144
 * (response header line too long, 500), DOTNET0145 (timeout reading response headers, 504),
 * DOTNET0146 (the daemon closed the connection before complete headers, 502), DOTNET0147 (I/O
 * error reading response headers, 502).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "httpd.h"
#include "apr_strings.h"
#include "http_core.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_script.h"
#include "mod_dotnet.h"
#include "dotnet_daemon.h"
#include "dotnet_gateway.h"
#include "dotnet_config.h"
#include "dotnet_log.h"

APLOG_USE_MODULE(dotnet);

#define CHUNK (64 * 1024)
/* The response buffer starts small (most responses are a few hundred bytes) and grows to CHUNK
   when a read fills it: long headers, or a large body where bigger reads mean fewer syscalls. */
#define FIRST_IN (8 * 1024)
/* send_request_head's answer when a kept connection turned out closed before any byte left. */
#define DOTNET_RELAY_RESEND (-2)

/* A connected socket, or -1 with *status set (logged). */
static int connect_daemon(request_rec *r, dotnet_daemon_group *g, int *status)
{
    struct sockaddr_un addr;
    apr_time_t deadline = apr_time_now() + apr_time_from_sec(g->connect_timeout);
    apr_interval_time_t pause = apr_time_from_msec(20);

    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    apr_cpystrn(addr.sun_path, g->socket_path, sizeof(addr.sun_path));
    for (;;) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int err;

        if (fd < 0) {
            DOTNET_RLOG(APLOG_ERR, errno, r, DOTNET_DAEMON_CONNECT_FAILED, "daemon group '%s': socket()", g->name);
            *status = HTTP_SERVICE_UNAVAILABLE;
            return -1;
        }
        if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
            return fd;
        }
        err = errno;
        close(fd);
        if (err == EACCES) {
            DOTNET_RLOG(APLOG_ERR, err, r, DOTNET_DAEMON_SOCKET_ACCESS,
                        "unable to connect to daemon process group '%s' on '%s': Apache's user "
                        "cannot reach the socket directory (DotNetSocketPrefix)", g->name, g->socket_path);
            *status = HTTP_SERVICE_UNAVAILABLE;
            return -1;
        }
        if (apr_time_now() + pause > deadline) {
            DOTNET_RLOG(APLOG_ERR, err, r, DOTNET_DAEMON_CONNECT_FAILED,
                        "unable to connect to daemon process group '%s' on '%s' within "
                        "connect-timeout=%d s", g->name, g->socket_path, g->connect_timeout);
            *status = HTTP_SERVICE_UNAVAILABLE;
            return -1;
        }
        /* No daemon accepting yet (starting, restarting, backlog full): wait and try again. */
        apr_sleep(pause);
        if (pause < apr_time_from_msec(200)) {
            pause *= 2;
        }
    }
}

/* Each Apache worker thread keeps its last connection to a daemon after a clean response and
   sends its next request to that group on it (the daemon parks it without holding a thread).
   Per thread, so no lock: a thread serves one request at a time. */
static __thread dotnet_daemon_group *kept_group;
static __thread int kept_fd = -1;

/* The kept connection to g if the daemon still has it open and idle, else -1. A daemon that
   stopped closed its end: the connection reads as readable (EOF) and is dropped here. */
static int take_kept(dotnet_daemon_group *g)
{
    int fd = kept_fd;
    struct pollfd pfd;

    if (fd < 0) {
        return -1;
    }
    kept_fd = -1;
    pfd.fd = fd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    if (kept_group != g || poll(&pfd, 1, 0) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void keep_connection(dotnet_daemon_group *g, int fd)
{
    if (kept_fd >= 0) {
        close(kept_fd);
    }
    kept_fd = fd;
    kept_group = g;
}

typedef struct {
    request_rec *r;
    dotnet_daemon_group *g;
    int fd;
    int reused;                /* fd is a kept connection: a refusal before any byte is resent */
    int sent_all;              /* the request's end frame left (the daemon may keep the connection) */
    size_t received;           /* bytes of the response read so far */
    /* to the daemon */
    char *out;
    size_t out_start, out_end;
    int body_state;            /* 0 sending, 1 end frame queued, 2 all sent (or not wanted) */
    int has_body;              /* ap_should_client_block, asked once before the first read */
    /* from the daemon */
    char *in;
    size_t in_start, in_end, in_cap;
    int headers_done;
    uint32_t frame_left;
    int response_done;
    int aborted;               /* the daemon gave up mid-response: cut the client's connection */
    apr_bucket_brigade *bb;
} relay;

static void queue_frame(relay *x, uint32_t frame, size_t len)
{
    dotnet_wire_frame_encode((unsigned char *)x->out, frame);
    x->out_start = 0;
    x->out_end = 4 + len;
}

/* Reads the next piece of the client's body into a frame (blocking, as Apache's input is). */
static void next_body_piece(relay *x)
{
    long n;

    if (x->body_state != 0) {
        return;
    }
    n = x->has_body ? ap_get_client_block(x->r, x->out + 4, CHUNK) : 0;
    if (n > 0) {
        queue_frame(x, (uint32_t)n, (size_t)n);
    }
    else {
        /* 0: the end; < 0: the client went away or sent a broken body: the app sees an abort. */
        queue_frame(x, n == 0 ? 0 : DOTNET_FRAME_ABORT, 0);
        x->body_state = 1;
    }
}

static int add_header(relay *x, const dotnet_wire_header_line *h)
{
    request_rec *r = x->r;
    const char *name = apr_pstrmemdup(r->pool, h->name, h->name_len);
    const char *value = apr_pstrmemdup(r->pool, h->value, h->value_len);

    if (h->is_status) {
        r->status = h->status;
        if (h->value_len > 4) {
            r->status_line = apr_pstrdup(r->pool, value);
        }
        return 0;
    }
    if (strcasecmp(name, "Content-Type") == 0) {
        ap_set_content_type(r, value);
    }
    else if (strcasecmp(name, "Content-Length") == 0) {
        apr_table_setn(r->headers_out, "Content-Length", value);
    }
    else if (strcasecmp(name, "Connection") == 0 || strcasecmp(name, "Keep-Alive") == 0
             || strcasecmp(name, "Transfer-Encoding") == 0 || strcasecmp(name, "Upgrade") == 0) {
        /* hop-by-hop: Apache's own */
    }
    else {
        apr_table_add(r->headers_out, name, value);
    }
    return 0;
}

/* Parses header lines from the input. 0: need more; 1: headers complete; else an HTTP status. */
static int parse_headers(relay *x)
{
    while (x->in_end > x->in_start) {
        size_t line_len, used;
        dotnet_wire_header_line h;
        dotnet_wire_status st = dotnet_wire_next_line(x->in + x->in_start, x->in_end - x->in_start,
                                                      &line_len, &used);
        if (st == DOTNET_WIRE_NEED_MORE) {
            return 0;
        }
        if (st == DOTNET_WIRE_LINE_TOO_LONG) {
            DOTNET_RLOG(APLOG_ERR, 0, x->r, DOTNET_DAEMON_HEADER_TOO_LONG,
                        "daemon process group '%s': response header line too long (over %d bytes)",
                        x->g->name, DOTNET_WIRE_MAX_HEADER_LINE);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if (line_len == 0) {
            x->in_start += used;
            x->headers_done = 1;
            return 1;
        }
        if (dotnet_wire_header_line_parse(x->in + x->in_start, line_len, &h) != DOTNET_WIRE_OK) {
            DOTNET_RLOG(APLOG_ERR, 0, x->r, DOTNET_APP_RESPONSE_ERROR,
                        "daemon process group '%s': malformed response header line", x->g->name);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        add_header(x, &h);
        x->in_start += used;
    }
    return 0;
}

/* Passes body frames from the input to the client. 0 on success, -1 when the client is gone. */
static int pass_body(relay *x)
{
    request_rec *r = x->r;

    while (!x->response_done && x->in_end > x->in_start) {
        if (x->frame_left == 0) {
            uint32_t frame;
            if (dotnet_wire_frame_parse((unsigned char *)x->in + x->in_start, x->in_end - x->in_start, &frame)
                != DOTNET_WIRE_OK) {
                if (x->in_end - x->in_start >= 4) {
                    x->aborted = 1;   /* a frame over the limit: nothing more of it is trusted */
                    x->response_done = 1;
                }
                return 0;
            }
            x->in_start += 4;
            if (frame == 0) {
                x->response_done = 1;
            }
            else if (frame == DOTNET_FRAME_ABORT) {
                x->aborted = 1;
                x->response_done = 1;
            }
            else if (frame == DOTNET_FRAME_FLUSH) {
                if (ap_rflush(r) < 0) {
                    return -1;
                }
            }
            else {
                x->frame_left = frame;
            }
            continue;
        }
        {
            size_t n = x->in_end - x->in_start;
            if (n > x->frame_left) {
                n = x->frame_left;
            }
            if (ap_rwrite(x->in + x->in_start, (int)n, r) < 0) {
                return -1;
            }
            x->in_start += n;
            x->frame_left -= (uint32_t)n;
        }
    }
    if (x->in_start == x->in_end) {
        x->in_start = x->in_end = 0;
    }
    return 0;
}

static int send_request_head(request_rec *r, relay *x, const char *application_group, const char *app_key,
                             int pass_authorization, const char *script_name, int by_alias)
{
    const dotnet_dir_cfg *d = dotnet_dir_config(r);
    int32_t nvars, nheaders, i;
    const ah_kv *vars = dotnet_app_vars(r, script_name, application_group, x->g->name, &nvars);
    const ah_kv *headers = dotnet_app_headers(r, pass_authorization, &nheaders);
    dotnet_wire_item *items = apr_palloc(r->pool, sizeof(*items) * (size_t)(nvars + nheaders + 4));
    uint32_t n = 0;
    unsigned char *buf;
    size_t size;

#define ITEM(k, v) do { items[n].name = (k); items[n].name_len = strlen(k); \
                        items[n].value = (v); items[n].value_len = strlen(v); n++; } while (0)
    ITEM("mod_dotnet.wire.app_path", r->filename);
    ITEM("mod_dotnet.wire.app_key", app_key);
    /* An alias's app file is watched by the parent, which restarts the group one process at a
       time when it changes; the daemons then need not check it per request. */
    ITEM("mod_dotnet.wire.check_reload", d->script_reloading != 0 && !by_alias ? "1" : "0");
    if (x->g->queue_timeout > 0) {
        /* Sent on a connected socket: from now until a daemon thread accepts, the request waits
           in the backlog. The daemon compares with queue-timeout (same clock, same machine). */
        ITEM("mod_dotnet.wire.queue_start", apr_psprintf(r->pool, "%" APR_TIME_T_FMT, apr_time_now()));
    }
    for (i = 0; i < nvars; i++) {
        ITEM(vars[i].name, vars[i].value);
    }
    for (i = 0; i < nheaders; i++) {
        ITEM(headers[i].name, headers[i].value);
    }
#undef ITEM
    if (n > DOTNET_WIRE_MAX_ITEMS) {
        return HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE;
    }
    size = dotnet_wire_request_size(items, n - (uint32_t)nheaders, items + n - nheaders, (uint32_t)nheaders);
    if (size > DOTNET_WIRE_MAX_BLOCK) {
        return HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE;
    }
    buf = apr_palloc(r->pool, size + 4);
    dotnet_wire_request_encode(buf, x->g->secret, items, n - (uint32_t)nheaders, items + n - nheaders,
                               (uint32_t)nheaders);
    if (!x->has_body) {
        /* No body: its end frame goes in the same send. */
        dotnet_wire_frame_encode(buf + size, 0);
        size += 4;
    }
    /* The head goes out first, blocking within socket-timeout. */
    {
        size_t sent = 0;
        while (sent < size) {
            /* Sent at once when it fits in the socket (the usual case); polled only when not. */
            ssize_t w = send(x->fd, buf + sent, size - sent, MSG_NOSIGNAL);
            if (w < 0 && errno == EAGAIN) {
                struct pollfd pfd = { x->fd, POLLOUT, 0 };
                if (poll(&pfd, 1, x->g->socket_timeout * 1000) <= 0) {
                    DOTNET_RLOG(APLOG_ERR, 0, r, DOTNET_DAEMON_HEADER_TIMEOUT,
                                "timeout sending the request to daemon process group '%s'", x->g->name);
                    return HTTP_GATEWAY_TIME_OUT;
                }
                continue;
            }
            if (w < 0 && (errno == EPIPE || errno == ECONNRESET) && x->reused && sent == 0) {
                return DOTNET_RELAY_RESEND;   /* the daemon closed the kept connection: nothing was sent */
            }
            if (w < 0 && errno != EAGAIN && errno != EINTR) {
                DOTNET_RLOG(APLOG_ERR, errno, r, DOTNET_DAEMON_CLOSED_EARLY,
                            "daemon process group '%s' closed the connection before receiving the request",
                            x->g->name);
                return HTTP_BAD_GATEWAY;
            }
            if (w > 0) {
                sent += (size_t)w;
            }
        }
    }
    return OK;
}

int dotnet_daemon_relay(request_rec *r, dotnet_daemon_group *g, const char *application_group,
                        const char *app_key, int pass_authorization, const char *script_name, int by_alias)
{
    relay x;
    int status, rc;

    memset(&x, 0, sizeof(x));
    x.r = r;
    x.g = g;
    if ((rc = ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK)) != OK) {
        return rc;
    }
    x.has_body = ap_should_client_block(r);
    /* Without a body the end frame goes with the head, and no body buffer is needed. */
    x.out = x.has_body ? apr_palloc(r->pool, CHUNK + 4) : NULL;
    x.body_state = x.has_body ? 0 : 2;
    x.in_cap = FIRST_IN;
    x.in = apr_palloc(r->pool, x.in_cap);
    x.fd = take_kept(g);
    x.reused = x.fd >= 0;

send_again:
    if (x.fd < 0) {
        x.fd = connect_daemon(r, g, &status);
        if (x.fd < 0) {
            return status;
        }
        fcntl(x.fd, F_SETFL, O_RDWR | O_NONBLOCK);
    }
    rc = send_request_head(r, &x, application_group, app_key, pass_authorization, script_name, by_alias);
    if (rc == DOTNET_RELAY_RESEND) {
        close(x.fd);
        x.fd = -1;
        x.reused = 0;
        goto send_again;
    }
    if (rc != OK) {
        close(x.fd);
        return rc;
    }
    x.sent_all = !x.has_body;

    while (!x.response_done) {
        struct pollfd pfd;
        int ready;

        if (x.body_state == 0 && x.out_start == x.out_end) {
            next_body_piece(&x);
        }
        pfd.fd = x.fd;
        pfd.events = POLLIN | (x.body_state < 2 && x.out_start < x.out_end ? POLLOUT : 0);
        pfd.revents = 0;
        ready = poll(&pfd, 1, g->socket_timeout * 1000);
        if (ready < 0 && errno == EINTR) {
            continue;
        }
        if (ready == 0) {
            if (!x.headers_done) {
                DOTNET_RLOG(APLOG_ERR, 0, r, DOTNET_DAEMON_HEADER_TIMEOUT,
                            "timeout when reading response headers from daemon process group '%s' "
                            "(socket-timeout=%d s)", g->name, g->socket_timeout);
                close(x.fd);
                return HTTP_GATEWAY_TIME_OUT;
            }
            DOTNET_RLOG(APLOG_ERR, 0, r, DOTNET_DAEMON_HEADER_TIMEOUT,
                        "timeout when reading the response body from daemon process group '%s'", g->name);
            x.aborted = 1;
            break;
        }
        if ((pfd.revents & POLLOUT) && x.out_start < x.out_end) {
            ssize_t w = send(x.fd, x.out + x.out_start, x.out_end - x.out_start, MSG_NOSIGNAL);
            if (w > 0) {
                x.out_start += (size_t)w;
                if (x.out_start == x.out_end && x.body_state == 1) {
                    x.body_state = 2;
                    x.sent_all = 1;
                }
            }
            else if (w < 0 && errno != EAGAIN && errno != EINTR) {
                /* The daemon stopped reading (the app answered without the body): keep reading. */
                x.body_state = 2;
                x.out_start = x.out_end;
            }
        }
        if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n;
            if (x.in_start > 0) {
                memmove(x.in, x.in + x.in_start, x.in_end - x.in_start);
                x.in_end -= x.in_start;
                x.in_start = 0;
            }
            if (x.in_end == CHUNK) {
                /* The header block does not fit: a header line is too long. */
                if (!x.headers_done) {
                    DOTNET_RLOG(APLOG_ERR, 0, r, DOTNET_DAEMON_HEADER_TOO_LONG,
                                "daemon process group '%s': response headers too long", g->name);
                    close(x.fd);
                    return HTTP_INTERNAL_SERVER_ERROR;
                }
            }
            n = recv(x.fd, x.in + x.in_end, x.in_cap - x.in_end, 0);
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
                continue;
            }
            if (n < 0 && errno == ECONNRESET && x.reused && x.received == 0 && !x.has_body) {
                /* A kept connection the daemon closed with this request unread in it (it
                   stopped as the request arrived): nothing of it was read, so it goes again on
                   a new connection. A request the daemon did read ends in EOF, never here. */
                close(x.fd);
                x.fd = -1;
                x.reused = 0;
                goto send_again;
            }
            if (n <= 0) {
                int err = n < 0 ? errno : 0;
                if (err == ECONNRESET) {
                    n = 0;   /* a daemon that died with unread input resets instead of closing */
                }
                close(x.fd);
                if (!x.headers_done) {
                    if (n == 0) {
                        DOTNET_RLOG(APLOG_ERR, 0, r, DOTNET_DAEMON_CLOSED_EARLY,
                                    "daemon process '%s' closed connection before sending complete "
                                    "response headers (it may have crashed: see the daemon's lines above)",
                                    g->name);
                        return HTTP_BAD_GATEWAY;
                    }
                    DOTNET_RLOG(APLOG_ERR, err, r, DOTNET_DAEMON_HEADER_IO,
                                "I/O error reading response headers from daemon process group '%s'", g->name);
                    return HTTP_BAD_GATEWAY;
                }
                DOTNET_RLOG(APLOG_ERR, err, r, DOTNET_DAEMON_CLOSED_EARLY,
                            "daemon process group '%s' closed the connection before the response was complete",
                            g->name);
                x.fd = -1;
                x.aborted = 1;
                break;
            }
            x.in_end += (size_t)n;
            x.received += (size_t)n;
            if (x.in_end == x.in_cap && x.in_cap < CHUNK) {
                /* A full read: the next one gets room for a whole frame. */
                char *bigger = apr_palloc(r->pool, CHUNK);
                memcpy(bigger, x.in, x.in_end);
                x.in = bigger;
                x.in_cap = CHUNK;
            }
            if (!x.headers_done) {
                int h = parse_headers(&x);
                if (h > 1) {
                    close(x.fd);
                    return h;
                }
                if (h == 1 && x.in_start == x.in_end) {
                    x.in_start = x.in_end = 0;
                }
            }
            if (x.headers_done && pass_body(&x) < 0) {
                break;   /* the client went away */
            }
        }
    }
    if (x.fd >= 0) {
        /* Clean on both sides (the whole request sent, the whole response read, nothing more
           arrived): the connection carries this thread's next request to the group. */
        if (x.response_done && !x.aborted && x.sent_all && x.in_start == x.in_end) {
            keep_connection(g, x.fd);
        }
        else {
            close(x.fd);
        }
    }
    if (x.aborted) {
        r->connection->keepalive = AP_CONN_CLOSE;
        r->connection->aborted = 1;
    }
    return OK;
}
