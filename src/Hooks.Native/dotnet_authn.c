/*
 * Authentication provider "dotnet" (AuthBasicProvider / AuthDigestProvider dotnet): the
 * script's CheckPassword and GetRealmHash.
 *
 * Credentials that no script should ever see are refused here, before managed code runs:
 * an empty user name (DOTNET0205), a user name with control characters (DOTNET0212),
 * overlong credentials (DOTNET0216). The password is never logged.
 *
 * After a successful check the credentials are offered to mod_authn_socache
 * (ap_authn_cache_store), so "AuthBasicProvider socache dotnet" with "AuthnCacheProvideFor
 * dotnet" skips the script for users seen recently. The entry is never cheaper to crack than
 * the source: the source's own stored hash as is (an htpasswd line's, like mod_authn_file),
 * else a salted SHA-512-crypt hash (DotNetAuthnCacheHashRounds; docs/security.md has the
 * trade-off). A user renamed by GrantedAs is not cached: the cache would grant the original
 * name. The slow hash is only computed when the configuration names dotnet in an
 * AuthnCacheProvideFor directive (found by walking the configuration tree at start-up;
 * such a directive in .htaccess is not seen and so does not enable caching).
 */
#include <string.h>
#include <crypt.h>
#include "httpd.h"
#include "apr_strings.h"
#include "apr_general.h"
#include "apr_optional.h"
#include "mod_auth.h"
#include "http_request.h"
#include "util_cfgtree.h"
#include "mod_dotnet.h"
#include "dotnet_call.h"
#include "dotnet_log.h"
#include "dotnet_status.h"

APLOG_USE_MODULE(dotnet);

#define DOTNET_MAX_USER_LEN      256
#define DOTNET_MAX_PASSWORD_LEN  4096
#define DOTNET_MAX_REALM_LEN     1024

static APR_OPTIONAL_FN_TYPE(ap_authn_cache_store) *authn_cache_store;
static int cache_configured;   /* some AuthnCacheProvideFor names dotnet */

void dotnet_authn_retrieve_optional_fns(void)
{
    authn_cache_store = APR_RETRIEVE_OPTIONAL_FN(ap_authn_cache_store);
}

static int names_dotnet(apr_pool_t *p, const char *args)
{
    const char *w;

    while (*args && (w = ap_getword_conf(p, &args)) && *w) {
        if (strcmp(w, "dotnet") == 0) {
            return 1;
        }
    }
    return 0;
}

static int tree_caches_dotnet(apr_pool_t *p, const ap_directive_t *d)
{
    for (; d; d = d->next) {
        if ((strcasecmp(d->directive, "AuthnCacheProvideFor") == 0 && d->args && names_dotnet(p, d->args))
            || tree_caches_dotnet(p, d->first_child)) {
            return 1;
        }
    }
    return 0;
}

void dotnet_authn_post_config(apr_pool_t *ptemp)
{
    cache_configured = tree_caches_dotnet(ptemp, ap_conftree);
}

/* 1 when the user name (and the password or realm) may be handed to a script. */
static int credentials_acceptable(request_rec *r, const char *user, const char *secret,
                                  size_t secret_max)
{
    if (user == NULL || *user == '\0') {
        DOTNET_RLOG(APLOG_WARNING, 0, r, DOTNET_EMPTY_USER,
                    "empty user name refused for %s", r->uri);
        return 0;
    }
    if (strlen(user) > DOTNET_MAX_USER_LEN || (secret && strlen(secret) > secret_max)) {
        DOTNET_RLOG(APLOG_WARNING, 0, r, DOTNET_CREDENTIALS_TOO_LONG,
                    "user name or password longer than %d / %d bytes refused for %s",
                    DOTNET_MAX_USER_LEN, (int)secret_max, r->uri);
        return 0;
    }
    if (!dotnet_user_name_acceptable(user)) {
        /* The name itself is not logged: it is what carries the control characters. */
        DOTNET_RLOG(APLOG_WARNING, 0, r, DOTNET_BAD_USER_NAME,
                    "user name with control characters refused for %s", r->uri);
        return 0;
    }
    return 1;
}

static const dotnet_script *user_script(request_rec *r, const char *what)
{
    const dotnet_script *script = dotnet_dir_config(r)->auth_user;

    if (script == NULL) {
        DOTNET_RLOG(APLOG_ERR, 0, r, DOTNET_CONFIG_NO_SCRIPT,
                    "%s dotnet is used for %s but no DotNetAuthUserScript applies there",
                    what, r->uri);
    }
    return script;
}

/* A salted slow hash of the password that apr_password_validate accepts (crypt(3) verifies
   SHA-512-crypt): for sources that store no hash of their own (function scripts, LDAP). */
static const char *salted_slow_hash(request_rec *r, const char *password)
{
    static const char itoa64[] = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    const dotnet_server_cfg *cfg = dotnet_main_server_config();
    int rounds = cfg->authn_cache_rounds == DOTNET_UNSET ? DOTNET_DEFAULT_CACHE_ROUNDS
                                                         : cfg->authn_cache_rounds;
    unsigned char random[16];
    char salt[17];
    struct crypt_data *data;
    const char *hash;
    int i;

    if (apr_generate_random_bytes(random, sizeof(random)) != APR_SUCCESS) {
        return NULL;
    }
    for (i = 0; i < 16; i++) {
        salt[i] = itoa64[random[i] & 0x3f];
    }
    salt[16] = '\0';
    data = apr_pcalloc(r->pool, sizeof(*data));
    hash = crypt_r(password, apr_psprintf(r->pool, "$6$rounds=%d$%s", rounds, salt), data);
    /* crypt(3) signals failure with NULL or a string starting with '*'. */
    return hash && hash[0] == '$' ? apr_pstrdup(r->pool, hash) : NULL;
}

