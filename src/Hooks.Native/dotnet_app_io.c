/*
 * The I/O of one application request (ah_app_io), on the request's worker thread: the body
 * read through Apache's input filters (de-chunked, 100 Continue, LimitRequestBody), the
 * response written into a brigade through the output filters, as mod_wsgi does. Nothing is
 * buffered here beyond what Apache's filters buffer, so bodies of any size stream.
 */
#include <string.h>
#include "httpd.h"
#include "apr_strings.h"
#include "apr_buckets.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_filter.h"
#include "mod_dotnet.h"
#include "dotnet_gateway.h"
#include "dotnet_log.h"

APLOG_USE_MODULE(dotnet);

typedef struct {
    ah_app_io io;            /* first: the host hands back io.ctx, which points here */
    request_rec *r;
    apr_bucket_brigade *in;
    apr_bucket_brigade *out;
    int headers_sent;        /* send_headers was called */
    int input_done;          /* EOS seen */
    int gone;                /* the client went away (or the output failed): writes are no-ops */
} app_io;

static int64_t io_read(void *vctx, uint8_t *buffer, int64_t len, int32_t *status)
{
    app_io *ctx = vctx;
    request_rec *r = ctx->r;
    int rounds;

    *status = 0;
    if (ctx->input_done || len <= 0) {
        return 0;
    }
    if (len > 1024 * 1024) {
        len = 1024 * 1024;
    }
    /* A blocking read returns data or EOS; the bound only guards against a filter that hands
       back empty brigades. */
    for (rounds = 0; rounds < 1000; rounds++) {
        apr_size_t n = (apr_size_t)len;
        apr_bucket *b;
        apr_status_t rv;

        apr_brigade_cleanup(ctx->in);
        rv = ap_get_brigade(r->input_filters, ctx->in, AP_MODE_READBYTES, APR_BLOCK_READ, (apr_off_t)len);
        if (rv != APR_SUCCESS) {
            int mapped = ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
            apr_brigade_cleanup(ctx->in);
            /* APR_ENOSPC (LimitRequestBody) maps to 413, a timeout to 408. AP_FILTER_ERROR means a
               filter has already sent its own error bucket, without saying which: 400. */
            *status = mapped == AP_FILTER_ERROR ? HTTP_BAD_REQUEST : mapped;
            if (rv == APR_EOF || r->connection->aborted) {
                *status = 0;
            }
            return -1;
        }
        for (b = APR_BRIGADE_FIRST(ctx->in); b != APR_BRIGADE_SENTINEL(ctx->in); b = APR_BUCKET_NEXT(b)) {
            if (APR_BUCKET_IS_EOS(b)) {
                ctx->input_done = 1;
                apr_bucket_delete(b);
                break;
            }
        }
        if (apr_brigade_flatten(ctx->in, (char *)buffer, &n) != APR_SUCCESS) {
            apr_brigade_cleanup(ctx->in);
            *status = HTTP_BAD_REQUEST;
            return -1;
        }
        apr_brigade_cleanup(ctx->in);
        if (n > 0 || ctx->input_done) {
            return (int64_t)n;
        }
    }
    *status = HTTP_BAD_REQUEST;
    return -1;
}

