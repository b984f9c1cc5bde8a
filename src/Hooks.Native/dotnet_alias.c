/*
 * DotNetScriptAlias url-path file-or-dir [options] and DotNetScriptAliasMatch regex path
 * [options]: in translate_name, map the URL to the app file (as mod_alias's ScriptAlias and
 * mod_wsgi's WSGIScriptAlias do) and select the dotnet-script handler. Apache's directory walk
 * then finds the app file and splits the rest of the URL into PATH_INFO (the URL up to it is
 * SCRIPT_NAME, the app's PathBase), so <Directory> and <Files> sections apply to the app file.
 */
#include <string.h>
#include "httpd.h"
#include "apr_strings.h"
#include "http_config.h"
#include "http_core.h"
#include "http_request.h"
#include "mod_dotnet.h"
#include "dotnet_config.h"
#include "dotnet_gateway.h"
#include "dotnet_log.h"

APLOG_USE_MODULE(dotnet);

static const char *parse_option(cmd_parms *cmd, dotnet_alias *a, const char *opt)
{
    static const char app[] = "application-group=", proc[] = "process-group=",
                      pass[] = "pass-authorization=";
    const char *err;

    if (strncmp(opt, app, sizeof(app) - 1) == 0) {
        err = dotnet_app_group_parse(cmd->pool, opt + sizeof(app) - 1, &a->app_group);
        if (err) {
            return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT, "%s: %s", cmd->cmd->name, err);
        }
        a->has_app_group = 1;
        return NULL;
    }
    if (strncmp(opt, proc, sizeof(proc) - 1) == 0) {
        const char *value = opt + sizeof(proc) - 1;
        /* %{GLOBAL} is "this Apache child"; any other name is a DotNetDaemonProcess group,
           which may be defined after the alias: checked when Apache starts. */
        if (value[0] == '\0') {
            return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT, "%s: process-group= needs a name",
                                  cmd->cmd->name);
        }
        a->process_group = strcmp(value, "%{GLOBAL}") == 0 ? NULL : value;
        a->has_process_group = 1;
        return NULL;
    }
    if (strncmp(opt, pass, sizeof(pass) - 1) == 0) {
        const char *value = opt + sizeof(pass) - 1;
        if (strcasecmp(value, "On") == 0) {
            a->pass_authorization = 1;
        }
        else if (strcasecmp(value, "Off") == 0) {
            a->pass_authorization = 0;
        }
        else {
            return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT,
                                  "%s: pass-authorization must be On or Off, not '%s'",
                                  cmd->cmd->name, value);
        }
        return NULL;
    }
    return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT,
                          "%s: unknown option '%s' (options: application-group=, process-group=, "
                          "pass-authorization=)", cmd->cmd->name, opt);
}

/* cmd->info: 0 = DotNetScriptAlias, 1 = DotNetScriptAliasMatch. Server and virtual host only. */
const char *dotnet_set_script_alias(cmd_parms *cmd, void *mconfig, int argc, char *const argv[])
{
    dotnet_server_cfg *s = ap_get_module_config(cmd->server->module_config, &dotnet_module);
    int is_match = cmd->info != NULL;
    dotnet_alias *a;
    const char *err;
    int i;

    (void)mconfig;
    if ((err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT)) != NULL) {
        return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_NOT_ALLOWED,
                              "%s is a server or virtual host setting: %s", cmd->cmd->name, err);
    }
    if (argc < 2) {
        return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT,
                              "%s takes a %s and a file or directory, then options: %s %s path "
                              "[application-group=G] [process-group=P] [pass-authorization=On|Off]",
                              cmd->cmd->name, is_match ? "regular expression" : "URL path",
                              cmd->cmd->name, is_match ? "regex" : "url-path");
    }
    a = apr_pcalloc(cmd->pool, sizeof(*a));
    a->where = dotnet_directive_where(cmd);
    a->pass_authorization = DOTNET_UNSET;
    a->url = argv[0];
    if (is_match) {
        a->regex = ap_pregcomp(cmd->pool, argv[0], AP_REG_EXTENDED);
        if (a->regex == NULL) {
            return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT,
                                  "%s: '%s' is not a valid regular expression", cmd->cmd->name, argv[0]);
        }
        a->target = argv[1];
    }
    else {
        if (argv[0][0] != '/') {
            return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT,
                                  "%s: the URL path '%s' must start with '/'", cmd->cmd->name, argv[0]);
        }
        a->target = ap_server_root_relative(cmd->pool, argv[1]);
        if (a->target == NULL) {
            return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT, "%s: invalid path '%s'",
                                  cmd->cmd->name, argv[1]);
        }
    }
    for (i = 2; i < argc; i++) {
        if ((err = parse_option(cmd, a, argv[i])) != NULL) {
            return err;
        }
    }
    /* Both groups named: the app is preloaded at child start (as mod_wsgi's WSGIScriptAlias). */
    if (a->has_app_group && a->has_process_group) {
        if (is_match) {
            return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT,
                                  "%s: with both process-group= and application-group= an app is "
                                  "preloaded, which needs one fixed file; name it with "
                                  "DotNetImportScript instead", cmd->cmd->name);
        }
        if ((err = dotnet_preload_group_check(cmd, &a->app_group)) != NULL) {
            return err;
        }
    }
    if (s->aliases == NULL) {
        s->aliases = apr_array_make(cmd->pool, 4, sizeof(dotnet_alias *));
    }
    *(dotnet_alias **)apr_array_push(s->aliases) = a;
    if (a->process_group == NULL) {
        dotnet_config_note_embedded_code(cmd);
        dotnet_config_note_embedded_app(cmd);
    }
    return NULL;
}

