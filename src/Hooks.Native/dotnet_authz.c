/*
 * Authorization provider "dotnet-group": Require dotnet-group g1 g2 ...
 *
 * Like mod_authz_groupfile, the arguments are one ap_expr string, parsed once at
 * configuration time and evaluated per request (so %{...} expressions work), then split
 * into words. The host answers which of the groups GroupsForUser lists (ordinal,
 * case-sensitive), so the list of the user's groups never crosses the bridge.
 */
#include <string.h>
#include "httpd.h"
#include "apr_strings.h"
#include "ap_expr.h"
#include "mod_auth.h"
#include "http_request.h"
#include "mod_dotnet.h"
#include "dotnet_call.h"
#include "dotnet_log.h"
#include "dotnet_status.h"

APLOG_USE_MODULE(dotnet);

static const char *dotnet_group_parse(cmd_parms *cmd, const char *require_line,
                                      const void **parsed_require_line)
{
    const char *err = NULL;
    ap_expr_info_t *expr;

    if (require_line == NULL || *require_line == '\0') {
        return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT,
                              "Require dotnet-group needs at least one group name");
    }
    expr = ap_expr_parse_cmd(cmd, require_line, AP_EXPR_FLAG_STRING_RESULT, &err, NULL);
    if (err) {
        return DOTNET_CFG_ERR(cmd, DOTNET_CONFIG_BAD_ARGUMENT,
                              "Require dotnet-group: cannot parse '%s': %s", require_line, err);
    }
    *parsed_require_line = expr;
    return NULL;
}

static authz_status dotnet_group_check(request_rec *r, const char *require_line,
                                       const void *parsed_require_line)
{
    const dotnet_script *script = dotnet_dir_config(r)->auth_group;
    const char *err = NULL;
    const char *words;
    const char *w;
    apr_array_header_t *groups;
    dotnet_call c;
    int32_t rc;

    (void)require_line;
    if (r->user == NULL) {
        return AUTHZ_DENIED_NO_USER;
    }
    if (script == NULL) {
        DOTNET_RLOG(APLOG_ERR, 0, r, DOTNET_CONFIG_NO_SCRIPT,
                    "Require dotnet-group is used for %s but no DotNetAuthGroupScript applies there",
                    r->uri);
        return AUTHZ_GENERAL_ERROR;
    }

    words = ap_expr_str_exec(r, (const ap_expr_info_t *)parsed_require_line, &err);
    if (err) {
        DOTNET_RLOG(APLOG_ERR, 0, r, DOTNET_CONFIG_BAD_ARGUMENT,
                    "Require dotnet-group: cannot evaluate the group list: %s", err);
        return AUTHZ_GENERAL_ERROR;
    }
    groups = apr_array_make(r->pool, 4, sizeof(const char *));
    while (words && *words && (w = ap_getword_conf(r->pool, &words)) && *w) {
        *(const char **)apr_array_push(groups) = w;
    }
    if (groups->nelts == 0) {
        /* An expression that evaluated to nothing names no group the user could be in. */
        DOTNET_RLOG(APLOG_INFO, 0, r, DOTNET_USER_IN_NO_GROUP,
                    "user %s: Require dotnet-group evaluated to no group names", r->user);
        return AUTHZ_DENIED;
    }

    if (dotnet_call_begin(&c, r, script) != OK) {
        return AUTHZ_GENERAL_ERROR;
    }
    c.result.outcome = AH_GROUP_NO_MATCH;   /* never "group 0" unless the host says so */
    rc = c.host->groups_match(&c.call, r->user, (const char *const *)groups->elts, groups->nelts,
                              &c.result);
    dotnet_call_finish(&c, rc);
    if (!c.ok) {
        return AUTHZ_GENERAL_ERROR;
    }
    if (c.result.outcome >= 0 && c.result.outcome < groups->nelts) {
        return AUTHZ_GRANTED;
    }
    if (c.result.outcome != AH_GROUP_NO_MATCH) {
        DOTNET_RLOG(APLOG_ERR, 0, r, DOTNET_INVALID_RESULT,
                    "%s: the host answered group index %d of %d", script->path,
                    (int)c.result.outcome, groups->nelts);
        return AUTHZ_GENERAL_ERROR;
    }
    DOTNET_RLOG(APLOG_INFO, 0, r, DOTNET_USER_IN_NO_GROUP,
                "user %s is in none of the required groups (%s)", r->user,
                apr_array_pstrcat(r->pool, groups, ' '));
    return AUTHZ_DENIED;
}

static authz_status counted_group_check(request_rec *r, const char *require_line,
                                        const void *parsed_require_line)
{
    apr_time_t started = apr_time_now();
    authz_status status = dotnet_group_check(r, require_line, parsed_require_line);

    dotnet_status_record(DOTNET_PHASE_AUTHZ,
                         status == AUTHZ_GRANTED ? DOTNET_OUTCOME_GRANTED
                         : status == AUTHZ_DENIED ? DOTNET_OUTCOME_DENIED
                         : status == AUTHZ_GENERAL_ERROR ? DOTNET_OUTCOME_ERROR : DOTNET_OUTCOME_DECLINED,
                         started);
    return status;
}

static const authz_provider dotnet_authz_provider = {
    &counted_group_check,
    &dotnet_group_parse,
};

void dotnet_authz_register(apr_pool_t *p)
{
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "dotnet-group", AUTHZ_PROVIDER_VERSION,
                              &dotnet_authz_provider, AP_AUTH_INTERNAL_PER_CONF);
}
