/*
 * The variables a hook's HookRequest shows: what mod_wsgi gives its auth scripts, built
 * straight from the request_rec and headers_in rather than with ap_add_common_vars, which
 * would copy everything into subprocess_env (and does more than a hook needs) on each call.
 *
 * Authorization and Proxy-Authorization are never included. A header whose name has
 * characters other than letters, digits and '-' is left out, as Apache does for CGI, so
 * "X_Forwarded_For" cannot pose as HTTP_X_FORWARDED_FOR.
 */
#include <string.h>
#include "httpd.h"
#include "apr_strings.h"
#include "apr_lib.h"
#include "http_core.h"
#include "http_protocol.h"
#include "http_ssl.h"
#include "dotnet_call.h"

/* Besides up to two per header (HTTP_CONTENT_TYPE and CONTENT_TYPE). */
#define FIXED_VARS 21

static int is_credential_header(const char *name)
{
    return strcasecmp(name, "Authorization") == 0 || strcasecmp(name, "Proxy-Authorization") == 0;
}

/* "User-Agent" -> "HTTP_USER_AGENT"; NULL for names a CGI variable cannot carry. */
static const char *header_var(apr_pool_t *p, const char *name)
{
    size_t len = strlen(name), i;
    char *var;

    if (len == 0) {
        return NULL;
    }
    var = apr_palloc(p, len + 6);
    memcpy(var, "HTTP_", 5);
    for (i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)name[i];
        if (apr_isalnum(ch)) {
            var[5 + i] = (char)apr_toupper(ch);
        }
        else if (ch == '-') {
            var[5 + i] = '_';
        }
        else {
            return NULL;
        }
    }
    var[5 + len] = '\0';
    return var;
}

const ah_kv *dotnet_request_vars(request_rec *r, const char *application_group, int32_t *count)
{
    const apr_array_header_t *headers = apr_table_elts(r->headers_in);
    const apr_table_entry_t *h = (const apr_table_entry_t *)headers->elts;
    ah_kv *vars = apr_palloc(r->pool, sizeof(ah_kv) * (size_t)(2 * headers->nelts + FIXED_VARS));
    conn_rec *c = r->connection;
    const char *remote_host;
    int n = 0, i;

#define ADD(k, v) do { vars[n].name = (k); vars[n].value = (v); n++; } while (0)

    for (i = 0; i < headers->nelts; i++) {
        const char *var;
        if (h[i].key == NULL || h[i].val == NULL || is_credential_header(h[i].key)) {
            continue;
        }
        var = header_var(r->pool, h[i].key);
        if (var == NULL) {
            continue;
        }
        ADD(var, h[i].val);
        /* CGI's names for these two too, as mod_wsgi's scripts expect them. */
        if (strcmp(var, "HTTP_CONTENT_TYPE") == 0) {
            ADD("CONTENT_TYPE", h[i].val);
        }
        else if (strcmp(var, "HTTP_CONTENT_LENGTH") == 0) {
            ADD("CONTENT_LENGTH", h[i].val);
        }
    }

    ADD("REQUEST_METHOD", r->method ? r->method : "");
    ADD("REQUEST_URI", r->unparsed_uri ? r->unparsed_uri : "");
    ADD("QUERY_STRING", r->args ? r->args : "");
    ADD("REQUEST_SCHEME", ap_http_scheme(r));
    {
        /* SCRIPT_NAME + PATH_INFO = the URI path, as ap_add_cgi_vars splits it. */
        const char *uri = r->uri ? r->uri : "";
        const char *path_info = r->path_info ? r->path_info : "";
        size_t ulen = strlen(uri), plen = strlen(path_info);
        if (plen > 0 && plen <= ulen && strcmp(uri + ulen - plen, path_info) == 0) {
            ADD("SCRIPT_NAME", apr_pstrmemdup(r->pool, uri, ulen - plen));
            ADD("PATH_INFO", path_info);
        }
        else {
            ADD("SCRIPT_NAME", uri);
            ADD("PATH_INFO", "");
        }
    }
    ADD("REMOTE_ADDR", r->useragent_ip ? r->useragent_ip : c->client_ip);
    ADD("REMOTE_PORT", apr_itoa(r->pool, r->useragent_addr ? r->useragent_addr->port
                                         : c->client_addr->port));
    /* REMOTE_HOST only: never triggers a DNS lookup that HostnameLookups did not ask for. */
    remote_host = ap_get_useragent_host(r, REMOTE_HOST, NULL);
    if (remote_host) {
        ADD("REMOTE_HOST", remote_host);
    }
    if (r->user) {
        ADD("REMOTE_USER", r->user);
    }
    if (r->ap_auth_type) {
        ADD("AUTH_TYPE", r->ap_auth_type);
    }
    ADD("SERVER_NAME", ap_get_server_name_for_url(r));
    ADD("SERVER_PORT", apr_itoa(r->pool, ap_get_server_port(r)));
    ADD("SERVER_ADDR", c->local_ip ? c->local_ip : "");
    ADD("SERVER_PROTOCOL", r->protocol ? r->protocol : "");
    ADD("SERVER_SOFTWARE", ap_get_server_banner());
    ADD("DOCUMENT_ROOT", ap_document_root(r));
    ADD("HTTPS", ap_ssl_conn_is_ssl(c) ? "on" : "off");
    /* The decoded, normalised path <Location> matched (HookRequest.Path): /%76ault, //vault
       and /x/../vault are all /vault here, while REQUEST_URI stays as the client sent it. */
    ADD("mod_dotnet.path", r->uri ? r->uri : "");
    ADD("mod_dotnet.application_group", application_group);
#undef ADD

    *count = n;
    return vars;
}
