/*
 * Starting the .NET runtime inside an Apache child, following docs/internals.md:
 *
 *   nethost finds hostfxr (DotNetRuntimeRoot if set) -> hostfxr_initialize_for_dotnet_command_line
 *   with AccessHooks.Host.dll as the "app" (so the host, providers and Roslyn load in the default
 *   context with the host's deps.json and runtimeconfig) -> hdt_get_function_pointer for
 *   NativeEntryPoints.Initialize -> Initialize fills ah_host_exports.
 *
 * The start happens on first use (or in child_init when an app is preloaded), on whatever thread needs it, under a mutex; never in the
 * parent (a process that forks after CoreCLR started crashes). Around the start:
 *   - Apache's handlers for the signals it controls children with are saved and restored:
 *     CoreCLR installs its own (with SA_RESTART), and the event MPM then loses its wake-up
 *     and children hang at MaxConnectionsPerChild;
 *   - those signals are blocked while the runtime creates its threads, so the threads inherit
 *     the block and a stop signal is always handled by an Apache thread;
 *   - SIGRTMIN is unblocked: CoreCLR suspends threads for GC with it.
 * A failed start is logged once; the process then answers 500 for every hook.
 */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "httpd.h"
#include "apr_strings.h"
#include "http_main.h"
#include "nethost.h"
#include "hostfxr.h"
#include "coreclr_delegates.h"
#include "mod_dotnet.h"
#include "dotnet_config.h"
#include "dotnet_host_callbacks.h"
#include "dotnet_runtime.h"
#include "dotnet_signal_watch.h"
#include "dotnet_child_exit.h"
#include "dotnet_status.h"
#include "dotnet_log.h"

APLOG_USE_MODULE(dotnet);

/* Implemented in dotnet_call.c: the ah_log_fn handed to the host. */

enum { RT_NOT_STARTED = 0, RT_STARTED = 1, RT_FAILED = 2 };

static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;
static int state = RT_NOT_STARTED;          /* read without the lock with acquire semantics */
static ah_host_exports exports;
static __thread int thread_prepared;

/* The signals Apache controls its children with. */
static const int guarded_signals[] = { SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGWINCH };
#define N_GUARDED (sizeof(guarded_signals) / sizeof(guarded_signals[0]))
static struct sigaction apache_actions[N_GUARDED];  /* what must stay installed */

void dotnet_block_apache_signals(sigset_t *saved)
{
    sigset_t block;
    size_t i;

    sigemptyset(&block);
    for (i = 0; i < N_GUARDED; i++) {
        sigaddset(&block, guarded_signals[i]);
    }
    pthread_sigmask(SIG_BLOCK, &block, saved);
}

int dotnet_runtime_started(void)
{
    return __atomic_load_n(&state, __ATOMIC_ACQUIRE) == RT_STARTED;
}

void dotnet_thread_prepare(void)
{
    if (!thread_prepared) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGRTMIN);
        pthread_sigmask(SIG_UNBLOCK, &set, NULL);
        thread_prepared = 1;
    }
}

static void save_apache_actions(void)
{
    size_t i;
    for (i = 0; i < N_GUARDED; i++) {
        sigaction(guarded_signals[i], NULL, &apache_actions[i]);
    }
}

static void restore_apache_actions(void)
{
    size_t i;
    for (i = 0; i < N_GUARDED; i++) {
        sigaction(guarded_signals[i], &apache_actions[i], NULL);
    }
}

/* Whether a handler is the runtime's: CoreCLR's (libcoreclr) or the BCL's (libSystem.Native). */
static int is_runtime_handler(const struct sigaction *a)
{
    Dl_info info;
    const char *base;
    void *fn = (a->sa_flags & SA_SIGINFO) ? (void *)a->sa_sigaction : (void *)a->sa_handler;

    if (fn == (void *)SIG_DFL || fn == (void *)SIG_IGN || dladdr(fn, &info) == 0 || info.dli_fname == NULL) {
        return 0;
    }
    base = strrchr(info.dli_fname, '/');
    base = base ? base + 1 : info.dli_fname;
    return strncmp(base, "libcoreclr", 10) == 0 || strncmp(base, "libSystem.Native", 16) == 0;
}

/* Asks the kernel for the handlers in place: the runtime's are replaced by Apache's; a
   handler of anyone else is Apache's own new choice (an MPM installs its child handlers after
   child_init, where a preloaded app starts the runtime) and becomes what is kept. With quick
   set, SIGTERM and SIGINT alone decide whether the six are read: the runtime's first use of
   signals installs both (System.Native), but a later registration of one signal, or a signal
   Apache ignores (prefork's SIGINT), changes only that one, which the full read catches. */
