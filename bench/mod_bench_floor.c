/*
 * make bench's floor for the hook rows: the cheapest providers Apache can run, in C, checking
 * what bench/site.cs checks (the same htpasswd and group files), held in memory as the dotnet
 * providers hold them. mod_authn_file re-reads its file on every request; these read theirs
 * once, at start. Nothing that answers the same question in Apache's auth phase can be faster,
 * so "bench-floor / no auth" is the most any authentication provider can reach, and
 * "dotnet / bench-floor" is what the managed path costs over it. Built by bench/run with apxs
 * into build/bench/; not part of the product.
 *
 *   BenchFloorUserFile  /path/users.htpasswd    AuthBasicProvider bench-floor
 *   BenchFloorGroupFile /path/users.groups      Require bench-floor-group staff
 */
#include <string.h>
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "apr_hash.h"
#include "apr_strings.h"
#include "apr_md5.h"
#include "mod_auth.h"
#include "ap_provider.h"
#include "http_request.h"

module AP_MODULE_DECLARE_DATA bench_floor_module;

static apr_hash_t *users;    /* user -> stored hash */
static apr_hash_t *groups;   /* "group\nuser" -> "" */

/* Lines of a small text file, read once into pconf. */
static const char *read_lines(cmd_parms *cmd, const char *path, apr_array_header_t **lines)
{
    ap_configfile_t *f;
    char line[8192];
    apr_status_t rv = ap_pcfg_openfile(&f, cmd->temp_pool, path);

    if (rv != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "cannot open %s", path);
    }
    *lines = apr_array_make(cmd->pool, 256, sizeof(char *));
    while (ap_cfg_getline(line, sizeof(line), f) == APR_SUCCESS) {
        if (line[0] != '\0' && line[0] != '#') {
            *(char **)apr_array_push(*lines) = apr_pstrdup(cmd->pool, line);
        }
    }
    ap_cfg_closefile(f);
    return NULL;
}

/* htpasswd line "user:hash" -> users[user] = hash */
static void add_user_line(apr_pool_t *p, char *line)
{
    char *colon = strchr(line, ':');

    (void)p;
    if (colon) {
        *colon = '\0';
        apr_hash_set(users, line, APR_HASH_KEY_STRING, colon + 1);
    }
}

/* group line "group: user user ..." -> groups["group\nuser"] for each user */
static void add_group_line(apr_pool_t *p, char *line)
{
    const char *rest = line;
    const char *group = ap_getword(p, &rest, ':');
    const char *user;

    while (*rest && (user = ap_getword_conf(p, &rest)) && *user) {
        apr_hash_set(groups, apr_pstrcat(p, group, "\n", user, NULL), APR_HASH_KEY_STRING, "");
    }
}

/* Reads the file once into *table, one add_line call per line. */
static const char *load_table(cmd_parms *cmd, const char *path, apr_hash_t **table,
                              void (*add_line)(apr_pool_t *, char *))
{
    apr_array_header_t *lines;
    const char *err = read_lines(cmd, path, &lines);
    int i;

    if (err) {
        return err;
    }
    *table = apr_hash_make(cmd->pool);
    for (i = 0; i < lines->nelts; i++) {
        add_line(cmd->pool, APR_ARRAY_IDX(lines, i, char *));
    }
    return NULL;
}

static const char *set_user_file(cmd_parms *cmd, void *dummy, const char *path)
{
    (void)dummy;
    return load_table(cmd, path, &users, add_user_line);
}

static const char *set_group_file(cmd_parms *cmd, void *dummy, const char *path)
{
    (void)dummy;
    return load_table(cmd, path, &groups, add_group_line);
}

static authn_status floor_check_password(request_rec *r, const char *user, const char *password)
{
    (void)r;
    const char *hash = users ? apr_hash_get(users, user, APR_HASH_KEY_STRING) : NULL;

    if (hash == NULL) {
        return AUTH_USER_NOT_FOUND;
    }
    return apr_password_validate(password, hash) == APR_SUCCESS ? AUTH_GRANTED : AUTH_DENIED;
}

static const authn_provider floor_authn = { &floor_check_password, NULL };

static authz_status floor_group_check(request_rec *r, const char *require_line,
                                      const void *parsed)
{
    const char *t = require_line;
    const char *group;

    (void)parsed;
    if (r->user == NULL) {
        return AUTHZ_DENIED_NO_USER;
    }
    while (groups && (group = ap_getword_conf(r->pool, &t)) && *group) {
        if (apr_hash_get(groups, apr_pstrcat(r->pool, group, "\n", r->user, NULL),
                         APR_HASH_KEY_STRING)) {
            return AUTHZ_GRANTED;
        }
    }
    return AUTHZ_DENIED;
}

static const authz_provider floor_authz = { &floor_group_check, NULL };

static void bench_floor_register(apr_pool_t *p)
{
    ap_register_auth_provider(p, AUTHN_PROVIDER_GROUP, "bench-floor", AUTHN_PROVIDER_VERSION,
                              &floor_authn, AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "bench-floor-group", AUTHZ_PROVIDER_VERSION,
                              &floor_authz, AP_AUTH_INTERNAL_PER_CONF);
}

static const command_rec bench_floor_cmds[] = {
    AP_INIT_TAKE1("BenchFloorUserFile", set_user_file, NULL, RSRC_CONF, "htpasswd file held in memory"),
    AP_INIT_TAKE1("BenchFloorGroupFile", set_group_file, NULL, RSRC_CONF, "group file held in memory"),
    { NULL, { NULL }, NULL, 0, RAW_ARGS, NULL }
};

module AP_MODULE_DECLARE_DATA bench_floor_module = {
    STANDARD20_MODULE_STUFF, NULL, NULL, NULL, NULL, bench_floor_cmds, bench_floor_register, 0
};
