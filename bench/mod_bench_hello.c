/*
 * make bench's floor for a hello world: the cheapest handler Apache can run, in C, answering
 * what bench/hello.cs and bench/hello.wsgi answer (12 bytes of text/plain). No gateway can be
 * faster than this in the same Apache, so its rate bounds every "app / mod_wsgi" ratio:
 * floor / mod_wsgi is the most any embedded app could reach. Built by bench/run with apxs
 * into build/bench/; not part of the product.
 */
#include <string.h>
#include "httpd.h"
#include "http_config.h"
#include "http_protocol.h"

static int bench_hello_handler(request_rec *r)
{
    static const char body[] = "Hello world!";

    if (r->handler == NULL || strcmp(r->handler, "bench-hello") != 0) {
        return DECLINED;
    }
    ap_set_content_type(r, "text/plain");
    ap_set_content_length(r, sizeof(body) - 1);
    if (!r->header_only) {
        ap_rwrite(body, sizeof(body) - 1, r);
    }
    return OK;
}

static void bench_hello_register(apr_pool_t *p)
{
    (void)p;
    ap_hook_handler(bench_hello_handler, NULL, NULL, APR_HOOK_MIDDLE);
}

module AP_MODULE_DECLARE_DATA bench_hello_module = {
    STANDARD20_MODULE_STUFF, NULL, NULL, NULL, NULL, NULL, bench_hello_register
};
