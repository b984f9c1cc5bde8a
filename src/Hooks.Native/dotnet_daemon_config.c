/*
 * Daemon mode's directives: DotNetDaemonProcess name [options], DotNetSocketPrefix path,
 * DotNetProcessGroup name (docs/directives.md).
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "httpd.h"
#include "apr_strings.h"
#include "apr_lib.h"
#include "http_config.h"
#include "http_core.h"
#include "http_main.h"
#include "unixd.h"
#include "mod_dotnet.h"
#include "dotnet_config.h"
#include "dotnet_gateway.h"
#include "dotnet_daemon.h"
#include "dotnet_log.h"

APLOG_USE_MODULE(dotnet);

/* Rebuilt from the configuration at every start and restart (pre_config empties them). */
static apr_array_header_t *groups;
static const char *socket_prefix;

int dotnet_daemon_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    (void)plog;
    (void)ptemp;
    groups = apr_array_make(pconf, 4, sizeof(dotnet_daemon_group *));
    socket_prefix = NULL;
    return OK;
}

apr_array_header_t *dotnet_daemon_groups(void)
{
    return groups;
}

dotnet_daemon_group *dotnet_daemon_group_find(const char *name)
{
    int i;

    if (groups == NULL || name == NULL) {
        return NULL;
    }
    for (i = 0; i < groups->nelts; i++) {
        dotnet_daemon_group *g = APR_ARRAY_IDX(groups, i, dotnet_daemon_group *);
        if (strcmp(g->name, name) == 0) {
            return g;
        }
    }
    return NULL;
}

const char *dotnet_daemon_socket_prefix(apr_pool_t *p)
{
    return socket_prefix ? socket_prefix : ap_runtime_dir_relative(p, "dotnet");
}

static int parse_int(const char *value, int min, int max, int *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(value, &end, 10);
    if (errno || end == value || *end != '\0' || v < min || v > max) {
        return 0;
    }
    *out = (int)v;
    return 1;
}

static int valid_group_name(const char *name)
{
    const char *c;

    if (*name == '\0' || strlen(name) > 64) {
        return 0;
    }
    for (c = name; *c; c++) {
        if (!apr_isalnum(*c) && *c != '-' && *c != '_' && *c != '.') {
            return 0;
        }
    }
    return strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

const char *dotnet_set_daemon_process(cmd_parms *cmd, void *mconfig, int argc, char *const argv[])
{
    dotnet_daemon_group *g;
    const char *err;
    struct passwd *pw;
    int i;

    (void)mconfig;
    if ((err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT)) != NULL) {
        return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_NOT_ALLOWED, "%s is a server or virtual host setting: %s",
                              cmd->cmd->name, err);
    }
    if (argc < 1 || !valid_group_name(argv[0])) {
        return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT,
                              "%s takes a group name (letters, digits, '-', '_', '.'; at most 64), "
                              "then options: %s name [processes=N] [threads=N] [user=U] [group=G] "
                              "[home=DIR] [maximum-requests=N] [display-name=NAME] [socket-timeout=S] "
                              "[connect-timeout=S] [shutdown-timeout=S] [request-timeout=S] "
                              "[graceful-timeout=S] [queue-timeout=S] [restart-interval=S] "
                              "[inactivity-timeout=S] [listen-backlog=N]",
                              cmd->cmd->name, cmd->cmd->name);
    }
    if (dotnet_daemon_group_find(argv[0]) != NULL) {
        return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT, "%s: the group '%s' is already defined",
                              cmd->cmd->name, argv[0]);
    }
    g = apr_pcalloc(cmd->pool, sizeof(*g));
    g->name = argv[0];
    g->server = cmd->server;
    g->processes = 1;
    g->threads = 15;
    g->socket_timeout = 60;
    g->connect_timeout = 15;
    g->shutdown_timeout = 5;
    g->graceful_timeout = 15;
    g->listen_backlog = 100;
    g->listen_fd = -1;
    g->uid = ap_unixd_config.user_id;
    g->gid = ap_unixd_config.group_id;
    g->user_name = ap_unixd_config.user_name;

    for (i = 1; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        const char *key, *value;
        int ok = 1;

        if (eq == NULL || eq == argv[i]) {
            return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT, "%s %s: '%s' is not option=value",
                                  cmd->cmd->name, g->name, argv[i]);
        }
        key = apr_pstrmemdup(cmd->pool, argv[i], (apr_size_t)(eq - argv[i]));
        value = eq + 1;
        if (strcmp(key, "processes") == 0) {
            ok = parse_int(value, 1, DOTNET_DAEMON_MAX_PROCESSES, &g->processes);
        }
        else if (strcmp(key, "threads") == 0) {
            ok = parse_int(value, 1, DOTNET_DAEMON_MAX_THREADS, &g->threads);
        }
        else if (strcmp(key, "maximum-requests") == 0) {
            ok = parse_int(value, 0, INT32_MAX, &g->maximum_requests);
        }
        else if (strcmp(key, "socket-timeout") == 0) {
            ok = parse_int(value, 1, 86400, &g->socket_timeout);
        }
        else if (strcmp(key, "connect-timeout") == 0) {
            ok = parse_int(value, 1, 3600, &g->connect_timeout);
        }
        else if (strcmp(key, "shutdown-timeout") == 0) {
            ok = parse_int(value, 1, 3600, &g->shutdown_timeout);
        }
        else if (strcmp(key, "request-timeout") == 0) {
            ok = parse_int(value, 1, 86400, &g->request_timeout);
        }
        else if (strcmp(key, "graceful-timeout") == 0) {
            ok = parse_int(value, 0, 3600, &g->graceful_timeout);
        }
        else if (strcmp(key, "queue-timeout") == 0) {
            ok = parse_int(value, 1, 86400, &g->queue_timeout);
        }
        else if (strcmp(key, "restart-interval") == 0) {
            ok = parse_int(value, 1, 31 * 86400, &g->restart_interval);
        }
        else if (strcmp(key, "inactivity-timeout") == 0) {
            ok = parse_int(value, 1, 31 * 86400, &g->inactivity_timeout);
        }
        else if (strcmp(key, "listen-backlog") == 0) {
            ok = parse_int(value, 1, 65535, &g->listen_backlog);
        }
        else if (strcmp(key, "display-name") == 0) {
            ok = value[0] != '\0';
            g->display_name = value;
        }
        else if (strcmp(key, "home") == 0) {
            ok = value[0] == '/';
            g->home = value;
        }
        else if (strcmp(key, "user") == 0) {
            pw = getpwnam(value);
            if (pw == NULL) {
                return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT, "%s %s: no such user '%s'",
                                      cmd->cmd->name, g->name, value);
            }
            g->uid = pw->pw_uid;
            g->gid = pw->pw_gid;   /* the user's group unless group= says otherwise */
            g->user_name = value;
        }
        else if (strcmp(key, "group") == 0) {
            struct group *gr = getgrnam(value);
            if (gr == NULL) {
                return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT, "%s %s: no such group '%s'",
                                      cmd->cmd->name, g->name, value);
            }
            g->gid = gr->gr_gid;
        }
        else {
            return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT,
                                  "%s %s: unknown option '%s' (options: processes=, threads=, user=, "
                                  "group=, home=, maximum-requests=, display-name=, socket-timeout=, "
                                  "connect-timeout=, shutdown-timeout=, request-timeout=, graceful-timeout=, "
                                  "queue-timeout=, restart-interval=, inactivity-timeout=, listen-backlog=)",
                                  cmd->cmd->name, g->name, key);
        }
        if (!ok) {
            return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT, "%s %s: bad value for %s: '%s'",
                                  cmd->cmd->name, g->name, key, value);
        }
    }
    /* A daemon running as root would give every app the whole machine. */
    if (g->uid == 0) {
        return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT, "%s %s: daemons never run as root; "
                              "set user= (or Apache's User) to an unprivileged user", cmd->cmd->name, g->name);
    }
    *(dotnet_daemon_group **)apr_array_push(groups) = g;
    return NULL;
}

