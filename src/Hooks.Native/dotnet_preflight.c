/*
 * What configtest and start-up can tell before any child needs .NET: whether the runtime, the
 * shared frameworks the host asks for and the host itself are there. Debian has no .NET
 * package, so a packaged mod_dotnet can be installed and enabled on a machine without one; the
 * administrator must hear it at `apache2ctl configtest`, not from the first 500.
 *
 * Nothing is loaded here (this runs in the parent, which forks after): nethost only searches the
 * file system for libhostfxr.so, and the frameworks are looked up as directories. The finding is
 * logged, not fatal: Apache still starts and serves everything that does not need mod_dotnet,
 * and every dotnet hook answers 500 (fails closed) until the runtime is installed.
 */
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "httpd.h"
#include "http_config.h"
#include "http_main.h"
#include "apr_file_io.h"
#include "apr_strings.h"
#include "nethost.h"
#include "mod_dotnet.h"
#include "dotnet_config.h"
#include "dotnet_runtime.h"
#include "dotnet_log.h"

APLOG_USE_MODULE(dotnet);

/* Whether <root>/shared/<name>/ holds a version the host's runtimeconfig accepts: the same major,
   a minor at least the one asked for (rollForward LatestMinor, which the host is built with). */
static int framework_present(apr_pool_t *p, const char *root, const char *name, int major, int minor)
{
    const char *dir = apr_pstrcat(p, root, "/shared/", name, NULL);
    DIR *d = opendir(dir);
    struct dirent *e;
    int found = 0;

    if (d == NULL) {
        return 0;
    }
    while (!found && (e = readdir(d)) != NULL) {
        int ma = 0, mi = 0;
        if (sscanf(e->d_name, "%d.%d", &ma, &mi) == 2 && ma == major && mi >= minor) {
            found = 1;
        }
    }
    closedir(d);
    return found;
}

/* The next "key": "value" string in json after *pos; NULL when there is none. */
static const char *next_string_value(apr_pool_t *p, const char *json, const char *key, const char **pos)
{
    const char *k = strstr(*pos, apr_pstrcat(p, "\"", key, "\"", NULL));
    const char *open, *close;

    (void)json;
    if (k == NULL || (open = strchr(k + strlen(key) + 2, '"')) == NULL || (close = strchr(open + 1, '"')) == NULL) {
        return NULL;
    }
    *pos = close + 1;
    return apr_pstrmemdup(p, open + 1, (apr_size_t)(close - open - 1));
}

/* Logs each framework of the host's runtimeconfig.json missing under root; returns how many. */
static int check_frameworks(apr_pool_t *p, server_rec *s, const char *host_dll, const char *root)
{
    const char *config_path = apr_pstrcat(p, apr_pstrmemdup(p, host_dll, strlen(host_dll) - 4),
                                          ".runtimeconfig.json", NULL);
    const char *pos, *name;
    char *json = NULL;
    apr_file_t *f;
    apr_finfo_t finfo;
    apr_size_t len;
    int missing = 0;

    if (apr_file_open(&f, config_path, APR_FOPEN_READ, APR_OS_DEFAULT, p) != APR_SUCCESS) {
        DOTNET_SLOG(APLOG_ERR, 0, s, DOTNET_HOST_NOT_FOUND, "%s is missing: reinstall mod_dotnet", config_path);
        return 1;
    }
    if (apr_file_info_get(&finfo, APR_FINFO_SIZE, f) == APR_SUCCESS && finfo.size > 0 && finfo.size < 65536) {
        len = (apr_size_t)finfo.size;
        json = apr_pcalloc(p, len + 1);
        if (apr_file_read_full(f, json, len, NULL) != APR_SUCCESS) {
            json = NULL;
        }
    }
    apr_file_close(f);
    if (json == NULL) {
        return 0;   /* unreadable: the child's start will say what is wrong */
    }
    pos = json;
    while ((name = next_string_value(p, json, "name", &pos)) != NULL) {
        const char *version = next_string_value(p, json, "version", &pos);
        int major = 0, minor = 0;

        if (version == NULL || sscanf(version, "%d.%d", &major, &minor) != 2) {
            break;
        }
        if (!framework_present(p, root, name, major, minor)) {
            DOTNET_SLOG(APLOG_ERR, 0, s, DOTNET_FRAMEWORK_MISSING,
                        "the shared framework %s %d.%d (or a later %d.x) is not installed under %s/shared: "
                        "install it (%s), or point DotNetRuntimeRoot at an installation that has it; "
                        "until then every dotnet hook and app answers 500",
                        name, major, minor, major, root,
                        strcmp(name, "Microsoft.AspNetCore.App") == 0 ? "aspnetcore-runtime" : "dotnet-runtime");
            missing++;
        }
    }
    return missing;
}

int dotnet_preflight(apr_pool_t *p, server_rec *s)
{
    const dotnet_server_cfg *cfg = dotnet_main_server_config();
    const char *host_dll = dotnet_host_assembly_path(p);
    char fxr_path[PATH_MAX];
    const char *root;
    int rc;

    if ((rc = dotnet_locate_runtime(s, host_dll, fxr_path, sizeof(fxr_path))) != 0) {
        return rc;
    }
    root = cfg->runtime_root ? cfg->runtime_root : dotnet_runtime_root_of_hostfxr(p, fxr_path);
    if (root != NULL && check_frameworks(p, s, host_dll, root) > 0) {
        return DOTNET_FRAMEWORK_MISSING;
    }
    return OK;
}

/* apache2ctl configtest: said on the console, before "Syntax OK". */
void dotnet_preflight_test_config(apr_pool_t *pconf, server_rec *s)
{
    dotnet_preflight(pconf, s);
}