/* Length of the prefix of uri that url matches on segment boundaries (runs of '/' in either
   count as one, as mod_alias compares), or 0. */
static size_t prefix_match(const char *url, const char *uri)
{
    const char *u = url, *p = uri;

    while (*u) {
        if (*u == '/') {
            if (*p != '/') {
                return 0;
            }
            while (*u == '/') u++;
            while (*p == '/') p++;
            continue;
        }
        if (*u++ != *p++) {
            return 0;
        }
    }
    /* "/hello" matches "/hello" and "/hello/x", not "/hellox"; "/apps/" ends on a boundary. */
    if (u > url && u[-1] != '/' && *p != '\0' && *p != '/') {
        return 0;
    }
    return (size_t)(p - uri);
}

int dotnet_alias_translate(request_rec *r)
{
    const dotnet_server_cfg *s = ap_get_module_config(r->server->module_config, &dotnet_module);
    int i;

    if (s->aliases == NULL || r->uri == NULL || r->uri[0] != '/') {
        return DECLINED;
    }
    for (i = 0; i < s->aliases->nelts; i++) {
        const dotnet_alias *a = APR_ARRAY_IDX(s->aliases, i, const dotnet_alias *);
        dotnet_alias_match *m;
        const char *target;
        size_t len;

        if (a->regex) {
            ap_regmatch_t regm[AP_MAX_REG_MATCH];
            char *found;
            if (ap_regexec(a->regex, r->uri, AP_MAX_REG_MATCH, regm, 0) != 0 || regm[0].rm_so != 0) {
                continue;
            }
            found = ap_pregsub(r->pool, a->target, r->uri, AP_MAX_REG_MATCH, regm);
            if (found == NULL) {
                DOTNET_RLOG(APLOG_ERR, 0, r, DOTNET_CONFIG_BAD_ARGUMENT,
                            "DotNetScriptAliasMatch %s: the substitution of '%s' failed (too long?)",
                            a->url, a->target);
                return HTTP_INTERNAL_SERVER_ERROR;
            }
            target = ap_server_root_relative(r->pool, found);
            len = (size_t)regm[0].rm_eo;
        }
        else {
            len = prefix_match(a->url, r->uri);
            if (len == 0) {
                continue;
            }
            target = a->target;
        }
        if (target == NULL) {
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        m = apr_pcalloc(r->pool, sizeof(*m));
        m->alias = a;
        ap_set_module_config(r->request_config, &dotnet_module, m);
        r->filename = apr_pstrcat(r->pool, target, r->uri + len, NULL);
        r->handler = DOTNET_HANDLER_NAME;
        return OK;
    }
    return DECLINED;
}

const dotnet_alias_match *dotnet_alias_matched(request_rec *r)
{
    return ap_get_module_config(r->request_config, &dotnet_module);
}
