/*
 * application-group= values: parsed once at configuration time into a kind plus argument,
 * resolved per request into the group name the host uses ("" is %{GLOBAL}).
 */
#ifndef DOTNET_APP_GROUP_H
#define DOTNET_APP_GROUP_H

#include "httpd.h"

typedef enum {
    DOTNET_GROUP_GLOBAL,    /* %{GLOBAL}: the one shared group, named "" */
    DOTNET_GROUP_SERVER,    /* %{SERVER}: virtual host name:port */
    DOTNET_GROUP_RESOURCE,  /* %{RESOURCE}: virtual host name:port|script path */
    DOTNET_GROUP_ENV,       /* %{ENV:var}: a request environment variable (SetEnv, SetEnvIf, ...) */
    DOTNET_GROUP_LITERAL    /* any other text, used as given */
} dotnet_group_kind;

typedef struct {
    dotnet_group_kind kind;
    const char *arg;        /* the variable name for ENV, the name for LITERAL, else NULL */
} dotnet_app_group;

/* Parses spec into group; returns NULL, or an error text (without code) allocated in p. */
const char *dotnet_app_group_parse(apr_pool_t *p, const char *spec, dotnet_app_group *group);

/* The group name for this request; script_path is the script the hook runs (for %{RESOURCE}). */
const char *dotnet_app_group_resolve(request_rec *r, const dotnet_app_group *group,
                                     const char *script_path);

/* The port the request's connection arrived on (not the Host header's): part of app keys. */
unsigned dotnet_local_port(const request_rec *r);

#endif /* DOTNET_APP_GROUP_H */
