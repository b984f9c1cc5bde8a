/*
 * Directives and configuration records (see dotnet_config.h for where each setting lives).
 *
 * Every directive takes its arguments as argv and checks count, value and context itself,
 * so each configuration error starts with a catalogue code (DOTNET0300 bad argument,
 * DOTNET0301 not allowed here) and names the directive; Apache adds file and line for the
 * main configuration. For that reason the directives are registered with wider override
 * masks than they accept, and the context check below decides.
 */
#include <string.h>
#include <stdlib.h>
#include <errno.h>
#include "httpd.h"
#include "apr_strings.h"
#include "apr_file_info.h"
#include "http_config.h"
#include "http_core.h"
#include "http_main.h"
#include "dotnet_config.h"
#include "dotnet_log.h"
#include "dotnet_gateway.h"
#include "dotnet_daemon.h"

/* Where a directive may appear. */
typedef enum {
    CTX_MAIN_SERVER,     /* main server configuration, outside any section */
    CTX_SERVER_DIR,      /* server, virtual host, <Directory>/<Location>/<Files>; not .htaccess */
    CTX_SCRIPT           /* <Directory>/<Location>/<Files>, .htaccess, <AuthnProviderAlias> */
} dotnet_context;

/* Wider than accepted on purpose (see the top of the file). */
#define DOTNET_ANYWHERE (RSRC_CONF | ACCESS_CONF | OR_ALL)

static int in_htaccess(const cmd_parms *cmd)
{
    /* .htaccess directives run with only the AllowOverride bits; every section of the main
       configuration (including <AuthnProviderAlias>) adds ACCESS_CONF or RSRC_CONF. */
    return (cmd->override & (ACCESS_CONF | RSRC_CONF)) == 0;
}

/* Where the directive being processed was written. The directive's own record, not
   cmd->config_file: .htaccess files are read completely before their directives run, so the
   file's line counter is at its end by then. */
static const char *directive_file(const cmd_parms *cmd)
{
    if (cmd->directive && cmd->directive->filename) {
        return cmd->directive->filename;
    }
    return cmd->config_file ? cmd->config_file->name : "?";
}

static int directive_line(const cmd_parms *cmd)
{
    if (cmd->directive) {
        return cmd->directive->line_num;
    }
    return cmd->config_file ? cmd->config_file->line_number : 0;
}

static int names_embedded_code, names_embedded_app;

int dotnet_config_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    (void)pconf;
    (void)plog;
    (void)ptemp;
    names_embedded_code = 0;
    names_embedded_app = 0;
    return OK;
}

void dotnet_config_note_embedded_code(const cmd_parms *cmd)
{
    /* An .htaccess file is read in a child, per request: by then the child has decided. */
    if (!in_htaccess(cmd)) {
        names_embedded_code = 1;
    }
}

int dotnet_config_names_embedded_code(void)
{
    return names_embedded_code;
}

void dotnet_config_note_embedded_app(const cmd_parms *cmd)
{
    if (!in_htaccess(cmd)) {
        names_embedded_app = 1;
    }
}

int dotnet_config_names_embedded_app(void)
{
    return names_embedded_app;
}

const char *dotnet_directive_where(const cmd_parms *cmd)
{
    return apr_psprintf(cmd->pool, "%s:%d", directive_file(cmd), directive_line(cmd));
}

static const char *check_context(cmd_parms *cmd, dotnet_context where)
{
    const char *name = cmd->cmd->name;
    const char *err;

    switch (where) {
    case CTX_MAIN_SERVER:
        if (in_htaccess(cmd)) {
            return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_NOT_ALLOWED,
                                  "%s is not allowed in .htaccess files (%s:%d); set it in the "
                                  "main server configuration", name,
                                  directive_file(cmd), directive_line(cmd));
        }
        err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
        if (err) {
            return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_NOT_ALLOWED,
                                  "%s is a main server setting: %s", name, err);
        }
        return NULL;
    case CTX_SERVER_DIR:
        if (in_htaccess(cmd)) {
            return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_NOT_ALLOWED,
                                  "%s is not allowed in .htaccess files (%s:%d); set it in the "
                                  "server configuration", name,
                                  directive_file(cmd), directive_line(cmd));
        }
        return NULL;
    case CTX_SCRIPT:
    default:
        /* Loading code is an administrator's act: in .htaccess only where AllowOverride grants
           AuthConfig, as for Apache's own Auth* directives (FileInfo, Indexes, ... do not). */
        if (in_htaccess(cmd) && !(cmd->override & OR_AUTHCFG)) {
            return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_NOT_ALLOWED,
                                  "%s is not allowed here (%s:%d): in .htaccess it needs "
                                  "AllowOverride AuthConfig", name,
                                  directive_file(cmd), directive_line(cmd));
        }
        /* Server or virtual host level, outside any section: a script there would apply to
           nothing (Apache's auth configuration is per directory). <AuthnProviderAlias> runs
           its contents with ACCESS_CONF and no RSRC_CONF, so it passes. */
        if (cmd->path == NULL && (cmd->override & RSRC_CONF)) {
            return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_NOT_ALLOWED,
                                  "%s is not allowed at server or virtual host level; use it in "
                                  "<Directory>, <Location>, <Files>, <AuthnProviderAlias> or .htaccess",
                                  name);
        }
        return NULL;
    }
}