static void check_signal_handlers(int quick)
{
    struct sigaction current;
    size_t i;

    if (quick
        && (sigaction(SIGTERM, NULL, &current) == 0
            && current.sa_handler == apache_actions[0].sa_handler)
        && (sigaction(SIGINT, NULL, &current) == 0
            && current.sa_handler == apache_actions[1].sa_handler)) {
        return;
    }
    for (i = 0; i < N_GUARDED; i++) {
        if (sigaction(guarded_signals[i], NULL, &current) != 0) {
            continue;
        }
        if (is_runtime_handler(&current)) {
            sigaction(guarded_signals[i], &apache_actions[i], NULL);
        }
        else {
            apache_actions[i] = current;
        }
    }
}

/* The install count at the last full check made while serving a request. The count covers
   Apache's installs as well as the runtime's (dotnet_signal_watch.c), so a handler the MPM sets
   after the runtime started moves it too and is adopted; it is trusted only from a check made
   while serving, after everything the MPM sets before the first request. */
static unsigned long checked_installs;
static int count_trusted;

void dotnet_signals_guard(void)
{
    unsigned long installs = dotnet_signal_watch_installs();

    if (__atomic_load_n(&count_trusted, __ATOMIC_ACQUIRE)
        && installs == __atomic_load_n(&checked_installs, __ATOMIC_ACQUIRE)) {
        return;
    }
    /* The count read before the check: an install that lands during the check moves it again. */
    if (dotnet_signal_watch_active()) {
        check_signal_handlers(0);
        __atomic_store_n(&checked_installs, installs, __ATOMIC_RELEASE);
        __atomic_store_n(&count_trusted, 1, __ATOMIC_RELEASE);
    }
    else {
        check_signal_handlers(1);
    }
}

void dotnet_signals_guard_at_start(void)
{
    check_signal_handlers(0);
}

/* hostfxr reports why it cannot start (missing framework, bad runtimeconfig) through this. */
static void HOSTFXR_CALLTYPE hostfxr_error_writer(const char_t *message)
{
    DOTNET_SLOG(APLOG_ERR, 0, ap_server_conf, DOTNET_RUNTIME_START_FAILED, "hostfxr: %s", message);
}

/* <directory of mod_dotnet.so>/mod_dotnet/AccessHooks.Host.dll */
const char *dotnet_host_assembly_path(apr_pool_t *p)
{
    Dl_info info;
    const char *slash;

    if (dladdr((void *)&dotnet_module, &info) == 0 || info.dli_fname == NULL) {
        return NULL;
    }
    slash = strrchr(info.dli_fname, '/');
    if (slash == NULL) {
        return apr_pstrcat(p, "mod_dotnet/", AH_HOST_ASSEMBLY, NULL);
    }
    return apr_pstrcat(p, apr_pstrmemdup(p, info.dli_fname, (apr_size_t)(slash - info.dli_fname)),
                       "/mod_dotnet/", AH_HOST_ASSEMBLY, NULL);
}

/* .../host/fxr/<version>/libhostfxr.so -> ... : the dotnet root hostfxr belongs to. */
const char *dotnet_runtime_root_of_hostfxr(apr_pool_t *p, const char *fxr)
{
    char *root = apr_pstrdup(p, fxr);
    int up;

    for (up = 0; up < 4; up++) {
        char *slash = strrchr(root, '/');
        if (slash == NULL || slash == root) {
            return NULL;
        }
        *slash = '\0';
    }
    return root;
}

int dotnet_locate_runtime(server_rec *s, const char *host_dll, char *fxr_path, size_t fxr_size)
{
    const dotnet_server_cfg *cfg = dotnet_main_server_config();
    struct get_hostfxr_parameters params;
    int rc;

    if (host_dll == NULL || access(host_dll, R_OK) != 0) {
        DOTNET_SLOG(APLOG_ERR, 0, s, DOTNET_HOST_NOT_FOUND,
                    "the managed host %s is missing or not readable: reinstall mod_dotnet (its "
                    "mod_dotnet/ folder belongs beside mod_dotnet.so); until then every dotnet hook "
                    "and app answers 500", host_dll ? host_dll : AH_HOST_ASSEMBLY);
        return DOTNET_HOST_NOT_FOUND;
    }
    memset(&params, 0, sizeof(params));
    params.size = sizeof(params);
    params.assembly_path = host_dll;
    params.dotnet_root = cfg->runtime_root;
    rc = get_hostfxr_path(fxr_path, &fxr_size, &params);
    if (rc != 0) {
        DOTNET_SLOG(APLOG_ERR, 0, s, DOTNET_RUNTIME_NOT_FOUND,
                    "no .NET runtime found%s%s (nethost error 0x%x): mod_dotnet needs the ASP.NET Core "
                    "runtime 10 (Microsoft's packages or dotnet-install.sh; Debian has none), or "
                    "DotNetRuntimeRoot pointing at one; until then every dotnet hook and app answers 500",
                    cfg->runtime_root ? " under " : "", cfg->runtime_root ? cfg->runtime_root : "", (unsigned)rc);
        return DOTNET_RUNTIME_NOT_FOUND;
    }
    return 0;
}

