/*
 * The ABI between mod_dotnet (native) and AccessHooks.Host (managed).
 * src/Hooks.Host/Interop/Bridge.cs mirrors every struct here field by field; change both
 * together and bump AH_ABI_VERSION.
 *
 * Strings are NUL-terminated bytes as Apache holds them (UTF-8 expected; the host decodes
 * bytes that are not UTF-8 as Latin-1). Everything passed in a call is owned by the caller
 * and valid only for the duration of that call.
 */
#ifndef DOTNET_BRIDGE_H
#define DOTNET_BRIDGE_H

#include <stdint.h>

#define AH_ABI_VERSION 5

/* The managed entry point the module looks up with hostfxr (hdt_get_function_pointer). */
#define AH_HOST_ASSEMBLY   "AccessHooks.Host.dll"
#define AH_HOST_TYPE       "AccessHooks.Host.NativeEntryPoints, AccessHooks.Host"
#define AH_HOST_INIT       "Initialize"

/* Log levels, numerically equal to Apache's APLOG_* levels. */
#define AH_LOG_ERR      3
#define AH_LOG_WARNING  4
#define AH_LOG_NOTICE   5
#define AH_LOG_INFO     6
#define AH_LOG_DEBUG    7
#define AH_LOG_TRACE1   8

/*
 * Writes one line to the error log, prefixed by the module with "DOTNETnnnn: " for code.
 * With ctx = the request_rec* of an ah_hook_call, only on that call's worker thread while
 * the call is in flight (the host queues lines written from other threads and flushes them
 * on the worker before returning). With ctx = NULL, from any thread: a server-level line.
 * Never called with a password or an Authorization value in message.
 */
typedef void (*ah_log_fn)(void *ctx, int32_t level, int32_t code, const char *message);

/*
 * Asks for this child to be replaced gracefully (hooks stuck past their deadline hold too many
 * threads): it finishes the requests it is serving and exits, and Apache starts another. From
 * any thread; the module acts once per process.
 */
typedef void (*ah_recycle_fn)(int32_t code, const char *reason);

typedef struct ah_host_config {
    int32_t abi_version;        /* AH_ABI_VERSION */
    int32_t struct_size;        /* sizeof(ah_host_config) */
    const char *script_cache_dir; /* DotNetScriptCache; NULL = do not cache on disk */
    int32_t restrict_stdout;    /* DotNetRestrictStdout: 1 = writing to Console.Out throws */
    int32_t process_id;         /* getpid() of the child, for log lines */
    ah_log_fn log;
    ah_recycle_fn recycle;
    int32_t worker_threads;     /* request worker threads in this child (ThreadsPerChild; 1 for prefork) */
} ah_host_config;

typedef struct ah_kv {
    const char *name;
    const char *value;
} ah_kv;

/* One call of a hook: which script, which group, and the request's variables. */
typedef struct ah_hook_call {
    const char *script_path;        /* absolute path of the .cs or .dll */
    const char *application_group;  /* resolved name; "" is %{GLOBAL} */
    int32_t check_reload;           /* DotNetScriptReloading: 1 = reload when mtime changed */
    int32_t timeout_ms;             /* DotNetHookTimeout in ms; <= 0 = no limit */
    const ah_kv *vars;              /* request variables; never Authorization / Proxy-Authorization */
    int32_t nvars;
    void *log_ctx;                  /* request_rec*, handed back to ah_log_fn */
} ah_hook_call;

/* Outcomes (ah_hook_result.outcome). The AH_AUTH_* values equal AccessHooks.AuthOutcome. */
#define AH_AUTH_DENIED     0
#define AH_AUTH_GRANTED    1
#define AH_AUTH_NOT_FOUND  2

#define AH_ACCESS_DENY     0
#define AH_ACCESS_ALLOW    1
#define AH_ACCESS_DECLINE  2

#define AH_GROUP_NO_MATCH  (-1)     /* groups_match: else the index of the first required group the user is in */

/* Return value of every call. */
#define AH_CALL_OK     0   /* outcome is valid */
#define AH_CALL_ERROR  1   /* error_code says why; the host has already logged details under that code */

typedef struct ah_hook_result {
    int32_t outcome;
    int32_t error_code;   /* DOTNETnnnn number (see dotnet_errors.h) when the call failed, else 0 */
    char *text;           /* malloc'd by the host, free()d by the module; NULL if none:
                             check_password: the GrantedAs name (or the UTF-8 form of a name
                             that was not UTF-8); get_realm_hash: the 32-hex hash, lowercase */
    char *cache_hash;     /* malloc'd by the host, free()d by the module; NULL if none:
                             check_password granted: the source's own stored hash of the password
                             (an htpasswd line's), for mod_authn_socache as is */
} ah_hook_result;

/*
 * Gateway: the I/O of one application request, done by the module on the request's worker
 * thread. The host calls these only on that thread, only during handle_request (it runs the
 * app inline there and queues to the worker whatever the app does from other threads).
 */
