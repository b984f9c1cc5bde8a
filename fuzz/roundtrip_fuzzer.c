/*
 * libFuzzer target: the relay's encoder and the daemon's parser agree. The input is cut into
 * names and values; what is encoded parses back to the same items.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "dotnet_daemon_protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dotnet_wire_item items[64], parsed[64];
    unsigned char secret[DOTNET_WIRE_SECRET_LEN];
    dotnet_wire_preamble pre;
    unsigned char *buf;
    size_t pos = 0, len, used = 0;
    uint32_t n = 0, nvars, i;

    memset(secret, 0x5a, sizeof(secret));
    while (pos < size && n < 64) {
        size_t a = data[pos++] % 16, b;
        if (pos + a > size) a = size - pos;
        items[n].name = (const char *)data + pos; items[n].name_len = a; pos += a;
        b = pos < size ? data[pos++] % 32 : 0;
        if (pos + b > size) b = size - pos;
        items[n].value = (const char *)data + pos; items[n].value_len = b; pos += b;
        n++;
    }
    nvars = n / 2;
    len = dotnet_wire_request_size(items, nvars, items + nvars, n - nvars);
    buf = malloc(len);
    if (dotnet_wire_request_encode(buf, secret, items, nvars, items + nvars, n - nvars) != len
        || dotnet_wire_preamble_parse(buf, len, &pre) != DOTNET_WIRE_OK
        || pre.nvars != nvars || pre.nheaders != n - nvars
        || !dotnet_wire_secret_equal(pre.secret, secret)
        || dotnet_wire_items_parse(buf + DOTNET_WIRE_PREAMBLE_LEN, len - DOTNET_WIRE_PREAMBLE_LEN, n, parsed, &used) != DOTNET_WIRE_OK
        || used != len - DOTNET_WIRE_PREAMBLE_LEN) {
        abort();
    }
    for (i = 0; i < n; i++) {
        if (parsed[i].name_len != items[i].name_len || parsed[i].value_len != items[i].value_len
            || memcmp(parsed[i].name, items[i].name, items[i].name_len) != 0
            || memcmp(parsed[i].value, items[i].value, items[i].value_len) != 0) {
            abort();
        }
    }
    /* Every proper prefix asks for more, never reads past its end. */
    for (i = 0; i < 8 && len > 1; i++) {
        size_t cut = (size_t)data[i % (size ? size : 1)] * len / 256;
        unsigned char *prefix = malloc(cut ? cut : 1);
        memcpy(prefix, buf, cut);
        if (cut >= 4 && dotnet_wire_preamble_parse(prefix, cut, &pre) == DOTNET_WIRE_OK && cut > DOTNET_WIRE_PREAMBLE_LEN
            && dotnet_wire_items_parse(prefix + DOTNET_WIRE_PREAMBLE_LEN, cut - DOTNET_WIRE_PREAMBLE_LEN, n, parsed, &used) == DOTNET_WIRE_OK
            && cut < len) {
            abort();
        }
        free(prefix);
    }
    free(buf);
    return 0;
}