/* Returns 0 or the catalogue code of the failure (already logged). */
static int start_runtime(apr_pool_t *p, server_rec *s)
{
    const dotnet_server_cfg *cfg = dotnet_main_server_config();
    const char *host_dll = dotnet_host_assembly_path(p);
    char fxr_path[PATH_MAX];
    size_t fxr_size = sizeof(fxr_path);
    struct hostfxr_initialize_parameters init_params;
    hostfxr_initialize_for_dotnet_command_line_fn fxr_init;
    hostfxr_get_runtime_delegate_fn fxr_get_delegate;
    hostfxr_set_error_writer_fn fxr_set_error_writer;
    hostfxr_close_fn fxr_close;
    hostfxr_handle handle = NULL;
    get_function_pointer_fn get_function_pointer = NULL;
    ah_host_init_fn host_init = NULL;
    static ah_host_config host_config;
    const char *argv[1];
    void *lib;
    int rc;

    if ((rc = dotnet_locate_runtime(s, host_dll, fxr_path, fxr_size)) != 0) {
        return rc;
    }

    /* RTLD_LOCAL: nothing of hostfxr should satisfy symbols of other modules. Never closed. */
    lib = dlopen(fxr_path, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        DOTNET_SLOG(APLOG_ERR, 0, s, DOTNET_RUNTIME_NOT_FOUND, "cannot load %s: %s", fxr_path, dlerror());
        return DOTNET_RUNTIME_NOT_FOUND;
    }
    fxr_init = (hostfxr_initialize_for_dotnet_command_line_fn)
        dlsym(lib, "hostfxr_initialize_for_dotnet_command_line");
    fxr_get_delegate = (hostfxr_get_runtime_delegate_fn)dlsym(lib, "hostfxr_get_runtime_delegate");
    fxr_set_error_writer = (hostfxr_set_error_writer_fn)dlsym(lib, "hostfxr_set_error_writer");
    fxr_close = (hostfxr_close_fn)dlsym(lib, "hostfxr_close");
    if (!fxr_init || !fxr_get_delegate || !fxr_set_error_writer || !fxr_close) {
        DOTNET_SLOG(APLOG_ERR, 0, s, DOTNET_RUNTIME_NOT_FOUND,
                    "%s lacks the hosting API (it is older than .NET 6)", fxr_path);
        return DOTNET_RUNTIME_NOT_FOUND;
    }

    memset(&init_params, 0, sizeof(init_params));
    init_params.size = sizeof(init_params);
    init_params.dotnet_root = cfg->runtime_root ? cfg->runtime_root : dotnet_runtime_root_of_hostfxr(p, fxr_path);
    argv[0] = host_dll;

    /* The error writer is per thread: this thread's start only. */
    fxr_set_error_writer(hostfxr_error_writer);
    rc = fxr_init(1, argv, &init_params, &handle);
    if (rc < 0 || handle == NULL) {
        fxr_set_error_writer(NULL);
        DOTNET_SLOG(APLOG_ERR, 0, s, DOTNET_RUNTIME_START_FAILED,
                    "the .NET runtime failed to initialise for %s (hostfxr error 0x%x)", host_dll,
                    (unsigned)rc);
        if (handle) {
            fxr_close(handle);
        }
        return DOTNET_RUNTIME_START_FAILED;
    }
    /* With a command-line context the runtime itself starts here. */
    rc = fxr_get_delegate(handle, hdt_get_function_pointer, (void **)&get_function_pointer);
    fxr_set_error_writer(NULL);
    fxr_close(handle);
    if (rc < 0 || get_function_pointer == NULL) {
        DOTNET_SLOG(APLOG_ERR, 0, s, DOTNET_RUNTIME_START_FAILED,
                    "the .NET runtime failed to start (hostfxr error 0x%x)", (unsigned)rc);
        return DOTNET_RUNTIME_START_FAILED;
    }

    rc = get_function_pointer(AH_HOST_TYPE, AH_HOST_INIT, UNMANAGEDCALLERSONLY_METHOD, NULL, NULL,
                              (void **)&host_init);
    if (rc < 0 || host_init == NULL) {
        DOTNET_SLOG(APLOG_ERR, 0, s, DOTNET_HOST_INIT_FAILED,
                    "%s has no entry point %s.%s (error 0x%x); the host and mod_dotnet.so do not "
                    "match", host_dll, AH_HOST_TYPE, AH_HOST_INIT, (unsigned)rc);
        return DOTNET_HOST_INIT_FAILED;
    }

    host_config.abi_version = AH_ABI_VERSION;
    host_config.struct_size = (int32_t)sizeof(host_config);
    host_config.script_cache_dir = cfg->script_cache_effective;
    host_config.restrict_stdout = cfg->restrict_stdout == 1;
    host_config.process_id = (int32_t)getpid();
    host_config.log = dotnet_log_from_host;
    host_config.recycle = dotnet_recycle_from_host;
    host_config.worker_threads = dotnet_worker_threads();
    memset(&exports, 0, sizeof(exports));
    rc = host_init(&host_config, &exports);
    if (rc != 0) {
        DOTNET_SLOG(APLOG_ERR, 0, s, DOTNET_HOST_INIT_FAILED,
                    "the managed host failed to initialise (DOTNET%04d: %s)", rc, dotnet_error_text(rc));
        return DOTNET_HOST_INIT_FAILED;
    }
    if (exports.struct_size < (int32_t)sizeof(exports) || !exports.check_password
        || !exports.get_realm_hash || !exports.groups_match || !exports.allow_access) {
        DOTNET_SLOG(APLOG_ERR, 0, s, DOTNET_HOST_INIT_FAILED,
                    "the managed host returned an incomplete export table (size %d, expected %d); "
                    "the host and mod_dotnet.so do not match", (int)exports.struct_size,
                    (int)sizeof(exports));
        return DOTNET_HOST_INIT_FAILED;
    }
    return 0;
}