static const char *check_argc(cmd_parms *cmd, int argc, int min, int max, const char *syntax)
{
    if (argc < min || argc > max) {
        return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT, "%s takes %s: %s %s",
                              cmd->cmd->name, min == max ? "exactly one argument" :
                              "one or two arguments", cmd->cmd->name, syntax);
    }
    return NULL;
}

static const char *parse_on_off(cmd_parms *cmd, const char *arg, int *out)
{
    if (strcasecmp(arg, "On") == 0) {
        *out = 1;
    }
    else if (strcasecmp(arg, "Off") == 0) {
        *out = 0;
    }
    else {
        return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT, "%s must be On or Off, not '%s'",
                              cmd->cmd->name, arg);
    }
    return NULL;
}

/* DotNetAuthUserScript / DotNetAuthGroupScript / DotNetAccessScript path [application-group=G] */
static const char *set_script(cmd_parms *cmd, void *mconfig, int argc, char *const argv[])
{
    dotnet_dir_cfg *d = mconfig;
    dotnet_script *script;
    const char *err;
    const char *path;
    int i;

    if ((err = check_context(cmd, CTX_SCRIPT)) != NULL
        || (err = check_argc(cmd, argc, 1, 2, "path [application-group=name]")) != NULL) {
        return err;
    }
    if (argv[0][0] == '\0') {
        return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT, "%s: the script path is empty",
                              cmd->cmd->name);
    }

    if (in_htaccess(cmd)) {
        /* In .htaccess a relative path means next to the .htaccess file. Its directory comes
           from the file name: inside <If>, cmd->path is "*If", not the directory. */
        const char *file = directive_file(cmd);
        const char *slash = strrchr(file, '/');
        char *merged = NULL;
        if (slash == NULL
            || apr_filepath_merge(&merged, apr_pstrmemdup(cmd->temp_pool, file, (apr_size_t)(slash - file + 1)),
                                  argv[0], APR_FILEPATH_NOTRELATIVE, cmd->pool) != APR_SUCCESS) {
            merged = NULL;
        }
        path = merged;
    }
    else {
        path = ap_server_root_relative(cmd->pool, argv[0]);
    }
    if (path == NULL) {
        return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT, "%s: invalid script path '%s'",
                              cmd->cmd->name, argv[0]);
    }

    script = apr_pcalloc(cmd->pool, sizeof(*script));
    script->path = path;
    script->group.kind = DOTNET_GROUP_GLOBAL;

    for (i = 1; i < argc; i++) {
        static const char opt[] = "application-group=";
        if (strncmp(argv[i], opt, sizeof(opt) - 1) == 0) {
            err = dotnet_app_group_parse(cmd->pool, argv[i] + sizeof(opt) - 1, &script->group);
            if (err) {
                return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT, "%s: %s", cmd->cmd->name, err);
            }
        }
        else {
            return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT,
                                  "%s: unknown option '%s' (the only option is application-group=)",
                                  cmd->cmd->name, argv[i]);
        }
    }

    /* cmd->info is the offset of the field this directive sets. */
    *(const dotnet_script **)((char *)d + (size_t)cmd->info) = script;
    dotnet_config_note_embedded_code(cmd);
    return NULL;
}

/* DotNetPassAuthorization / DotNetScriptReloading: On|Off in server, vhost or directory. */
static const char *set_dir_flag(cmd_parms *cmd, void *mconfig, int argc, char *const argv[])
{
    const char *err;

    if ((err = check_context(cmd, CTX_SERVER_DIR)) != NULL
        || (err = check_argc(cmd, argc, 1, 1, "On|Off")) != NULL) {
        return err;
    }
    return parse_on_off(cmd, argv[0], (int *)((char *)mconfig + (size_t)cmd->info));
}

