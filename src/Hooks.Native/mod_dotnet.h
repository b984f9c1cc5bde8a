/*
 * Declarations shared by the mod_dotnet source files: the module record and the hook entry
 * points each concern file provides to mod_dotnet.c, which registers them.
 */
#ifndef MOD_DOTNET_H
#define MOD_DOTNET_H

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"

extern module AP_MODULE_DECLARE_DATA dotnet_module;

/* dotnet_authn.c */
void dotnet_authn_register(apr_pool_t *p);
void dotnet_authn_retrieve_optional_fns(void);
void dotnet_authn_post_config(apr_pool_t *ptemp);

/* dotnet_authz.c */
void dotnet_authz_register(apr_pool_t *p);

/* dotnet_access.c */
int dotnet_access_check(request_rec *r);

/* dotnet_child_exit.c */
void dotnet_child_init(apr_pool_t *pchild, server_rec *s);

/* dotnet_child_recycle.c: the pipe children of threaded MPMs use to ask the parent for a
   graceful restart (made once per process, in post_config), and the parent's monitor hook that
   reads it. */
int dotnet_child_recycle_post_config(server_rec *s);
int dotnet_child_recycle_monitor(apr_pool_t *p, server_rec *s);

/* dotnet_process.c: no such process, or a zombie not reaped yet. */
int dotnet_process_gone(pid_t pid);

/* dotnet_cache_dir.c: the script cache directory, made by the parent in post_config.
   Returns OK, or HTTP_INTERNAL_SERVER_ERROR when the directory is not trusted (start refused). */
int dotnet_cache_dir_post_config(apr_pool_t *pconf, server_rec *s);

/* Why dir cannot be trusted to hold compiled code (NULL when it can): a symbolic link, or it or
   a parent writable by others than its owner (a parent with the sticky bit, like /tmp, is
   fine), or owned by someone other than root or the server user (checked when check_owner). */
const char *dotnet_cache_dir_untrusted(apr_pool_t *p, const char *dir, int check_owner);

#endif /* MOD_DOTNET_H */
