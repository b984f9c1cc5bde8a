/*
 * What an application sees of its request: CGI variables (as mod_wsgi's environ) and the
 * request headers. Authorization reaches an app only with DotNetPassAuthorization On (or the
 * alias's pass-authorization=On); Proxy-Authorization never does.
 */
#include <string.h>
#include "httpd.h"
#include "apr_strings.h"
#include "http_core.h"
#include "http_protocol.h"
#include "http_ssl.h"
#include "dotnet_gateway.h"

/* mod_ssl's variables an app may want (ClientCertificate comes from SSL_CLIENT_CERT). */
static const char *const ssl_vars[] = {
    "SSL_PROTOCOL", "SSL_CIPHER", "SSL_CLIENT_VERIFY", "SSL_CLIENT_S_DN", "SSL_CLIENT_I_DN",
    "SSL_CLIENT_CERT", "SSL_SERVER_S_DN", "SSL_TLS_SNI", NULL
};

/* Names only the module sets: what the app trusts about the request (who authenticated, over
   what connection, the client certificate) and what the relay tells a daemon (mod_dotnet.*).
   SetEnv, SetEnvIf and RewriteRule [E=] can be used in .htaccess with AllowOverride FileInfo,
   so a variable of one of these names from there would let a tenant claim a user nobody
   authenticated, a certificate nobody presented, or make a daemon load another file. */
static const char *const reserved_vars[] = {
    "REQUEST_METHOD", "REQUEST_URI", "QUERY_STRING", "SCRIPT_NAME", "PATH_INFO", "SCRIPT_FILENAME",
    "SERVER_PROTOCOL", "REQUEST_SCHEME", "HTTPS", "SERVER_NAME", "SERVER_PORT", "SERVER_ADDR",
    "SERVER_LOCAL_PORT", "REMOTE_ADDR", "REMOTE_PORT", "REMOTE_USER", "AUTH_TYPE", NULL
};

static int reserved_var(const char *name)
{
    int i;

    if (strncasecmp(name, "HTTP_", 5) == 0 || strncasecmp(name, "mod_dotnet.", 11) == 0) {
        return 1;   /* headers travel in their own list; mod_dotnet.* is the module's */
    }
    for (i = 0; reserved_vars[i]; i++) {
        if (strcasecmp(name, reserved_vars[i]) == 0) {
            return 1;
        }
    }
    for (i = 0; ssl_vars[i]; i++) {
        if (strcasecmp(name, ssl_vars[i]) == 0) {
            return 1;   /* from mod_ssl itself, below, on a TLS connection only */
        }
    }
    return 0;
}

const ah_kv *dotnet_app_vars(request_rec *r, const char *script_name, const char *application_group,
                             const char *process_group, int32_t *count)
{
    const apr_array_header_t *env = apr_table_elts(r->subprocess_env);
    const apr_table_entry_t *e = (const apr_table_entry_t *)env->elts;
    conn_rec *c = r->connection;
    int ssl = ap_ssl_conn_is_ssl(c);
    ah_kv *vars = apr_palloc(r->pool, sizeof(ah_kv) * (size_t)(env->nelts + 40));
    int n = 0, i;

#define ADD(k, v) do { vars[n].name = (k); vars[n].value = (v); n++; } while (0)
    /* SetEnv, SetEnvIf, RewriteRule [E=...]: as CGI and mod_wsgi pass them, except the names
       the module sets itself. */
    for (i = 0; i < env->nelts; i++) {
        if (e[i].key && e[i].val && !reserved_var(e[i].key)) {
            ADD(e[i].key, e[i].val);
        }
    }
    ADD("REQUEST_METHOD", r->method ? r->method : "GET");
    ADD("REQUEST_URI", r->unparsed_uri ? r->unparsed_uri : "");
    ADD("QUERY_STRING", r->args ? r->args : "");
    ADD("SCRIPT_NAME", script_name);
    ADD("PATH_INFO", r->path_info ? r->path_info : "");
    ADD("SCRIPT_FILENAME", r->filename ? r->filename : "");
    ADD("SERVER_PROTOCOL", r->protocol ? r->protocol : "HTTP/1.1");
    ADD("REQUEST_SCHEME", ap_http_scheme(r));
    ADD("HTTPS", ssl ? "on" : "off");
    ADD("SERVER_NAME", ap_get_server_name_for_url(r));
    ADD("SERVER_PORT", apr_itoa(r->pool, ap_get_server_port(r)));
    ADD("SERVER_ADDR", c->local_ip ? c->local_ip : "");
    ADD("SERVER_LOCAL_PORT", apr_itoa(r->pool, c->local_addr ? c->local_addr->port : 0));
    /* The client as mod_remoteip established it. */
    ADD("REMOTE_ADDR", r->useragent_ip ? r->useragent_ip : c->client_ip);
    ADD("REMOTE_PORT", apr_itoa(r->pool, r->useragent_addr ? r->useragent_addr->port
                                         : c->client_addr->port));
    if (r->user) {
        ADD("REMOTE_USER", r->user);
    }
    if (r->ap_auth_type) {
        ADD("AUTH_TYPE", r->ap_auth_type);
    }
    ADD("mod_dotnet.application_group", application_group);
    ADD("mod_dotnet.process_group", process_group);
    ADD("mod_dotnet.connection_id", apr_ltoa(r->pool, c->id));
    if (ssl) {
        for (i = 0; ssl_vars[i]; i++) {
            const char *value = ap_ssl_var_lookup(r->pool, r->server, c, r, ssl_vars[i]);
            if (value && value[0]) {
                ADD(ssl_vars[i], value);
            }
        }
    }
#undef ADD
    *count = n;
    return vars;
}

const ah_kv *dotnet_app_headers(request_rec *r, int pass_authorization, int32_t *count)
{
    const apr_array_header_t *headers = apr_table_elts(r->headers_in);
    const apr_table_entry_t *h = (const apr_table_entry_t *)headers->elts;
    ah_kv *out = apr_palloc(r->pool, sizeof(ah_kv) * (size_t)(headers->nelts + 1));
    int n = 0, i;

    for (i = 0; i < headers->nelts; i++) {
        if (h[i].key == NULL || h[i].val == NULL
            || strcasecmp(h[i].key, "Proxy-Authorization") == 0
            || (!pass_authorization && strcasecmp(h[i].key, "Authorization") == 0)) {
            continue;
        }
        out[n].name = h[i].key;
        out[n].value = h[i].val;
        n++;
    }
    *count = n;
    return out;
}
