/*
 * Text of the error catalogue. The numbers and meanings live only in dotnet_errors.h; this
 * file turns the list into a lookup so log lines and the status page can name a code.
 */
#include <stddef.h>
#include "dotnet_errors.h"

struct dotnet_error_entry {
    int code;
    const char *text;
};

static const struct dotnet_error_entry dotnet_error_table[] = {
#define DOTNET_ERROR_ENTRY(num, name, text) { num, text },
    DOTNET_ERROR_LIST(DOTNET_ERROR_ENTRY)
#undef DOTNET_ERROR_ENTRY
};

const char *dotnet_error_text(int code)
{
    size_t i;

    for (i = 0; i < sizeof(dotnet_error_table) / sizeof(dotnet_error_table[0]); i++) {
        if (dotnet_error_table[i].code == code) {
            return dotnet_error_table[i].text;
        }
    }
    return "unknown error";
}
