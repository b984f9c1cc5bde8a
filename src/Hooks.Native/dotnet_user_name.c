/*
 * The user-name rule (see dotnet_call.h). A name that is not valid UTF-8 reaches the host
 * decoded as Latin-1, where bytes 0x80-0x9F become C1 controls; a valid UTF-8 name carries
 * C1 controls as C2 80 - C2 9F. The validity test is the same as .NET's Utf8.IsValid (no
 * overlong forms, no surrogates, nothing above U+10FFFF), so both sides decode alike.
 */
#include <stddef.h>
#include "dotnet_call.h"

/* Length of the valid UTF-8 sequence at p, or 0. */
static size_t utf8_sequence(const unsigned char *p)
{
    unsigned char c = p[0];

    if (c < 0x80) {
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        return (p[1] & 0xC0) == 0x80 ? 2 : 0;
    }
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        return p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        return p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 && (p[3] & 0xC0) == 0x80 ? 4 : 0;
    }
    return 0;
}

static int is_valid_utf8(const unsigned char *p)
{
    while (*p) {
        size_t n = utf8_sequence(p);
        if (n == 0) {
            return 0;
        }
        p += n;
    }
    return 1;
}

int dotnet_user_name_acceptable(const char *user)
{
    const unsigned char *p = (const unsigned char *)user;
    int utf8 = is_valid_utf8(p);

    if (*p == '\0') {
        return 0;
    }
    for (; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            return 0;
        }
        if (utf8 ? (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) : (*p >= 0x80 && *p <= 0x9F)) {
            return 0;
        }
    }
    return 1;
}
