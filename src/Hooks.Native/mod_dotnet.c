/*
 * mod_dotnet: C# scripts in Apache's access-control phases (provider "dotnet" for
 * authentication, "dotnet-group" for Require, DotNetAccessScript for the access checker) and
 * C# applications in its handler phase (the gateway), hosted on the .NET runtime inside each
 * child. This file is the module record and the hook
 * registration; each concern lives in its own dotnet_*.c file.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_request.h"
#include "http_core.h"
#include "mpm_common.h"
#include "mod_dotnet.h"
#include "dotnet_config.h"
#include "dotnet_gateway.h"
#include "dotnet_status.h"
#include "dotnet_runtime.h"
#include "dotnet_daemon.h"

static void dotnet_optional_fn_retrieve(void)
{
    dotnet_authn_retrieve_optional_fns();
}

static int dotnet_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    (void)plog;
    if (dotnet_cache_dir_post_config(pconf, s) != OK) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    dotnet_authn_post_config(ptemp);
    dotnet_status_post_config(s);
    /* Once per start or restart (not in the first of Apache's two start-up passes). */
    if (ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_PRE_CONFIG) {
        dotnet_preflight(ptemp, s);
        if (dotnet_daemon_post_config(pconf, s) != OK) {
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return dotnet_child_recycle_post_config(s);
}

/* Once every directive is read, at start and at configtest alike (a failure here makes
   `apache2 -t` fail, which test_config cannot): a process-group= must name a defined group. */
static int dotnet_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    (void)pconf;
    (void)plog;
    (void)ptemp;
    return dotnet_daemon_check_names(s);
}

static void dotnet_test_config(apr_pool_t *pconf, server_rec *s)
{
    dotnet_preflight_test_config(pconf, s);
}

static int dotnet_daemon_monitor_hook(apr_pool_t *p, server_rec *s)
{
    (void)p;
    (void)s;
    dotnet_daemon_monitor();
    return DECLINED;
}

/* A worker child has no use for the sockets of retired daemon groups it inherited. */
static void dotnet_daemon_child_init(apr_pool_t *pchild, server_rec *s)
{
    (void)pchild;
    dotnet_daemon_close_retired(s);
}

static void dotnet_register_hooks(apr_pool_t *p)
{
    dotnet_authn_register(p);
    dotnet_authz_register(p);

    ap_hook_pre_config(dotnet_config_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_pre_config(dotnet_daemon_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(dotnet_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(dotnet_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_test_config(dotnet_test_config, NULL, NULL, APR_HOOK_MIDDLE);
    /* First, so the exit cleanup it registers on the child pool runs after all others. */
    ap_hook_child_init(dotnet_child_init, NULL, NULL, APR_HOOK_REALLY_FIRST);
    /* Last, so an app started here finds every other module's child state ready. */
    ap_hook_child_init(dotnet_preload_child_init, NULL, NULL, APR_HOOK_REALLY_LAST);
    ap_hook_child_init(dotnet_daemon_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    /* The parent's maintenance loop: children of threaded MPMs ask it for a graceful restart. */
    ap_hook_monitor(dotnet_child_recycle_monitor, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_monitor(dotnet_daemon_monitor_hook, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_optional_fn_retrieve(dotnet_optional_fn_retrieve, NULL, NULL, APR_HOOK_MIDDLE);
    /* Where mod_wsgi's WSGIAccessScript runs: the Satisfy-aware access checker. */
    ap_hook_access_checker(dotnet_access_check, NULL, NULL, APR_HOOK_MIDDLE);
    {
        /* Before mod_alias and mod_rewrite, as mod_wsgi's WSGIScriptAlias. */
        static const char *const after_us[] = { "mod_alias.c", "mod_rewrite.c", "mod_userdir.c", "mod_vhost_alias.c", NULL };
        ap_hook_translate_name(dotnet_alias_translate, NULL, after_us, APR_HOOK_MIDDLE);
    }
    ap_hook_handler(dotnet_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(dotnet_status_handler, NULL, NULL, APR_HOOK_MIDDLE);
}

AP_DECLARE_MODULE(dotnet) = {
    STANDARD20_MODULE_STUFF,
    dotnet_create_dir_config,
    dotnet_merge_dir_config,
    dotnet_create_server_config,
    dotnet_merge_server_config,
    dotnet_directives,
    dotnet_register_hooks,
#if defined(AP_MODULE_FLAG_ALWAYS_MERGE)
    AP_MODULE_FLAG_NONE
#endif
};