static const char *set_hook_timeout(cmd_parms *cmd, void *mconfig, int argc, char *const argv[])
{
    dotnet_dir_cfg *d = mconfig;
    const char *err;
    char *end;
    long value;

    if ((err = check_context(cmd, CTX_SERVER_DIR)) != NULL
        || (err = check_argc(cmd, argc, 1, 1, "seconds")) != NULL) {
        return err;
    }
    errno = 0;
    value = strtol(argv[0], &end, 10);
    if (errno || end == argv[0] || *end != '\0' || value < 0 || value > DOTNET_MAX_HOOK_TIMEOUT) {
        return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT,
                              "%s must be a whole number of seconds from 0 (no limit) to %d, not '%s'",
                              cmd->cmd->name, DOTNET_MAX_HOOK_TIMEOUT, argv[0]);
    }
    d->hook_timeout = (int)value;
    return NULL;
}

static const char *set_application_group(cmd_parms *cmd, void *mconfig, int argc, char *const argv[])
{
    dotnet_dir_cfg *d = mconfig;
    const char *err;

    if ((err = check_context(cmd, CTX_SERVER_DIR)) != NULL
        || (err = check_argc(cmd, argc, 1, 1, "name|%{GLOBAL}|%{SERVER}|%{RESOURCE}|%{ENV:variable}")) != NULL) {
        return err;
    }
    err = dotnet_app_group_parse(cmd->pool, argv[0], &d->application_group_parsed);
    if (err) {
        return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT, "%s: %s", cmd->cmd->name, err);
    }
    d->application_group = argv[0];
    return NULL;
}

static dotnet_server_cfg *server_cfg(cmd_parms *cmd)
{
    return ap_get_module_config(cmd->server->module_config, &dotnet_module);
}

/* DotNetPreloadRuntime / DotNetRestrictStdout: On|Off, main server only. cmd->info is the
   offset of the field in dotnet_server_cfg. */
static const char *set_server_flag(cmd_parms *cmd, void *mconfig, int argc, char *const argv[])
{
    const char *err;

    (void)mconfig;
    if ((err = check_context(cmd, CTX_MAIN_SERVER)) != NULL
        || (err = check_argc(cmd, argc, 1, 1, "On|Off")) != NULL) {
        return err;
    }
    return parse_on_off(cmd, argv[0], (int *)((char *)server_cfg(cmd) + (size_t)cmd->info));
}

/* DotNetRuntimeRoot / DotNetScriptCache: a directory, relative to ServerRoot. */
static const char *set_server_path(cmd_parms *cmd, void *mconfig, int argc, char *const argv[])
{
    dotnet_server_cfg *s = server_cfg(cmd);
    const char *err;
    const char *path;

    (void)mconfig;
    if ((err = check_context(cmd, CTX_MAIN_SERVER)) != NULL
        || (err = check_argc(cmd, argc, 1, 1, "directory")) != NULL) {
        return err;
    }
    path = argv[0][0] ? ap_server_root_relative(cmd->pool, argv[0]) : NULL;
    if (path == NULL) {
        return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT, "%s: invalid path '%s'",
                              cmd->cmd->name, argv[0]);
    }
    if (cmd->info == (void *)0) {
        /* The runtime root must exist now: a typo is better reported by configtest than by
           every child on its first request. The cache directory is created in post_config. */
        apr_finfo_t finfo;
        if (apr_stat(&finfo, path, APR_FINFO_TYPE, cmd->temp_pool) != APR_SUCCESS
            || finfo.filetype != APR_DIR) {
            return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT, "%s: '%s' is not a directory",
                                  cmd->cmd->name, path);
        }
        s->runtime_root = path;
    }
    else {
        /* Anyone who can write the cache can plant compiled code: refuse an unsafe directory
           here already, so configtest names the line (owners are checked again at start). */
        const char *unsafe = dotnet_cache_dir_untrusted(cmd->temp_pool, path, 0);
        if (unsafe) {
            return DOTNET_CFG_ERR(cmd, DOTNET_SCRIPT_CACHE_UNSAFE, "%s %s: %s", cmd->cmd->name,
                                  path, unsafe);
        }
        s->script_cache = path;
    }
    return NULL;
}

