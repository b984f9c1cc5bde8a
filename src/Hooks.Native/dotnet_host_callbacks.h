/*
 * What the managed host calls back (dotnet_bridge.h: ah_log_fn, ah_recycle_fn), and the facts
 * about this child it is handed at start.
 */
#ifndef DOTNET_HOST_CALLBACKS_H
#define DOTNET_HOST_CALLBACKS_H

#include <stdint.h>

/* ah_log_fn: one error-log line with its DOTNETnnnn code (dotnet_host_log.c). */
void dotnet_log_from_host(void *ctx, int32_t level, int32_t code, const char *message);

/* ah_recycle_fn: replace this child gracefully (dotnet_child_recycle.c). */
void dotnet_recycle_from_host(int32_t code, const char *reason);

/* Request worker threads per child under the running MPM (1 for prefork). */
int32_t dotnet_worker_threads(void);

#endif /* DOTNET_HOST_CALLBACKS_H */
