/*
 * Configuration: the directives, and the per-server / per-directory records they fill.
 *
 * Settings valid in both server and directory context (DotNetPassAuthorization,
 * DotNetScriptReloading, DotNetHookTimeout, DotNetApplicationGroup) live in the
 * per-directory record only: at server level Apache hands the handler the server's default
 * directory record, which every request's r->per_dir_config is merged from. The hooks
 * therefore read one record, r->per_dir_config, which also makes <AuthnProviderAlias>
 * work (mod_authn_core merges the alias section into r->per_dir_config around the call).
 * Settings that concern the runtime of the whole process (DotNetRuntimeRoot,
 * DotNetScriptCache, DotNetRestrictStdout) are main-server only.
 */
#ifndef DOTNET_CONFIG_H
#define DOTNET_CONFIG_H

#include "httpd.h"
#include "http_config.h"
#include "mod_dotnet.h"
#include "dotnet_app_group.h"

#define DOTNET_UNSET (-1)

#define DOTNET_DEFAULT_HOOK_TIMEOUT 30            /* seconds */
#define DOTNET_MAX_HOOK_TIMEOUT     (24 * 3600)   /* a day: more is a typo */
#define DOTNET_CACHE_DIR_NAME       "dotnet-cache"
/* SHA-512-crypt rounds for mod_authn_socache entries of sources without a stored hash:
   crypt(3)'s minimum, about 0.25 ms here, below one pooled LDAP check (docs/security.md). */
#define DOTNET_DEFAULT_CACHE_ROUNDS 1000
#define DOTNET_MAX_CACHE_ROUNDS     999999999

/* One DotNetAuthUserScript / DotNetAuthGroupScript / DotNetAccessScript. */
typedef struct {
    const char *path;          /* absolute */
    dotnet_app_group group;    /* application-group=, default %{GLOBAL} */
} dotnet_script;

typedef struct {
    const dotnet_script *auth_user;
    const dotnet_script *auth_group;
    const dotnet_script *access;
    int pass_authorization;    /* DOTNET_UNSET, 0, 1: for the gateway */
    int script_reloading;      /* DOTNET_UNSET, 0, 1 */
    int hook_timeout;          /* seconds, DOTNET_UNSET; 0 = no limit */
    const char *application_group;  /* DotNetApplicationGroup as written, for the gateway */
    const char *process_group;      /* DotNetProcessGroup: NULL or "%{GLOBAL}" = embedded */
    dotnet_app_group application_group_parsed;
} dotnet_dir_cfg;

typedef struct {
    const char *runtime_root;  /* DotNetRuntimeRoot, NULL = what nethost finds */
    const char *script_cache;  /* DotNetScriptCache as configured (absolute), NULL = default */
    int restrict_stdout;       /* DOTNET_UNSET, 0, 1 */
    int preload_runtime;       /* DotNetPreloadRuntime: DOTNET_UNSET (= On), 0, 1 */
    int authn_cache_rounds;    /* DotNetAuthnCacheHashRounds, DOTNET_UNSET = default */
    apr_array_header_t *aliases; /* dotnet_alias *: DotNetScriptAlias(Match), per virtual host */
    apr_array_header_t *imports; /* dotnet_import *: DotNetImportScript, this server's own only */
    /* Set by post_config in the parent and inherited by the children: the cache directory to
       pass to the host, NULL when it could not be made usable (DOTNET0213 logged). */
    const char *script_cache_effective;
} dotnet_server_cfg;

extern const command_rec dotnet_directives[];

/* "file:line" of the directive being read, for an error only found once all of them are read. */
const char *dotnet_directive_where(const cmd_parms *cmd);

void *dotnet_create_dir_config(apr_pool_t *p, char *dir);
void *dotnet_merge_dir_config(apr_pool_t *p, void *base, void *add);
void *dotnet_create_server_config(apr_pool_t *p, server_rec *s);
void *dotnet_merge_server_config(apr_pool_t *p, void *base, void *add);

static APR_INLINE const dotnet_dir_cfg *dotnet_dir_config(const request_rec *r)
{
    return (const dotnet_dir_cfg *)ap_get_module_config(r->per_dir_config, &dotnet_module);
}

/* The main server's record: runtime settings are per process, not per virtual host. */
const dotnet_server_cfg *dotnet_main_server_config(void);

/* Whether the main configuration (not an .htaccess file) names code that runs in Apache's
   children: a hook script, or an alias not sent to a daemon process group (an embedded
   DotNetImportScript starts the runtime itself). Reset by pre_config at every (re)start; read
   in child_init to start the runtime early (DotNetPreloadRuntime). */
int dotnet_config_names_embedded_code(void);
int dotnet_config_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp);
void dotnet_config_note_embedded_code(const cmd_parms *cmd);

/* Whether the main configuration names an app that may run in Apache's children: an alias or
   a DotNetImportScript not sent to a daemon process group. Read in child_init to size the GC
   heap: a child that only runs hooks gets a smaller one (dotnet_child_exit.c). */
int dotnet_config_names_embedded_app(void);
void dotnet_config_note_embedded_app(const cmd_parms *cmd);

#endif /* DOTNET_CONFIG_H */
