/*
 * The script cache directory (DotNetScriptCache). Children run as the configured User and
 * cannot create directories under Apache's runtime directory, so the parent, still root,
 * creates it in post_config (mode 0700) and hands it to User/Group. The decision is stored
 * in the server record, which the children inherit by fork. A directory that cannot be made
 * usable is logged (DOTNET0213) and the host then compiles without a disk cache.
 */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include "httpd.h"
#include "apr_strings.h"
#include "http_config.h"
#include "unixd.h"
#include "http_main.h"
#include "http_core.h"
#include "mod_dotnet.h"
#include "dotnet_config.h"
#include "dotnet_log.h"

APLOG_USE_MODULE(dotnet);

/* Whether the child user (uid/gid) may create files in a directory with this stat. */
static int child_can_write(const struct stat *st, uid_t uid, gid_t gid)
{
    if (st->st_uid == uid) {
        return (st->st_mode & (S_IWUSR | S_IXUSR)) == (S_IWUSR | S_IXUSR);
    }
    if (st->st_gid == gid) {
        return (st->st_mode & (S_IWGRP | S_IXGRP)) == (S_IWGRP | S_IXGRP);
    }
    return (st->st_mode & (S_IWOTH | S_IXOTH)) == (S_IWOTH | S_IXOTH);
}

static const char *prepare_cache_dir(apr_pool_t *p, server_rec *s, const char *dir, int is_default)
{
    struct stat st;
    int created = 0;
    uid_t uid = geteuid() == 0 ? ap_unixd_config.user_id : geteuid();
    gid_t gid = geteuid() == 0 ? ap_unixd_config.group_id : getegid();

    (void)p;
    if (mkdir(dir, 0700) == 0) {
        created = 1;
    }
    else if (errno != EEXIST) {
        DOTNET_SLOG(APLOG_WARNING, errno, s, DOTNET_SCRIPT_CACHE_ERROR,
                    "cannot create the script cache directory %s; scripts will be compiled "
                    "without a disk cache", dir);
        return NULL;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        DOTNET_SLOG(APLOG_WARNING, errno, s, DOTNET_SCRIPT_CACHE_ERROR,
                    "the script cache %s is not a directory; scripts will be compiled without "
                    "a disk cache", dir);
        return NULL;
    }
    /* Only a directory we made, or our own default one, is handed to the child user: an
       administrator's existing directory keeps its owner (think DotNetScriptCache /tmp). */
    if (geteuid() == 0 && (created || is_default) && (st.st_uid != uid || st.st_gid != gid)) {
        if (chown(dir, uid, gid) != 0) {
            DOTNET_SLOG(APLOG_WARNING, errno, s, DOTNET_SCRIPT_CACHE_ERROR,
                        "cannot give the script cache %s to the server user; scripts will be "
                        "compiled without a disk cache", dir);
            return NULL;
        }
        st.st_uid = uid;
        st.st_gid = gid;
    }
    if (!child_can_write(&st, uid, gid)) {
        DOTNET_SLOG(APLOG_WARNING, 0, s, DOTNET_SCRIPT_CACHE_ERROR,
                    "the script cache %s is not writable by uid %ld; scripts will be compiled "
                    "without a disk cache", dir, (long)uid);
        return NULL;
    }
    return dir;
}

void dotnet_cache_dir_post_config(apr_pool_t *pconf, server_rec *s)
{
    dotnet_server_cfg *main_cfg = ap_get_module_config(s->module_config, &dotnet_module);
    const char *dir = main_cfg->script_cache;
    const char *usable;
    server_rec *vhost;

    /* httpd reads its configuration twice at start-up; the first pass's result is thrown
       away, so only the second reports. */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return;
    }
    if (dir == NULL) {
        dir = ap_runtime_dir_relative(pconf, DOTNET_CACHE_DIR_NAME);
    }
    usable = dir ? prepare_cache_dir(pconf, s, dir, main_cfg->script_cache == NULL) : NULL;

    /* Every server record gets the answer, so any of them can be asked. */
    for (vhost = s; vhost; vhost = vhost->next) {
        dotnet_server_cfg *c = ap_get_module_config(vhost->module_config, &dotnet_module);
        c->script_cache_effective = usable;
    }
}