static int is_hop_by_hop(const char *name)
{
    static const char *const names[] = {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "TE",
        "Trailer", NULL
    };
    int i;
    for (i = 0; names[i]; i++) {
        if (strcasecmp(name, names[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

static int bad_header_text(const char *s)
{
    for (; *s; s++) {
        if (*s == '\r' || *s == '\n') {
            return 1;
        }
    }
    return 0;
}

static int32_t io_send_headers(void *vctx, int32_t status, const char *reason, const ah_kv *headers,
                               int32_t nheaders)
{
    app_io *ctx = vctx;
    request_rec *r = ctx->r;
    int32_t i;

    if (ctx->headers_sent) {
        DOTNET_RLOG(APLOG_ERR, 0, r, DOTNET_APP_RESPONSE_ERROR,
                    "%s: the response headers were sent twice", r->filename);
        return -1;
    }
    if (status < 100 || status > 999) {
        DOTNET_RLOG(APLOG_ERR, 0, r, DOTNET_APP_RESPONSE_ERROR,
                    "%s: the app set status %d, which is not an HTTP status", r->filename, (int)status);
        return -1;
    }
    ctx->headers_sent = 1;
    r->status = status;
    /* mod_mime typed the request by the app's file name (.dll, .cs): only what the app says counts. */
    r->content_type = NULL;
    if (reason && reason[0] && !bad_header_text(reason)) {
        r->status_line = apr_psprintf(r->pool, "%d %s", (int)status, reason);
    }
    for (i = 0; i < nheaders; i++) {
        const char *name = headers[i].name, *value = headers[i].value;
        if (name == NULL || value == NULL || is_hop_by_hop(name)) {
            continue;
        }
        if (name[0] == '\0' || bad_header_text(name) || bad_header_text(value)) {
            DOTNET_RLOG(APLOG_ERR, 0, r, DOTNET_APP_RESPONSE_ERROR,
                        "%s: the response header '%s' has CR or LF in it and was left out",
                        r->filename, bad_header_text(name) ? "(name)" : name);
            continue;
        }
        if (strcasecmp(name, "Content-Type") == 0) {
            ap_set_content_type(r, apr_pstrdup(r->pool, value));
        }
        else if (strcasecmp(name, "Content-Length") == 0) {
            apr_table_setn(r->headers_out, "Content-Length", apr_pstrdup(r->pool, value));
        }
        else {
            apr_table_addn(r->headers_out, apr_pstrdup(r->pool, name), apr_pstrdup(r->pool, value));
        }
    }
    return 0;
}

static int output_failed(app_io *ctx, apr_status_t rv)
{
    if (rv != APR_SUCCESS || ctx->r->connection->aborted) {
        ctx->gone = 1;
        apr_brigade_cleanup(ctx->out);
        return 1;
    }
    return 0;
}

static int32_t io_write(void *vctx, const uint8_t *buffer, int64_t len)
{
    app_io *ctx = vctx;
    apr_status_t rv;

    if (ctx->gone) {
        return -1;
    }
    if (len <= 0) {
        return 0;
    }
    rv = ap_fwrite(ctx->r->output_filters, ctx->out, (const char *)buffer, (apr_size_t)len);
    return output_failed(ctx, rv) ? -1 : 0;
}

static int32_t io_flush(void *vctx)
{
    app_io *ctx = vctx;

    if (ctx->gone) {
        return -1;
    }
    return output_failed(ctx, ap_fflush(ctx->r->output_filters, ctx->out)) ? -1 : 0;
}

const ah_app_io *dotnet_app_io_create(request_rec *r)
{
    app_io *ctx = apr_pcalloc(r->pool, sizeof(*ctx));

    ctx->r = r;
    ctx->in = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    ctx->out = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    ctx->io.ctx = ctx;
    ctx->io.read = io_read;
    ctx->io.send_headers = io_send_headers;
    ctx->io.write = io_write;
    ctx->io.flush = io_flush;
    return &ctx->io;
}

int dotnet_app_io_started(const ah_app_io *io)
{
    return ((const app_io *)io->ctx)->headers_sent;
}

int dotnet_app_io_finish(const ah_app_io *io)
{
    app_io *ctx = io->ctx;
    apr_status_t rv;

    if (ctx->gone) {
        return 0;
    }
    APR_BRIGADE_INSERT_TAIL(ctx->out, apr_bucket_eos_create(ctx->out->bucket_alloc));
    rv = ap_pass_brigade(ctx->r->output_filters, ctx->out);
    apr_brigade_cleanup(ctx->out);
    return !output_failed(ctx, rv);
}
