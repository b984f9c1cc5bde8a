/*
 * make bench's managed floor: an authentication provider and an access hook written in C#
 * (bench/ClrFloor/Floor.cs), called straight from Apache through the .NET hosting API with
 * nothing of AccessHooks between them. It checks what bench/site.cs checks (the same {SHA}
 * htpasswd file, held in memory) and answers what bench/access.cs answers (allow). So
 * "C# floor / C floor" is what the runtime itself adds (the transition into managed code and
 * back, managed SHA-1), "dotnet / C# floor" is what mod_dotnet and its host add over that, and
 * the memory of a child that ran only this is the least a child running any C# costs.
 * Built by bench/run with apxs into build/bench/; not part of the product.
 *
 *   BenchClrFloor /path/ClrFloor.dll /path/libhostfxr.so /path/users.htpasswd
 *   AuthBasicProvider bench-clr        (in a location: the C# provider)
 *   BenchClrAccess On                  (in a location: the C# access hook)
 *
 * The runtime starts on the first request that needs it. If mod_dotnet started it in the same
 * child first, hostfxr gives this module a second context over the same runtime (an isolated
 * load context for ClrFloor.dll); mod_dotnet cannot start one after this module has.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include "httpd.h"
#include "apr_strings.h"
#include "http_config.h"
#include "http_log.h"
#include "http_request.h"
#include "ap_provider.h"
#include "mod_auth.h"
#include "hostfxr.h"
#include "coreclr_delegates.h"

module AP_MODULE_DECLARE_DATA bench_clr_module;

typedef int (*load_fn)(const char *path);
typedef int (*check_fn)(const char *user, int user_length, const char *password, int password_length);
typedef int (*allow_fn)(void);

static const char *floor_dll, *hostfxr_path, *user_file;
static pthread_once_t start_once = PTHREAD_ONCE_INIT;
static check_fn check_password_managed;
static allow_fn allow_access_managed;

/* The signals Apache controls its children with: blocked while the runtime creates its
   threads (they inherit the block, so Apache's threads take them), and Apache's handlers put
   back afterwards, as mod_dotnet does (docs/internals.md, "Signals"). */
static const int apache_signals[] = { SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGWINCH };
#define N_SIGNALS (sizeof(apache_signals) / sizeof(apache_signals[0]))

/* The event MPM blocks every signal in its workers; the runtime suspends a thread running
   managed code (for a GC, for tiering) with SIGRTMIN, so each calling thread unblocks it once,
   as mod_dotnet's dotnet_thread_prepare does. */
static __thread int thread_prepared;

static void thread_prepare(void)
{
    if (!thread_prepared) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGRTMIN);
        pthread_sigmask(SIG_UNBLOCK, &set, NULL);
        thread_prepared = 1;
    }
}

static void *managed(load_assembly_and_get_function_pointer_fn get, const char *method)
{
    void *fn = NULL;
    int rc = get(floor_dll, "ClrFloor.Floor, ClrFloor", method, UNMANAGEDCALLERSONLY_METHOD, NULL, &fn);

    if (rc < 0 || fn == NULL) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, NULL, "bench-clr: no %s in %s (0x%x)", method, floor_dll,
                     (unsigned)rc);
        return NULL;
    }
    return fn;
}

