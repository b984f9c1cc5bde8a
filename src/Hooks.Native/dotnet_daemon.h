/*
 * Daemon mode: apps run in daemon processes the Apache parent forks and supervises, and Apache's
 * children relay requests to them over a UNIX socket (docs/daemon-mode.md).
 *
 *   dotnet_daemon_config.c      DotNetDaemonProcess, DotNetSocketPrefix, DotNetProcessGroup
 *   dotnet_daemon_supervisor.c  the parent: sockets, secrets, forking, restarting
 *   dotnet_daemon_process.c     inside a daemon: privileges, the runtime, the accept loop
 *   dotnet_daemon_relay.c       an Apache child: the handler's relay (never starts .NET)
 *   dotnet_daemon_protocol.c    the wire both ends speak
 */
#ifndef DOTNET_DAEMON_H
#define DOTNET_DAEMON_H

#include <sys/types.h>
#include "httpd.h"
#include "http_config.h"
#include "apr_thread_proc.h"
#include "dotnet_daemon_protocol.h"

#define DOTNET_DAEMON_MAX_PROCESSES 64
#define DOTNET_DAEMON_MAX_THREADS   1024

typedef struct dotnet_daemon_group dotnet_daemon_group;

/* An app file a group runs (a DotNetScriptAlias target), and its mtime when last seen. */
typedef struct {
    const char *path;
    apr_time_t mtime;
} dotnet_daemon_watch;

/* One daemon process slot of a group, kept by the parent. */
typedef struct {
    dotnet_daemon_group *group;
    int index;                 /* 1..processes */
    apr_proc_t proc;           /* pid 0 when not running */
    apr_time_t started;
    int quick_deaths;          /* consecutive deaths soon after start: restarts back off */
    apr_time_t restart_at;     /* a pending restart (0: none) */
    int ready_fd;              /* parent: read end of the pipe the daemon writes once when it serves */
    int ready_write_fd;        /* the daemon's end (in the parent until the fork) */
    int ready;                 /* the daemon said it serves */
    void *figures;             /* dotnet_daemon_figures in the status memory, or NULL */
} dotnet_daemon_slot;

struct dotnet_daemon_group {
    const char *name;
    server_rec *server;        /* where it was defined */
    int processes;
    int threads;
    const char *user_name;     /* user=, else Apache's User */
    uid_t uid;
    gid_t gid;
    const char *home;          /* home=, else the user's home directory */
    int maximum_requests;      /* 0 = no limit */
    const char *display_name;  /* display-name= as written; %{GROUP} = "(dotnet:NAME)" */
    int socket_timeout;        /* seconds: reading and writing a request on the socket */
    int connect_timeout;       /* seconds: connecting while the daemons restart */
    int shutdown_timeout;      /* seconds: a daemon's requests to finish when it stops */
    int request_timeout;       /* seconds; 0 = none: a request running longer is answered 504
                                  and its daemon restarts */
    int graceful_timeout;      /* seconds: the other requests' time to finish when a daemon
                                  restarts for request-timeout or maximum-requests */
    int listen_backlog;
    int queue_timeout;         /* seconds; 0 = none: a request that waited longer in the socket's
                                  backlog for a daemon thread is answered 504 without running */
    int restart_interval;      /* seconds; 0 = none: a daemon is replaced after running this long */
    int inactivity_timeout;    /* seconds; 0 = none: a daemon with no request for this long is
                                  replaced (frees what the apps held) */

    /* Made by the parent in post_config, inherited by Apache's children and the daemons. */
    const char *socket_path;
    int listen_fd;
    pid_t parent_pid;          /* the process that made the socket (removes its name) */
    int retired;               /* its socket and daemons live on after a graceful restart */
    apr_array_header_t *watched;  /* dotnet_daemon_watch: the aliases' app files */
    int rolling;               /* a restart one process at a time is under way */
    int roll_index;            /* the slot being replaced */
    pid_t roll_old_pid;        /* its process before the restart (0: not signalled yet) */
    const char *script_cache;  /* the daemons' DotNetScriptCache: a subdirectory of their own when
                                  they run as another user than Apache's */
    unsigned char secret[DOTNET_WIRE_SECRET_LEN];
    dotnet_daemon_slot *slots;
};

/* The groups defined by the configuration being read (rebuilt at every start and restart). */
apr_array_header_t *dotnet_daemon_groups(void);
dotnet_daemon_group *dotnet_daemon_group_find(const char *name);

/* DotNetSocketPrefix, or Apache's runtime directory + "/dotnet". */
const char *dotnet_daemon_socket_prefix(apr_pool_t *p);

/* dotnet_daemon_config.c */
const char *dotnet_set_daemon_process(cmd_parms *cmd, void *mconfig, int argc, char *const argv[]);
const char *dotnet_set_socket_prefix(cmd_parms *cmd, void *mconfig, const char *arg);
const char *dotnet_set_process_group(cmd_parms *cmd, void *mconfig, const char *arg);
/* process-group=NAME of an alias or import: NULL when fine (%{GLOBAL} or a daemon group defined
   so far, or defined later: checked again at start), else an error text. */
int dotnet_daemon_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp);

/* Every process-group= of an alias names a defined group (or %{GLOBAL}): OK, or logs
   DOTNET0255 and returns HTTP_INTERNAL_SERVER_ERROR (Apache does not start). */
int dotnet_daemon_check_names(server_rec *main_server);

/* dotnet_daemon_supervisor.c: post_config in the parent (not at configtest): makes each group's
   socket and secret and forks its daemons. OK, or an HTTP status refusing the start (logged). */
int dotnet_daemon_post_config(apr_pool_t *pconf, server_rec *s);
/* The MPM's monitor hook: restarts that were backed off, and retired groups whose Apache children
   are gone. */
void dotnet_daemon_monitor(void);
/* In a new child or daemon: close the sockets of retired groups it inherited. */
void dotnet_daemon_close_retired(server_rec *s);

/* A daemon's exit statuses. Apache hands the supervisor the exit status or the signal number of
   a dead daemon, not the wait status, so the daemon's own are above every signal number (64).
   RECYCLED: replaced on purpose (maximum-requests, restart-interval, inactivity-timeout):
   restarted at once, never counted as failing at start. */
#define DOTNET_DAEMON_EXIT_RECYCLED     100
#define DOTNET_DAEMON_EXIT_START_FAILED 101

/* dotnet_daemon_process.c: the daemon's life after the fork; never returns. */
void dotnet_daemon_main(dotnet_daemon_slot *slot) __attribute__((noreturn));

/* dotnet_daemon_relay.c: serves r through group's daemons. An HTTP status or OK. */
int dotnet_daemon_relay(request_rec *r, dotnet_daemon_group *group, const char *application_group,
                        const char *app_key, int pass_authorization, const char *script_name, int by_alias);

#endif /* DOTNET_DAEMON_H */