const char *dotnet_set_socket_prefix(cmd_parms *cmd, void *mconfig, const char *arg)
{
    const char *err;

    (void)mconfig;
    if ((err = ap_check_cmd_context(cmd, GLOBAL_ONLY)) != NULL) {
        return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_NOT_ALLOWED, "%s is a main server setting: %s",
                              cmd->cmd->name, err);
    }
    socket_prefix = ap_server_root_relative(cmd->pool, arg);
    if (socket_prefix == NULL || arg[0] == '\0') {
        return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT, "%s: invalid path '%s'", cmd->cmd->name, arg);
    }
    return NULL;
}

const char *dotnet_set_process_group(cmd_parms *cmd, void *mconfig, const char *arg)
{
    dotnet_dir_cfg *d = mconfig;

    if ((cmd->override & (ACCESS_CONF | RSRC_CONF)) == 0) {
        return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_NOT_ALLOWED,
                              "%s is not allowed in .htaccess files: which process runs code is the "
                              "server administrator's choice", cmd->cmd->name);
    }
    if (strcmp(arg, "%{GLOBAL}") != 0 && !valid_group_name(arg)) {
        return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT,
                              "%s: '%s' is neither %%{GLOBAL} nor a daemon group name", cmd->cmd->name, arg);
    }
    d->process_group = arg;
    return NULL;
}

int dotnet_daemon_check_names(server_rec *main_server)
{
    server_rec *s;
    int i;

    for (s = main_server; s != NULL; s = s->next) {
        const dotnet_server_cfg *cfg = ap_get_module_config(s->module_config, &dotnet_module);
        for (i = 0; cfg->aliases && i < cfg->aliases->nelts; i++) {
            const dotnet_alias *a = APR_ARRAY_IDX(cfg->aliases, i, const dotnet_alias *);
            if (a->process_group != NULL && dotnet_daemon_group_find(a->process_group) == NULL) {
                DOTNET_SLOG(APLOG_CRIT, 0, s, DOTNET_DAEMON_GROUP_UNKNOWN,
                            "DotNetScriptAlias %s (%s): process-group=%s names no DotNetDaemonProcess group",
                            a->url, a->where, a->process_group);
                return HTTP_INTERNAL_SERVER_ERROR;
            }
        }
        for (i = 0; cfg->imports && i < cfg->imports->nelts; i++) {
            const dotnet_import *imp = APR_ARRAY_IDX(cfg->imports, i, const dotnet_import *);
            if (imp->process_group != NULL && dotnet_daemon_group_find(imp->process_group) == NULL) {
                DOTNET_SLOG(APLOG_CRIT, 0, s, DOTNET_DAEMON_GROUP_UNKNOWN,
                            "DotNetImportScript %s (%s): process-group=%s names no DotNetDaemonProcess group",
                            imp->path, imp->where, imp->process_group);
                return HTTP_INTERNAL_SERVER_ERROR;
            }
        }
    }
    return OK;
}
