/*
 * Child start and exit.
 *
 * prefork ends a child on SIGTERM/SIGHUP by calling exit() from inside the signal handler
 * (just_die -> clean_child_exit). With CoreCLR loaded, exit() runs the runtime's teardown,
 * which deadlocks in signal-handler context: children then hang 5-15 s and a stop or
 * restart waits for them. So, under prefork and only once the runtime started, Apache's
 * handlers for those signals are wrapped to note the signal, Apache's handler then runs as
 * usual (pool cleanups, scoreboard), and the cleanup below, registered first on the child
 * pool so it runs last, ends the process with _exit(0) instead of returning into exit().
 * Every other exit (MaxConnectionsPerChild, graceful stop, the event MPM) keeps exit() and
 * its status, after the host has disposed its groups.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "httpd.h"
#include "http_config.h"
#include "ap_mpm.h"
#include "mod_dotnet.h"
#include "dotnet_runtime.h"
#include "dotnet_child_exit.h"
#include "dotnet_config.h"
#include "dotnet_status.h"

static int is_prefork;
static volatile sig_atomic_t death_signal;

/* Apache's handlers for the death signals, called by the wrapper. */
static struct sigaction apache_term, apache_hup;

static void note_death(int sig, siginfo_t *info, void *uctx)
{
    const struct sigaction *apache = sig == SIGTERM ? &apache_term : &apache_hup;

    death_signal = sig;
    if (apache->sa_flags & SA_SIGINFO) {
        apache->sa_sigaction(sig, info, uctx);
    }
    else if (apache->sa_handler == SIG_DFL) {
        /* Nobody handles it: the default action (terminate) is what Apache asked for. */
        _exit(0);
    }
    else if (apache->sa_handler != SIG_IGN) {
        apache->sa_handler(sig);
    }
}

static void wrap(int sig, struct sigaction *saved)
{
    struct sigaction act;

    if (sigaction(sig, NULL, saved) != 0 || saved->sa_handler == SIG_IGN) {
        return;
    }
    memset(&act, 0, sizeof(act));
    act.sa_sigaction = note_death;
    act.sa_mask = saved->sa_mask;
    act.sa_flags = (saved->sa_flags & ~SA_RESETHAND) | SA_SIGINFO;
    sigaction(sig, &act, NULL);
}

void dotnet_child_exit_runtime_started(void)
{
    if (is_prefork) {
        wrap(SIGTERM, &apache_term);
        wrap(SIGHUP, &apache_hup);
    }
}

static apr_status_t child_exit_cleanup(void *unused)
{
    (void)unused;
    if (!dotnet_runtime_started()) {
        return APR_SUCCESS;
    }
    if (death_signal) {
        /* In the signal handler, after every other cleanup of the child pool ran. */
        _exit(0);
    }
    dotnet_runtime_shutdown();
    return APR_SUCCESS;
}

void dotnet_child_init(apr_pool_t *pchild, server_rec *s)
{
    (void)s;
    is_prefork = strcmp(ap_show_mpm(), "prefork") == 0;
    /* Before the runtime can start, so it is read by it: no diagnostics IPC socket per child.
       Set here, while the child is still single-threaded. */
    setenv("DOTNET_EnableDiagnostics", "0", 1);
    /* A small GC heap instead of the cache-size-derived default (a gen0 budget of tens of MB on
       most CPUs, in 4 MB regions): every child keeps its gen0 budget and regions committed.
       A child that only runs hooks (under 1 KB allocated a call) gets a 256 KB budget in 1 MB
       regions: with a 1 MB budget its heap still touched ~5 MB, with 256 KB ~2 MB,
       for a collection every few hundred calls (a hook that allocates more, an LDAP lookup, pays
       more collections, each over a heap of a few MB). One that may host an app keeps 4 MB regions and
       a 2 MB budget, where an app's allocation rate makes fewer collections pay
       (docs/performance.md, "Memory per Apache child"). Only environment variables reach these
       knobs (the runtimeconfig properties are not read); an administrator's own values are kept. */
    if (dotnet_config_names_embedded_app()) {
        setenv("DOTNET_GCgen0size", "0x200000", 0);
    }
    else {
        setenv("DOTNET_GCgen0size", "0x40000", 0);
        setenv("DOTNET_GCRegionSize", "0x100000", 0);
    }
    /* The JIT's scratch pages (64 KB each) go back to malloc when a compile ends instead of into
       the runtime's cache of up to 16 MB, which only the finalizer thread trims, and only after
       a GC that found something to finalize: a hook child never does, so the tier-1 compiles of
       its first seconds of load left ~3.5 MB there for good. Two pages stay cached. */
    setenv("DOTNET_JitHostMaxSlabCache", "0x20000", 0);
    /* Registered from a REALLY_FIRST child_init: cleanups run in reverse order, so this one
       runs after those of every other module. */
    apr_pool_cleanup_register(pchild, NULL, child_exit_cleanup, apr_pool_cleanup_null);
    /* After it, so this child's figures are folded before the runtime's exit above. */
    dotnet_status_child_init(pchild);
}
