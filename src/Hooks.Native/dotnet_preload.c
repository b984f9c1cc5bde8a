/*
 * Preloading (DESIGN "Gateway runtime"): DotNetImportScript, and DotNetScriptAlias given both
 * process-group= and application-group=, start an app (or load a hook script) when the child
 * starts instead of on its first request, as mod_wsgi's WSGIImportScript does. It runs in the
 * child's last child_init hook, before the child takes requests: the runtime starts there,
 * with Apache's stop signals blocked so that every thread the runtime or the app creates
 * inherits the block (dotnet_runtime.c), and a failure is logged and leaves the app to load
 * lazily on its first request, which then reports the same error.
 * DotNetPreloadRuntime (default On) starts the runtime alone there too, without loading any
 * script or app, when the configuration names hook scripts or embedded apps.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "httpd.h"
#include "apr_strings.h"
#include "http_config.h"
#include "http_core.h"
#include "mod_dotnet.h"
#include "dotnet_config.h"
#include "dotnet_gateway.h"
#include "dotnet_runtime.h"
#include "dotnet_log.h"

APLOG_USE_MODULE(dotnet);

const char *dotnet_preload_group_check(cmd_parms *cmd, const dotnet_app_group *group)
{
    if (group->kind == DOTNET_GROUP_GLOBAL || group->kind == DOTNET_GROUP_LITERAL) {
        return NULL;
    }
    return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT,
                          "%s: a preloaded app's application-group= must be %%{GLOBAL} or a name; "
                          "%%{SERVER}, %%{RESOURCE} and %%{ENV:...} depend on a request",
                          cmd->cmd->name);
}

/* DotNetImportScript path process-group=P application-group=G (both required, as mod_wsgi's). */
const char *dotnet_set_import_script(cmd_parms *cmd, void *mconfig, int argc, char *const argv[])
{
    dotnet_server_cfg *s = ap_get_module_config(cmd->server->module_config, &dotnet_module);
    static const char app[] = "application-group=", proc[] = "process-group=";
    dotnet_import *import;
    int i, has_app = 0, has_proc = 0;
    const char *err;

    (void)mconfig;
    if ((err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT)) != NULL) {
        return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_NOT_ALLOWED,
                              "%s is a server or virtual host setting: %s", cmd->cmd->name, err);
    }
    if (argc < 1) {
        return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT,
                              "%s takes a file, then process-group=P application-group=G",
                              cmd->cmd->name);
    }
    import = apr_pcalloc(cmd->pool, sizeof(*import));
    import->where = dotnet_directive_where(cmd);
    import->path = ap_server_root_relative(cmd->pool, argv[0]);
    if (import->path == NULL) {
        return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT, "%s: invalid path '%s'",
                              cmd->cmd->name, argv[0]);
    }
    for (i = 1; i < argc; i++) {
        if (strncmp(argv[i], app, sizeof(app) - 1) == 0) {
            err = dotnet_app_group_parse(cmd->pool, argv[i] + sizeof(app) - 1, &import->app_group);
            if (err) {
                return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT, "%s: %s", cmd->cmd->name, err);
            }
            if ((err = dotnet_preload_group_check(cmd, &import->app_group)) != NULL) {
                return err;
            }
            has_app = 1;
        }
        else if (strncmp(argv[i], proc, sizeof(proc) - 1) == 0) {
            const char *value = argv[i] + sizeof(proc) - 1;
            /* As an alias's: a daemon group may be defined further down; checked at start. */
            if (value[0] == '\0') {
                return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT, "%s: process-group= needs a name",
                                      cmd->cmd->name);
            }
            import->process_group = strcmp(value, "%{GLOBAL}") == 0 ? NULL : value;
            has_proc = 1;
        }
        else {
            return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT,
                                  "%s: unknown option '%s' (options: process-group=, "
                                  "application-group=)", cmd->cmd->name, argv[i]);
        }
    }
    if (!has_app || !has_proc) {
        return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT,
                              "%s %s: both process-group= and application-group= are required "
                              "(they say where the script is loaded)", cmd->cmd->name, argv[0]);
    }
    if (s->imports == NULL) {
        s->imports = apr_array_make(cmd->pool, 2, sizeof(dotnet_import *));
    }
    *(dotnet_import **)apr_array_push(s->imports) = import;
    if (import->process_group == NULL) {
        dotnet_config_note_embedded_app(cmd);  /* an app or a hook script: it may be an app */
    }
    return NULL;
}

/* The key requests will use for path in s: that of an alias of s naming the file, else the
   file's own (SetHandler dotnet-script), so the preloaded instance is the one they reach. */
static const char *key_for(apr_pool_t *p, server_rec *s, const char *path)
{
    const dotnet_server_cfg *cfg = ap_get_module_config(s->module_config, &dotnet_module);
    int i;

    for (i = 0; cfg->aliases && i < cfg->aliases->nelts; i++) {
        const dotnet_alias *a = APR_ARRAY_IDX(cfg->aliases, i, const dotnet_alias *);
        if (a->regex == NULL && strcmp(a->target, path) == 0) {
            return dotnet_app_key(p, s, a->url);
        }
    }
    return dotnet_app_key(p, s, path);
}