static authn_status dotnet_check_password(request_rec *r, const char *user, const char *password)
{
    const dotnet_script *script = user_script(r, "AuthBasicProvider");
    dotnet_call c;
    const char *granted_as;
    int32_t rc;

    if (script == NULL) {
        return AUTH_GENERAL_ERROR;
    }
    if (!credentials_acceptable(r, user, password ? password : "", DOTNET_MAX_PASSWORD_LEN)) {
        return AUTH_DENIED;
    }
    if (dotnet_call_begin(&c, r, script) != OK) {
        return AUTH_GENERAL_ERROR;
    }
    rc = c.host->check_password(&c.call, user, password ? password : "", &c.result);
    granted_as = dotnet_call_finish(&c, rc);
    if (!c.ok) {
        return AUTH_GENERAL_ERROR;
    }

    switch (c.result.outcome) {
    case AH_AUTH_GRANTED:
        if (granted_as && *granted_as) {
            if (strlen(granted_as) > DOTNET_MAX_USER_LEN || !dotnet_user_name_acceptable(granted_as)) {
                DOTNET_RLOG(APLOG_ERR, 0, r, DOTNET_INVALID_RESULT,
                            "%s: CheckPassword granted access as a user name that is too long or "
                            "contains control characters", script->path);
                return AUTH_GENERAL_ERROR;
            }
            /* mod_auth_basic set r->user to the name sent; this is what REMOTE_USER and %u show. */
            r->user = (char *)granted_as;
        }
        else if (authn_cache_store && cache_configured && password) {
            /* Never cheaper to crack than the source: its own hash where it has one. */
            const char *hash = c.cache_hash ? c.cache_hash : salted_slow_hash(r, password);
            if (hash) {
                authn_cache_store(r, "dotnet", user, NULL, hash);
            }
            else {
                DOTNET_RLOG(APLOG_WARNING, 0, r, DOTNET_AUTHN_CACHE_HASH,
                            "no hash for mod_authn_socache could be made; %s is not cached", user);
            }
        }
        return AUTH_GRANTED;
    case AH_AUTH_DENIED:
        return AUTH_DENIED;
    case AH_AUTH_NOT_FOUND:
        return AUTH_USER_NOT_FOUND;
    default:
        DOTNET_RLOG(APLOG_ERR, 0, r, DOTNET_INVALID_RESULT,
                    "%s: the host returned unknown outcome %d for CheckPassword", script->path,
                    (int)c.result.outcome);
        return AUTH_GENERAL_ERROR;
    }
}

static authn_status dotnet_get_realm_hash(request_rec *r, const char *user, const char *realm,
                                          char **rethash)
{
    const dotnet_script *script = user_script(r, "AuthDigestProvider");
    dotnet_call c;
    const char *hash;
    int32_t rc;

    if (script == NULL) {
        return AUTH_GENERAL_ERROR;
    }
    if (!credentials_acceptable(r, user, realm ? realm : "", DOTNET_MAX_REALM_LEN)) {
        return AUTH_DENIED;
    }
    if (dotnet_call_begin(&c, r, script) != OK) {
        return AUTH_GENERAL_ERROR;
    }
    rc = c.host->get_realm_hash(&c.call, user, realm ? realm : "", &c.result);
    hash = dotnet_call_finish(&c, rc);
    if (!c.ok) {
        return AUTH_GENERAL_ERROR;
    }
    if (hash == NULL) {
        return c.result.outcome == AH_AUTH_DENIED ? AUTH_DENIED : AUTH_USER_NOT_FOUND;
    }
    /* The host owns the realm-hash rule (AuthnPhase: 32 hex digits, lowercased, the script
       named when it is broken); this only guards the ABI before mod_auth_digest reads 32 bytes. */
    if (strlen(hash) != 32) {
        DOTNET_RLOG(APLOG_ERR, 0, r, DOTNET_INTERNAL_ERROR,
                    "%s: the host returned a realm hash of the wrong length", script->path);
        return AUTH_GENERAL_ERROR;
    }
    *rethash = (char *)hash;
    if (authn_cache_store) {
        authn_cache_store(r, "dotnet", user, realm, *rethash);
    }
    return AUTH_USER_FOUND;
}

/* The status page's view of an authn call: "not found" lets the next provider decide. */
static authn_status counted(authn_status status, apr_time_t started)
{
    dotnet_status_record(DOTNET_PHASE_AUTHN,
                         status == AUTH_GRANTED || status == AUTH_USER_FOUND ? DOTNET_OUTCOME_GRANTED
                         : status == AUTH_DENIED ? DOTNET_OUTCOME_DENIED
                         : status == AUTH_USER_NOT_FOUND ? DOTNET_OUTCOME_DECLINED : DOTNET_OUTCOME_ERROR,
                         started);
    return status;
}

static authn_status counted_check_password(request_rec *r, const char *user, const char *password)
{
    apr_time_t started = apr_time_now();
    return counted(dotnet_check_password(r, user, password), started);
}

static authn_status counted_get_realm_hash(request_rec *r, const char *user, const char *realm, char **rethash)
{
    apr_time_t started = apr_time_now();
    return counted(dotnet_get_realm_hash(r, user, realm, rethash), started);
}

static const authn_provider dotnet_authn_provider = {
    &counted_check_password,
    &counted_get_realm_hash,
};

void dotnet_authn_register(apr_pool_t *p)
{
    ap_register_auth_provider(p, AUTHN_PROVIDER_GROUP, "dotnet", AUTHN_PROVIDER_VERSION,
                              &dotnet_authn_provider, AP_AUTH_INTERNAL_PER_CONF);
}