static void start_runtime(void)
{
    struct sigaction saved[N_SIGNALS];
    sigset_t block, old;
    hostfxr_initialize_for_runtime_config_fn init;
    hostfxr_get_runtime_delegate_fn get_delegate;
    hostfxr_close_fn close_context;
    load_assembly_and_get_function_pointer_fn get = NULL;
    hostfxr_handle context = NULL;
    char config[4096];
    void *lib;
    load_fn load;
    size_t i;
    int rc;

    /* The hostfxr mod_dotnet loaded, if it started the runtime first (it finds its own through
       nethost): a second copy would not know a runtime is running and would load another. */
    lib = dlopen("libhostfxr.so", RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    if (lib == NULL) {
        lib = dlopen(hostfxr_path, RTLD_NOW | RTLD_LOCAL);
    }
    if (lib == NULL) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, NULL, "bench-clr: %s", dlerror());
        return;
    }
    init = (hostfxr_initialize_for_runtime_config_fn)dlsym(lib, "hostfxr_initialize_for_runtime_config");
    get_delegate = (hostfxr_get_runtime_delegate_fn)dlsym(lib, "hostfxr_get_runtime_delegate");
    close_context = (hostfxr_close_fn)dlsym(lib, "hostfxr_close");
    if (!init || !get_delegate || !close_context) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, NULL, "bench-clr: %s lacks the hosting API", hostfxr_path);
        return;
    }
    /* ClrFloor.dll -> ClrFloor.runtimeconfig.json */
    if (strlen(floor_dll) < 4 || strlen(floor_dll) + 20 > sizeof(config)) {
        return;
    }
    memcpy(config, floor_dll, strlen(floor_dll) - 4);
    strcpy(config + strlen(floor_dll) - 4, ".runtimeconfig.json");

    sigemptyset(&block);
    for (i = 0; i < N_SIGNALS; i++) {
        sigaddset(&block, apache_signals[i]);
        sigaction(apache_signals[i], NULL, &saved[i]);
    }
    pthread_sigmask(SIG_BLOCK, &block, &old);
    rc = init(config, NULL, &context);
    if (rc >= 0 && context != NULL) {
        rc = get_delegate(context, hdt_load_assembly_and_get_function_pointer, (void **)&get);
    }
    if (context != NULL) {
        close_context(context);
    }
    if (rc >= 0 && get != NULL && (load = (load_fn)managed(get, "Load")) != NULL) {
        rc = load(user_file);
        if (rc < 0) {
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, NULL, "bench-clr: cannot read %s", user_file);
        }
        else {
            check_password_managed = (check_fn)managed(get, "CheckPassword");
            allow_access_managed = (allow_fn)managed(get, "AllowAccess");
        }
    }
    else {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, NULL, "bench-clr: the runtime did not start for %s (0x%x)",
                     config, (unsigned)rc);
    }
    for (i = 0; i < N_SIGNALS; i++) {
        sigaction(apache_signals[i], &saved[i], NULL);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static authn_status check_password(request_rec *r, const char *user, const char *password)
{
    thread_prepare();
    pthread_once(&start_once, start_runtime);
    if (check_password_managed == NULL) {
        return AUTH_GENERAL_ERROR;
    }
    switch (check_password_managed(user, (int)strlen(user), password, (int)strlen(password))) {
    case 1:
        return AUTH_GRANTED;
    case 2:
        return AUTH_DENIED;
    case 3:
        return AUTH_USER_NOT_FOUND;
    default:
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "bench-clr: the check failed");
        return AUTH_GENERAL_ERROR;
    }
}

typedef struct {
    int access;
} dir_cfg;

static void *create_dir(apr_pool_t *p, char *dir)
{
    (void)dir;
    return apr_pcalloc(p, sizeof(dir_cfg));
}

static int access_checker(request_rec *r)
{
    const dir_cfg *d = ap_get_module_config(r->per_dir_config, &bench_clr_module);

    if (!d->access) {
        return DECLINED;
    }
    thread_prepare();
    pthread_once(&start_once, start_runtime);
    if (allow_access_managed == NULL) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return allow_access_managed() == 1 ? OK : HTTP_FORBIDDEN;
}

static const char *set_floor(cmd_parms *cmd, void *mconfig, const char *dll, const char *fxr,
                             const char *users)
{
    (void)mconfig;
    floor_dll = apr_pstrdup(cmd->pool, dll);
    hostfxr_path = apr_pstrdup(cmd->pool, fxr);
    user_file = apr_pstrdup(cmd->pool, users);
    return NULL;
}

static const authn_provider provider = { check_password, NULL };

static const command_rec commands[] = {
    AP_INIT_TAKE3("BenchClrFloor", set_floor, NULL, RSRC_CONF, "ClrFloor.dll, libhostfxr.so, htpasswd file"),
    AP_INIT_FLAG("BenchClrAccess", ap_set_flag_slot, (void *)APR_OFFSETOF(dir_cfg, access), ACCESS_CONF,
                 "run the C# access hook here"),
    { NULL }
};

static void register_hooks(apr_pool_t *p)
{
    ap_register_auth_provider(p, AUTHN_PROVIDER_GROUP, "bench-clr", AUTHN_PROVIDER_VERSION, &provider,
                              AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_access_checker(access_checker, NULL, NULL, APR_HOOK_MIDDLE);
}

AP_DECLARE_MODULE(bench_clr) = {
    STANDARD20_MODULE_STUFF, create_dir, NULL, NULL, NULL, commands, register_hooks, 0
};
