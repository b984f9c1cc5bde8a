/*
 * Resolving application-group= values. The kind is decided at configuration time so a
 * request costs at most one table lookup or one small string build, never a parse.
 */
#include <string.h>
#include "httpd.h"
#include "apr_strings.h"
#include "http_core.h"
#include "dotnet_app_group.h"

const char *dotnet_app_group_parse(apr_pool_t *p, const char *spec, dotnet_app_group *group)
{
    group->arg = NULL;
    if (spec == NULL || *spec == '\0') {
        return "an application group name must not be empty";
    }
    if (strncmp(spec, "%{", 2) != 0) {
        group->kind = DOTNET_GROUP_LITERAL;
        group->arg = spec;
        return NULL;
    }
    if (strcmp(spec, "%{GLOBAL}") == 0) {
        group->kind = DOTNET_GROUP_GLOBAL;
        return NULL;
    }
    if (strcmp(spec, "%{SERVER}") == 0) {
        group->kind = DOTNET_GROUP_SERVER;
        return NULL;
    }
    if (strcmp(spec, "%{RESOURCE}") == 0) {
        group->kind = DOTNET_GROUP_RESOURCE;
        return NULL;
    }
    if (strncmp(spec, "%{ENV:", 6) == 0) {
        size_t len = strlen(spec);
        /* "%{ENV:" + at least one character + "}" */
        if (len > 7 && spec[len - 1] == '}' && memchr(spec + 6, '}', len - 7) == NULL) {
            group->kind = DOTNET_GROUP_ENV;
            group->arg = apr_pstrmemdup(p, spec + 6, len - 7);
            return NULL;
        }
    }
    return apr_psprintf(p, "'%s' is not a valid application group: use a name, %%{GLOBAL}, "
                        "%%{SERVER}, %%{RESOURCE} or %%{ENV:variable}", spec);
}

/* "name:port" of the virtual host that serves r: its configured name and the port the
   connection arrived on. Never the Host header's port (ap_get_server_port with
   UseCanonicalName Off): a client could then mint a new group, and load every script again,
   with each port number it sends. */
static const char *server_key(request_rec *r)
{
    return apr_psprintf(r->pool, "%s:%u", r->server->server_hostname ? r->server->server_hostname : "",
                        (unsigned)dotnet_local_port(r));
}

unsigned dotnet_local_port(const request_rec *r)
{
    const apr_sockaddr_t *local = r->connection ? r->connection->local_addr : NULL;
    return local ? (unsigned)local->port : 0;
}

const char *dotnet_app_group_resolve(request_rec *r, const dotnet_app_group *group,
                                     const char *script_path)
{
    const char *value;

    switch (group->kind) {
    case DOTNET_GROUP_GLOBAL:
        return "";
    case DOTNET_GROUP_SERVER:
        return server_key(r);
    case DOTNET_GROUP_RESOURCE:
        return apr_pstrcat(r->pool, server_key(r), "|", script_path ? script_path : "", NULL);
    case DOTNET_GROUP_ENV:
        /* Like mod_wsgi: an unset variable selects the global group. */
        value = apr_table_get(r->subprocess_env, group->arg);
        return value ? value : "";
    case DOTNET_GROUP_LITERAL:
    default:
        return group->arg ? group->arg : "";
    }
}