static void preload(apr_pool_t *p, server_rec *s, const char *path, const dotnet_app_group *group,
                    const char *key)
{
    const ah_host_exports *host;
    apr_finfo_t finfo;
    ah_app_call call;
    ah_hook_result result;
    int32_t rc;

    if (apr_stat(&finfo, path, APR_FINFO_TYPE, p) != APR_SUCCESS || finfo.filetype != APR_REG) {
        DOTNET_SLOG(APLOG_WARNING, 0, s, DOTNET_APP_PRELOAD_SKIPPED,
                    "%s is not a file: nothing preloaded (an alias to a directory cannot be "
                    "preloaded; name each app with DotNetImportScript)", path);
        return;
    }
    host = dotnet_runtime_start(s);
    if (host == NULL) {
        return;     /* logged once by the start */
    }
    if (host->struct_size < (int32_t)sizeof(ah_host_exports) || host->preload_app == NULL) {
        DOTNET_SLOG(APLOG_ERR, 0, s, DOTNET_HOST_INIT_FAILED,
                    "the managed host cannot preload apps (an older AccessHooks.Host.dll?)");
        return;
    }
    memset(&call, 0, sizeof(call));
    memset(&result, 0, sizeof(result));
    call.app_path = path;
    call.application_group = group->kind == DOTNET_GROUP_LITERAL && group->arg ? group->arg : "";
    call.process_group = "";
    call.app_key = key;
    call.check_reload = 0;

    dotnet_thread_prepare();
    rc = host->preload_app(&call, &result);
    if (rc == AH_CALL_OK && result.outcome == AH_PRELOAD_NOT_AN_APP && host->preload) {
        /* A hook script: compile and load it into its group. */
        ah_hook_call hook;
        memset(&hook, 0, sizeof(hook));
        hook.script_path = path;
        hook.application_group = call.application_group;
        hook.check_reload = 0;
        free(result.text);
        free(result.cache_hash);
        memset(&result, 0, sizeof(result));
        host->preload(&hook, &result);
    }
    dotnet_signals_guard_at_start();
    free(result.text);
    free(result.cache_hash);
}

/* Whether an app of process group app_pg runs in the process group pg (NULL: Apache's children). */
static int runs_in(const char *app_pg, const char *pg)
{
    return pg == NULL ? app_pg == NULL : app_pg != NULL && strcmp(app_pg, pg) == 0;
}

static void preload_for(apr_pool_t *pchild, server_rec *main_server, const char *pg);

void dotnet_preload_child_init(apr_pool_t *pchild, server_rec *main_server)
{
    int wanted = dotnet_main_server_config()->preload_runtime != 0;   /* unset means On */

    preload_for(pchild, main_server, NULL);
    /* DotNetPreloadRuntime: the runtime's own start (about a hundred milliseconds of CPU) is
       paid here, before the child takes requests, rather than by its first request. */
    if (wanted && dotnet_config_names_embedded_code() && !dotnet_runtime_started()) {
        dotnet_runtime_start(main_server);
    }
}

void dotnet_preload_daemon(apr_pool_t *pchild, server_rec *main_server, const char *process_group)
{
    preload_for(pchild, main_server, process_group);
}

/* Preloads what runs in process group pg (NULL: an Apache child) of every server. */
static void preload_for(apr_pool_t *pchild, server_rec *main_server, const char *pg)
{
    sigset_t saved;
    apr_pool_t *p;
    server_rec *s;
    int any = 0;

    for (s = main_server; s != NULL && !any; s = s->next) {
        const dotnet_server_cfg *cfg = ap_get_module_config(s->module_config, &dotnet_module);
        int i;
        for (i = 0; !any && cfg->imports && i < cfg->imports->nelts; i++) {
            any = runs_in(APR_ARRAY_IDX(cfg->imports, i, const dotnet_import *)->process_group, pg);
        }
        for (i = 0; !any && cfg->aliases && i < cfg->aliases->nelts; i++) {
            const dotnet_alias *a = APR_ARRAY_IDX(cfg->aliases, i, const dotnet_alias *);
            any = a->has_app_group && a->has_process_group && runs_in(a->process_group, pg);
        }
    }
    if (!any) {
        return;
    }

    /* Threads the app starts (its Main, hosted services, timers) must not take Apache's stop
       signals: they inherit this thread's mask. */
    dotnet_block_apache_signals(&saved);
    apr_pool_create(&p, pchild);
    for (s = main_server; s != NULL; s = s->next) {
        const dotnet_server_cfg *cfg = ap_get_module_config(s->module_config, &dotnet_module);
        int i;
        /* A virtual host's merged aliases include the main server's: those are preloaded for
           the main server only (and reached through it), not once per virtual host. */
        const dotnet_server_cfg *main_cfg = s == main_server ? NULL
            : ap_get_module_config(main_server->module_config, &dotnet_module);

        for (i = 0; cfg->imports && i < cfg->imports->nelts; i++) {
            const dotnet_import *imp = APR_ARRAY_IDX(cfg->imports, i, const dotnet_import *);
            if (runs_in(imp->process_group, pg)) {
                preload(p, s, imp->path, &imp->app_group, key_for(p, s, imp->path));
            }
        }
        for (i = 0; cfg->aliases && i < cfg->aliases->nelts; i++) {
            const dotnet_alias *a = APR_ARRAY_IDX(cfg->aliases, i, const dotnet_alias *);
            int inherited = 0, j;
            for (j = 0; main_cfg && main_cfg->aliases && j < main_cfg->aliases->nelts; j++) {
                inherited |= APR_ARRAY_IDX(main_cfg->aliases, j, const dotnet_alias *) == a;
            }
            if (!inherited && a->regex == NULL && a->has_app_group && a->has_process_group && runs_in(a->process_group, pg)) {
                preload(p, s, a->target, &a->app_group, dotnet_app_key(p, s, a->url));
            }
        }
    }
    apr_pool_destroy(p);
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
}
