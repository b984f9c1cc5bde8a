/*
 * The script cache directory (DotNetScriptCache). Children run as the configured User and
 * cannot create directories under Apache's runtime directory, so the parent, still root,
 * creates it in post_config (mode 0700) and hands it to User/Group. The decision is stored
 * in the server record, which the children inherit by fork. A directory that cannot be made
 * usable is logged (DOTNET0213) and the host then compiles without a disk cache.
 *
 * Whoever can write the cache can plant compiled code that every child loads, so a directory
 * that is a symbolic link, or that (or any parent of it) others can write, or that belongs to
 * someone other than root or the server user, refuses the start (DOTNET0220). The default
 * directory is made and handed over without following symbolic links (O_NOFOLLOW + fchown).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
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

static uid_t server_uid(void)
{
    return geteuid() == 0 ? ap_unixd_config.user_id : geteuid();
}

/* Whether others than the owner may change entries of a directory with this stat. */
static int others_can_write(const struct stat *st)
{
    return (st->st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st->st_mode & S_ISVTX) == 0;
}

const char *dotnet_cache_dir_untrusted(apr_pool_t *p, const char *dir, int check_owner)
{
    struct stat st;
    char *parent;
    char *slash;

    if (lstat(dir, &st) == 0) {
        if (S_ISLNK(st.st_mode)) {
            return "is a symbolic link; name the real directory";
        }
        if (!S_ISDIR(st.st_mode)) {
            return "is not a directory";
        }
        if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
            return apr_psprintf(p, "is writable by its group or by others (mode %04o); use 0700 "
                                "or 0755", (unsigned)(st.st_mode & 07777));
        }
        if (check_owner && st.st_uid != 0 && st.st_uid != server_uid()) {
            return apr_psprintf(p, "belongs to uid %ld, neither root nor the server user (uid %ld)",
                                (long)st.st_uid, (long)server_uid());
        }
    }
    /* Every parent: whoever can rename entries there can swap the cache for their own. */
    parent = apr_pstrdup(p, dir);
    while ((slash = strrchr(parent, '/')) != NULL) {
        *(slash == parent ? slash + 1 : slash) = '\0';
        if (stat(parent, &st) == 0 && others_can_write(&st)) {
            return apr_psprintf(p, "its parent %s is writable by others (mode %04o, no sticky bit)",
                                parent, (unsigned)(st.st_mode & 07777));
        }
        if (slash == parent) {
            break;
        }
    }
    return NULL;
}

static const char *prepare_cache_dir(apr_pool_t *p, server_rec *s, const char *dir, int is_default)
{
    struct stat st;
    int created = 0;
    int fd;
    uid_t uid = server_uid();
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
    /* Opened without following a link: what is checked and handed over is what was made. */
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode)) {
        DOTNET_SLOG(APLOG_WARNING, errno, s, DOTNET_SCRIPT_CACHE_ERROR,
                    "the script cache %s is not a directory; scripts will be compiled without "
                    "a disk cache", dir);
        if (fd >= 0) {
            close(fd);
        }
        return NULL;
    }
    /* Only a directory we made, or our own default one, is handed to the child user: an
       administrator's existing directory keeps its owner (think DotNetScriptCache /tmp). */
    if (geteuid() == 0 && (created || is_default) && (st.st_uid != uid || st.st_gid != gid)) {
        if (fchown(fd, uid, gid) != 0) {
            close(fd);
            DOTNET_SLOG(APLOG_WARNING, errno, s, DOTNET_SCRIPT_CACHE_ERROR,
                        "cannot give the script cache %s to the server user; scripts will be "
                        "compiled without a disk cache", dir);
            return NULL;
        }
        st.st_uid = uid;
        st.st_gid = gid;
    }
    close(fd);
    if (!child_can_write(&st, uid, gid)) {
        DOTNET_SLOG(APLOG_WARNING, 0, s, DOTNET_SCRIPT_CACHE_ERROR,
                    "the script cache %s is not writable by uid %ld; scripts will be compiled "
                    "without a disk cache", dir, (long)uid);
        return NULL;
    }
    return dir;
}

int dotnet_cache_dir_post_config(apr_pool_t *pconf, server_rec *s)
{
    dotnet_server_cfg *main_cfg = ap_get_module_config(s->module_config, &dotnet_module);
    const char *dir = main_cfg->script_cache;
    const char *usable;
    const char *unsafe;
    server_rec *vhost;

    /* httpd reads its configuration twice at start-up; the first pass's result is thrown
       away, so only the second reports. */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    if (dir == NULL) {
        dir = ap_runtime_dir_relative(pconf, DOTNET_CACHE_DIR_NAME);
    }
    /* An administrator's directory must already be trusted; the default one is ours to fix. */
    if (dir && (unsafe = dotnet_cache_dir_untrusted(pconf, dir, main_cfg->script_cache != NULL)) != NULL) {
        DOTNET_SLOG(APLOG_CRIT, 0, s, DOTNET_SCRIPT_CACHE_UNSAFE,
                    "DotNetScriptCache %s %s; refusing to start", dir, unsafe);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    usable = dir ? prepare_cache_dir(pconf, s, dir, main_cfg->script_cache == NULL) : NULL;
    if (usable && (unsafe = dotnet_cache_dir_untrusted(pconf, usable, 1)) != NULL) {
        DOTNET_SLOG(APLOG_CRIT, 0, s, DOTNET_SCRIPT_CACHE_UNSAFE,
                    "DotNetScriptCache %s %s; refusing to start", usable, unsafe);
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    /* Every server record gets the answer, so any of them can be asked. */
    for (vhost = s; vhost; vhost = vhost->next) {
        dotnet_server_cfg *c = ap_get_module_config(vhost->module_config, &dotnet_module);
        c->script_cache_effective = usable;
    }
    return OK;
}
