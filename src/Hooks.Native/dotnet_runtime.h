/*
 * The .NET runtime in an Apache child: started on first use behind a mutex (never in the
 * parent, which forks after), then the managed host's exports are called directly.
 */
#ifndef DOTNET_RUNTIME_H
#define DOTNET_RUNTIME_H

#include <signal.h>
#include "httpd.h"
#include "dotnet_bridge.h"

/* The host's exports, starting the runtime on the first call in this process. NULL when it
   could not be started: the reason was logged once (DOTNET0100-0103); the caller answers 500. */
const ah_host_exports *dotnet_runtime_get(request_rec *r);

/* The same outside a request (child_init preloading apps); logs only a failure to start. */
const ah_host_exports *dotnet_runtime_start(server_rec *s);

/* <directory of mod_dotnet.so>/mod_dotnet/AccessHooks.Host.dll; NULL if the module's path is unknown. */
const char *dotnet_host_assembly_path(apr_pool_t *p);

/* .../host/fxr/<version>/libhostfxr.so -> the .NET root it belongs to (NULL if not that shape). */
const char *dotnet_runtime_root_of_hostfxr(apr_pool_t *p, const char *fxr);

/* The host's path checked and hostfxr found (nethost: a file-system search, nothing loaded) into
   fxr_path; 0, or DOTNET0102 / DOTNET0100 (logged). */
int dotnet_locate_runtime(server_rec *s, const char *host_dll, char *fxr_path, size_t fxr_size);

/* dotnet_preflight.c: in the parent, loads nothing: whether the host, the runtime and the shared
   frameworks the host needs are installed; each missing part is logged with its code
   (DOTNET0102, 0100, 0106). Returns OK or the first code. Never fatal. */
int dotnet_preflight(apr_pool_t *p, server_rec *s);
void dotnet_preflight_test_config(apr_pool_t *pconf, server_rec *s);

/* The host's exports when the runtime already runs in this process, else NULL; never starts it. */
const ah_host_exports *dotnet_runtime_if_started(void);

/* Whether the runtime was started in this process (and so must be handled at exit). */
int dotnet_runtime_started(void);

/* Before a thread calls managed code: unblock SIGRTMIN, which CoreCLR uses to suspend threads
   for GC (Apache blocks it in worker threads). Cheap after the first call per thread. */
void dotnet_thread_prepare(void);

/* After a call into managed code while serving a request: if managed code installed its own
   handlers for the signals Apache uses to control children (the runtime does so lazily, e.g.
   when Console is first touched), put Apache's back; a handler Apache itself installed since
   (the event MPM sets its child handlers after child_init) is adopted. No syscall when the
   runtime's libraries installed nothing since the last check (dotnet_signal_watch.c), two
   when that cannot be known. */
void dotnet_signals_guard(void);

/* The same check after a call made at child start (a preload in child_init), before the MPM
   has installed its child handlers: always asks the kernel and never lets later calls skip it. */
void dotnet_signals_guard_at_start(void);

/* Blocks Apache's stop and restart signals in the calling thread (threads it starts inherit
   the mask), saving the old mask in *saved: the runtime's and an app's threads must never take
   them. */
void dotnet_block_apache_signals(sigset_t *saved);

/* The child is exiting normally (not from a signal handler): let the host dispose groups. */
void dotnet_runtime_shutdown(void);

#endif /* DOTNET_RUNTIME_H */
