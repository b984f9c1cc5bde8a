/*
 * The gateway: application requests served by managed apps (DotNetScriptAlias,
 * DotNetScriptAliasMatch, SetHandler dotnet-script). dotnet_alias.c maps URLs to apps,
 * dotnet_handler.c is the handler phase (its managed twin: Gateway/HandlerPhase.cs),
 * dotnet_app_io.c does the request's I/O for the host, dotnet_app_vars.c builds what the app sees.
 */
#ifndef DOTNET_GATEWAY_H
#define DOTNET_GATEWAY_H

#include "httpd.h"
#include "http_config.h"
#include "ap_regex.h"
#include "dotnet_bridge.h"
#include "dotnet_app_group.h"

#define DOTNET_HANDLER_NAME "dotnet-script"

/* One DotNetScriptAlias / DotNetScriptAliasMatch. */
typedef struct {
    const char *url;            /* the URL prefix, or the regex as written */
    ap_regex_t *regex;          /* AliasMatch only */
    const char *target;         /* file or directory (AliasMatch: may hold $1..$9) */
    int has_app_group;
    dotnet_app_group app_group; /* application-group=, else DotNetApplicationGroup */
    int has_process_group;      /* process-group= given: with application-group=, preload */
    const char *process_group;  /* a daemon group's name; NULL = %{GLOBAL} (Apache's children) */
    int pass_authorization;     /* DOTNET_UNSET, 0, 1 */
    const char *where;          /* "file:line" of the directive */
} dotnet_alias;

/* One DotNetImportScript. */
typedef struct {
    const char *path;
    dotnet_app_group app_group; /* %{GLOBAL} or a name: nothing that needs a request */
    const char *process_group;  /* a DotNetDaemonProcess group; NULL: Apache's children */
    const char *where;          /* "file:line" of the directive */
} dotnet_import;

/* What translate_name found for this request (r->request_config). */
typedef struct {
    const dotnet_alias *alias;
} dotnet_alias_match;

/* dotnet_alias.c */
const char *dotnet_set_script_alias(cmd_parms *cmd, void *mconfig, int argc, char *const argv[]);
int dotnet_alias_translate(request_rec *r);
const dotnet_alias_match *dotnet_alias_matched(request_rec *r);

/* dotnet_handler.c */
int dotnet_handler(request_rec *r);

/* dotnet_preload.c: DotNetImportScript, and the child_init hook that preloads it and every
   alias given both groups. */
const char *dotnet_set_import_script(cmd_parms *cmd, void *mconfig, int argc, char *const argv[]);
const char *dotnet_preload_group_check(cmd_parms *cmd, const dotnet_app_group *group);
void dotnet_preload_child_init(apr_pool_t *pchild, server_rec *s);
/* The same in a daemon: the aliases whose process-group= is that daemon's group. */
void dotnet_preload_daemon(apr_pool_t *pchild, server_rec *s, const char *process_group);

/* One app = one virtual host (its configured name and port, never what a client sent) + one
   alias URL, or the file under SetHandler: its data protection key ring and running instance. */
const char *dotnet_app_key(apr_pool_t *p, const server_rec *s, const char *alias_or_file);

/* dotnet_app_io.c: the ah_app_io for r; dotnet_app_io_finish sends what is still buffered
   and the end of the response; returns whether the client is still there. */
const ah_app_io *dotnet_app_io_create(request_rec *r);
int dotnet_app_io_started(const ah_app_io *io);
int dotnet_app_io_finish(const ah_app_io *io);

/* dotnet_app_vars.c */
const ah_kv *dotnet_app_vars(request_rec *r, const char *script_name, const char *application_group,
                             const char *process_group, int32_t *count);
const ah_kv *dotnet_app_headers(request_rec *r, int pass_authorization, int32_t *count);

#endif /* DOTNET_GATEWAY_H */
