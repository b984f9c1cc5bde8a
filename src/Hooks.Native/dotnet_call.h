/*
 * One call into the managed host for a hook: shared by authn, authz and access.
 *
 *   dotnet_call c;
 *   if ((status = dotnet_call_begin(&c, r, script)) != OK) return <500>;
 *   rc = c.host->check_password(&c.call, user, password, &c.result);
 *   text = dotnet_call_finish(&c, rc);       // copies result.text into r->pool, frees it
 *   if (!c.ok) return <500>;                 // c.result.error_code says why (host logged it)
 */
#ifndef DOTNET_CALL_H
#define DOTNET_CALL_H

#include "httpd.h"
#include "dotnet_bridge.h"
#include "dotnet_config.h"

typedef struct {
    request_rec *r;
    const ah_host_exports *host;
    ah_hook_call call;
    ah_hook_result result;
    int ok;                    /* set by dotnet_call_finish: the call returned AH_CALL_OK */
    const char *cache_hash;    /* set by dotnet_call_finish: result.cache_hash copied into r->pool */
} dotnet_call;

/* OK, or HTTP_INTERNAL_SERVER_ERROR when the runtime is not available (already logged). */
int dotnet_call_begin(dotnet_call *c, request_rec *r, const dotnet_script *script);

/* After the call: restores signal handlers if needed, maps errors, returns result.text copied
   into r->pool (NULL if none) and frees the host's copy. */
const char *dotnet_call_finish(dotnet_call *c, int32_t rc);

/* dotnet_user_name.c: whether a user name may be handed to a script. The one rule, shared
   byte for byte with the host's UserNameRule: no C0 control, no DEL, no C1 control (U+0080 to
   U+009F), whether it arrived as UTF-8 or as a raw byte the host decodes as Latin-1. */
int dotnet_user_name_acceptable(const char *user);

/* dotnet_request_vars.c: the variables a hook sees, built into r->pool. */
const ah_kv *dotnet_request_vars(request_rec *r, const char *application_group, int32_t *count);

#endif /* DOTNET_CALL_H */
