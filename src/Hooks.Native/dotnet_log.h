/*
 * Logging with the catalogue code in front: every line the module writes starts with
 * "DOTNETnnnn: " so a search for the code (docs/error-reference.md) finds the fix.
 * Macros rather than functions so APLOG_MARK records the caller's file and line and the
 * per-module LogLevel check happens before any formatting.
 * Each .c file that logs says APLOG_USE_MODULE(dotnet) after including this header.
 */
#ifndef DOTNET_LOG_H
#define DOTNET_LOG_H

#include "httpd.h"
#include "http_log.h"
#include "dotnet_errors.h"

#define DOTNET_RLOG(level, status, r, code, fmt, ...) \
    ap_log_rerror(APLOG_MARK, (level), (status), (r), "DOTNET%04d: " fmt, (int)(code), ##__VA_ARGS__)

#define DOTNET_SLOG(level, status, s, code, fmt, ...) \
    ap_log_error(APLOG_MARK, (level), (status), (s), "DOTNET%04d: " fmt, (int)(code), ##__VA_ARGS__)

/* A configuration error message for a directive handler to return. */
#define DOTNET_CFG_ERR(cmd, code, fmt, ...) \
    apr_psprintf((cmd)->pool, "DOTNET%04d: " fmt, (int)(code), ##__VA_ARGS__)

#endif /* DOTNET_LOG_H */