/* DotNetAuthnCacheHashRounds rounds */
static const char *set_cache_rounds(cmd_parms *cmd, void *mconfig, int argc, char *const argv[])
{
    dotnet_server_cfg *s = server_cfg(cmd);
    const char *err;
    char *end;
    long rounds;

    (void)mconfig;
    if ((err = check_context(cmd, CTX_MAIN_SERVER)) != NULL
        || (err = check_argc(cmd, argc, 1, 1, "rounds")) != NULL) {
        return err;
    }
    errno = 0;
    rounds = strtol(argv[0], &end, 10);
    if (errno || *end || end == argv[0] || rounds < DOTNET_DEFAULT_CACHE_ROUNDS || rounds > DOTNET_MAX_CACHE_ROUNDS) {
        return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT, "%s must be a whole number from "
                              "%d to %d, not '%s'", cmd->cmd->name, DOTNET_DEFAULT_CACHE_ROUNDS,
                              DOTNET_MAX_CACHE_ROUNDS, argv[0]);
    }
    s->authn_cache_rounds = (int)rounds;
    return NULL;
}

#define DIR_FIELD(f) ((void *)APR_OFFSETOF(dotnet_dir_cfg, f))
#define SERVER_FIELD(f) ((void *)APR_OFFSETOF(dotnet_server_cfg, f))

const command_rec dotnet_directives[] = {
    AP_INIT_TAKE_ARGV("DotNetAuthUserScript", set_script, DIR_FIELD(auth_user), DOTNET_ANYWHERE,
                      "path [application-group=G]: C# script providing CheckPassword / GetRealmHash "
                      "for AuthBasicProvider / AuthDigestProvider dotnet"),
    AP_INIT_TAKE_ARGV("DotNetAuthGroupScript", set_script, DIR_FIELD(auth_group), DOTNET_ANYWHERE,
                      "path [application-group=G]: C# script providing GroupsForUser for "
                      "Require dotnet-group"),
    AP_INIT_TAKE_ARGV("DotNetAccessScript", set_script, DIR_FIELD(access), DOTNET_ANYWHERE,
                      "path [application-group=G]: C# script providing AllowAccess"),
    AP_INIT_TAKE_ARGV("DotNetPassAuthorization", set_dir_flag, DIR_FIELD(pass_authorization),
                      DOTNET_ANYWHERE, "On|Off: whether applications see the Authorization header"),
    AP_INIT_TAKE_ARGV("DotNetScriptReloading", set_dir_flag, DIR_FIELD(script_reloading),
                      DOTNET_ANYWHERE, "On|Off: reload a script when its file changes"),
    AP_INIT_TAKE_ARGV("DotNetHookTimeout", set_hook_timeout, NULL, DOTNET_ANYWHERE,
                      "seconds: cancel a hook that takes longer (500); 0 = no limit"),
    AP_INIT_TAKE_ARGV("DotNetApplicationGroup", set_application_group, NULL, DOTNET_ANYWHERE,
                      "name|%{GLOBAL}|%{SERVER}|%{RESOURCE}|%{ENV:variable}: application group for apps"),
    AP_INIT_TAKE_ARGV("DotNetRestrictStdout", set_server_flag, SERVER_FIELD(restrict_stdout), DOTNET_ANYWHERE,
                      "On|Off: On makes writing to Console.Out throw"),
    AP_INIT_TAKE_ARGV("DotNetPreloadRuntime", set_server_flag, SERVER_FIELD(preload_runtime), DOTNET_ANYWHERE,
                      "On|Off: start .NET when each child starts (On, when hooks or apps are "
                      "configured) or on the first request that needs it"),
    AP_INIT_TAKE_ARGV("DotNetRuntimeRoot", set_server_path, (void *)0, DOTNET_ANYWHERE,
                      "directory: the .NET installation to use"),
    AP_INIT_TAKE_ARGV("DotNetScriptCache", set_server_path, (void *)1, DOTNET_ANYWHERE,
                      "directory: where compiled scripts are cached"),
    AP_INIT_TAKE_ARGV("DotNetAuthnCacheHashRounds", set_cache_rounds, NULL, DOTNET_ANYWHERE,
                      "rounds: SHA-512-crypt cost of mod_authn_socache entries for sources without "
                      "a stored hash (default 1000)"),
    AP_INIT_TAKE_ARGV("DotNetScriptAlias", dotnet_set_script_alias, NULL, RSRC_CONF,
                      "url-path file-or-dir [application-group=G] [process-group=P] "
                      "[pass-authorization=On|Off]: serve a .cs script app or an ASP.NET Core .dll"),
    AP_INIT_TAKE_ARGV("DotNetImportScript", dotnet_set_import_script, NULL, RSRC_CONF,
                      "path process-group=P application-group=G: start the app (or load the hook "
                      "script) when the child starts, not on its first request"),
    AP_INIT_TAKE_ARGV("DotNetScriptAliasMatch", dotnet_set_script_alias, (void *)1, RSRC_CONF,
                      "regex path [options]: DotNetScriptAlias with a regular expression ($1..$9)"),
    AP_INIT_TAKE_ARGV("DotNetDaemonProcess", dotnet_set_daemon_process, NULL, RSRC_CONF,
                      "name [processes=N] [threads=N] [user=U] [group=G] ...: a daemon process group"),
    AP_INIT_TAKE1("DotNetSocketPrefix", dotnet_set_socket_prefix, NULL, RSRC_CONF,
                  "path: where daemon sockets are made (default: Apache's runtime directory/dotnet)"),
    AP_INIT_TAKE1("DotNetProcessGroup", dotnet_set_process_group, NULL, DOTNET_ANYWHERE,
                  "name: the daemon process group apps here run in (%{GLOBAL}: Apache's children)"),
    { NULL }
};