typedef struct ah_app_io {
    void *ctx;   /* the module's per-request state, handed back to every function */
    /* Reads up to len bytes of the request body, de-chunked (Apache sends 100 Continue on the
       first read). Returns the count, 0 at the end, or -1 with *status set to the HTTP status
       the failure means (413 over LimitRequestBody, 400 malformed, 408 timeout; 0 when the
       client went away or Apache already answered). */
    int64_t (*read)(void *ctx, uint8_t *buffer, int64_t len, int32_t *status);
    /* Sets the response status, reason (NULL or "" = Apache's) and headers; once, before the first
       write or flush. Hop-by-hop headers are ignored. Returns 0, or -1 for a header Apache
       refuses (the message names it in the error log). */
    int32_t (*send_headers)(void *ctx, int32_t status, const char *reason, const ah_kv *headers,
                            int32_t nheaders);
    /* Appends body bytes (buffered by Apache's filters). 0, or -1 once the client has gone. */
    int32_t (*write)(void *ctx, const uint8_t *buffer, int64_t len);
    /* Sends everything written so far (and the headers) to the client now. 0 or -1 as write. */
    int32_t (*flush)(void *ctx);
} ah_app_io;

/* One application request (SetHandler dotnet-script, DotNetScriptAlias). */
typedef struct ah_app_call {
    const char *app_path;           /* the .cs script or the app's main .dll, absolute */
    const char *application_group;  /* resolved; "" is %{GLOBAL} */
    const char *process_group;      /* resolved; "" is embedded (this child) */
    const char *app_key;            /* "vhost:port|alias or script": what one app's data protection
                                       key ring and identity are keyed on, never the group */
    int32_t check_reload;           /* DotNetScriptReloading */
    const ah_kv *vars;              /* CGI variables: REQUEST_METHOD, SCRIPT_NAME, PATH_INFO, ... */
    int32_t nvars;
    const ah_kv *headers;           /* request headers as received; Authorization only when passed */
    int32_t nheaders;
    void *log_ctx;                  /* request_rec*, handed back to ah_log_fn */
    const ah_app_io *io;
} ah_app_call;

typedef struct ah_host_exports {
    int32_t struct_size;  /* sizeof(ah_host_exports), filled by the host */

    int32_t (*check_password)(const ah_hook_call *call, const char *user, const char *password,
                              ah_hook_result *result);
    int32_t (*get_realm_hash)(const ah_hook_call *call, const char *user, const char *realm,
                              ah_hook_result *result);
    /* outcome: index into groups of the first one GroupsForUser lists, or AH_GROUP_NO_MATCH. */
    int32_t (*groups_match)(const ah_hook_call *call, const char *user,
                            const char *const *groups, int32_t ngroups, ah_hook_result *result);
    int32_t (*allow_access)(const ah_hook_call *call, const char *host, ah_hook_result *result);
    /* Load (compile if needed) the script into its group now; outcome unused. */
    int32_t (*preload)(const ah_hook_call *call, ah_hook_result *result);
    /* Before the process exits: stop apps and dispose groups. Bounded (a few seconds). */
    void (*shutdown)(void);
    /* Gateway: serve one application request. outcome: 0 when the app produced the response
       (sent through io), else the HTTP status the module answers with (Apache's error page);
       AH_CALL_ERROR when the app could not run (error_code logged; 500 unless outcome says). */
    int32_t (*handle_request)(const ah_app_call *call, ah_hook_result *result);
    /* Gateway: start the app now (DotNetImportScript, the two-group alias), in the child's
       thread that runs child_init; call->vars, headers, io and log_ctx are NULL (server-level
       lines). outcome: 0, or AH_PRELOAD_NOT_AN_APP for a .cs that declares no app entry point
       (the module then preloads it as a hook script). A start failure is AH_CALL_ERROR, logged. */
    int32_t (*preload_app)(const ah_app_call *call, ah_hook_result *result);
    /* Status page: this process's application groups, scripts, apps, provider reports and
       runtime figures in one of the AH_STATUS_* forms, as result->text (malloc'd, UTF-8): an
       HTML fragment, a JSON value, or "Key: value" lines. From any thread; outcome unused. */
    int32_t (*status_detail)(int32_t form, ah_hook_result *result);
} ah_host_exports;

#define AH_STATUS_HTML 0
#define AH_STATUS_JSON 1
#define AH_STATUS_AUTO 2

#define AH_PRELOAD_NOT_AN_APP 1

/* Signature of AccessHooks.Host.NativeEntryPoints.Initialize ([UnmanagedCallersOnly]).
   Returns 0 on success, else a DOTNETnnnn number (and exports is left unfilled). */
typedef int32_t (*ah_host_init_fn)(const ah_host_config *config, ah_host_exports *exports);

#endif /* DOTNET_BRIDGE_H */