const ah_host_exports *dotnet_runtime_start(server_rec *s)
{
    int current = __atomic_load_n(&state, __ATOMIC_ACQUIRE);

    if (current == RT_STARTED) {
        return &exports;
    }
    if (current == RT_NOT_STARTED) {
        pthread_mutex_lock(&start_lock);
        if (state == RT_NOT_STARTED) {
            sigset_t saved_mask;
            apr_pool_t *p;
            int rc;

            dotnet_block_apache_signals(&saved_mask);
            dotnet_thread_prepare();
            save_apache_actions();

            apr_pool_create(&p, NULL);
            rc = start_runtime(p, s);
            apr_pool_destroy(p);

            restore_apache_actions();
            if (rc == 0) {
                /* From here the runtime's own installs are counted (dotnet_signal_watch.c). */
                if (!dotnet_signal_watch_start()) {
                    DOTNET_SLOG(APLOG_DEBUG, 0, s, DOTNET_RUNTIME_STARTED,
                                "the runtime's signal handler installs cannot be counted here; "
                                "the handlers are checked with the kernel after every call");
                }
                /* May wrap the death-signal handlers; the guard then protects those. */
                dotnet_child_exit_runtime_started();
                save_apache_actions();
            }
            sigdelset(&saved_mask, SIGRTMIN);
            pthread_sigmask(SIG_SETMASK, &saved_mask, NULL);

            if (rc == 0) {
                dotnet_status_runtime_started();
                DOTNET_SLOG(APLOG_DEBUG, 0, s, DOTNET_RUNTIME_STARTED,
                            "the .NET runtime started in process %ld", (long)getpid());
            }
            __atomic_store_n(&state, rc == 0 ? RT_STARTED : RT_FAILED, __ATOMIC_RELEASE);
        }
        current = state;
        pthread_mutex_unlock(&start_lock);
        if (current == RT_STARTED) {
            return &exports;
        }
    }
    return NULL;
}

const ah_host_exports *dotnet_runtime_get(request_rec *r)
{
    const ah_host_exports *host = dotnet_runtime_start(r->server);

    if (host == NULL) {
        DOTNET_RLOG(APLOG_DEBUG, 0, r, DOTNET_RUNTIME_UNAVAILABLE,
                    "the .NET runtime is not available in this process (see the first error)");
    }
    return host;
}

const ah_host_exports *dotnet_runtime_if_started(void)
{
    return dotnet_runtime_started() ? &exports : NULL;
}

void dotnet_runtime_shutdown(void)
{
    if (dotnet_runtime_started() && exports.shutdown) {
        dotnet_thread_prepare();
        exports.shutdown();
    }
}