void *dotnet_create_dir_config(apr_pool_t *p, char *dir)
{
    dotnet_dir_cfg *d = apr_pcalloc(p, sizeof(*d));

    (void)dir;
    d->pass_authorization = DOTNET_UNSET;
    d->script_reloading = DOTNET_UNSET;
    d->hook_timeout = DOTNET_UNSET;
    return d;
}

void *dotnet_merge_dir_config(apr_pool_t *p, void *base_, void *add_)
{
    const dotnet_dir_cfg *base = base_, *add = add_;
    dotnet_dir_cfg *d = apr_palloc(p, sizeof(*d));

    d->auth_user = add->auth_user ? add->auth_user : base->auth_user;
    d->auth_group = add->auth_group ? add->auth_group : base->auth_group;
    d->access = add->access ? add->access : base->access;
    d->pass_authorization = add->pass_authorization != DOTNET_UNSET
                            ? add->pass_authorization : base->pass_authorization;
    d->script_reloading = add->script_reloading != DOTNET_UNSET
                          ? add->script_reloading : base->script_reloading;
    d->hook_timeout = add->hook_timeout != DOTNET_UNSET ? add->hook_timeout : base->hook_timeout;
    d->process_group = add->process_group ? add->process_group : base->process_group;
    if (add->application_group) {
        d->application_group = add->application_group;
        d->application_group_parsed = add->application_group_parsed;
    }
    else {
        d->application_group = base->application_group;
        d->application_group_parsed = base->application_group_parsed;
    }
    return d;
}

void *dotnet_create_server_config(apr_pool_t *p, server_rec *s)
{
    dotnet_server_cfg *c = apr_pcalloc(p, sizeof(*c));

    (void)s;
    c->restrict_stdout = DOTNET_UNSET;
    c->preload_runtime = DOTNET_UNSET;
    c->authn_cache_rounds = DOTNET_UNSET;
    return c;
}

void *dotnet_merge_server_config(apr_pool_t *p, void *base_, void *add_)
{
    const dotnet_server_cfg *base = base_, *add = add_;
    dotnet_server_cfg *c = apr_palloc(p, sizeof(*c));

    /* The settings are main-server only; a virtual host simply inherits them. */
    c->runtime_root = add->runtime_root ? add->runtime_root : base->runtime_root;
    c->script_cache = add->script_cache ? add->script_cache : base->script_cache;
    c->restrict_stdout = add->restrict_stdout != DOTNET_UNSET ? add->restrict_stdout
                                                              : base->restrict_stdout;
    c->preload_runtime = add->preload_runtime != DOTNET_UNSET ? add->preload_runtime
                                                              : base->preload_runtime;
    c->authn_cache_rounds = add->authn_cache_rounds != DOTNET_UNSET ? add->authn_cache_rounds
                                                                    : base->authn_cache_rounds;
    c->script_cache_effective = base->script_cache_effective;
    /* A virtual host's aliases first, then the main server's, as mod_alias merges. */
    if (add->aliases && base->aliases) {
        c->aliases = apr_array_append(p, add->aliases, base->aliases);
    }
    else {
        c->aliases = add->aliases ? add->aliases : base->aliases;
    }
    /* Not inherited: the main server's imports are preloaded once, not once per virtual host. */
    c->imports = add->imports;
    return c;
}

const dotnet_server_cfg *dotnet_main_server_config(void)
{
    return ap_get_module_config(ap_server_conf->module_config, &dotnet_module);
}
