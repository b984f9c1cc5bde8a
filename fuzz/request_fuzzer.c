/*
 * libFuzzer target: what a daemon parses from a connection (anything that can connect to the
 * socket sends these bytes): the preamble, the variables and headers, then body frames.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "dotnet_daemon_protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dotnet_wire_preamble pre;
    dotnet_wire_item *items;
    size_t used = 0, pos;
    uint32_t n, i;

    if (dotnet_wire_preamble_parse(data, size, &pre) != DOTNET_WIRE_OK) {
        return 0;
    }
    n = pre.nvars + pre.nheaders;
    items = malloc(sizeof(*items) * (n ? n : 1));
    if (dotnet_wire_items_parse(data + DOTNET_WIRE_PREAMBLE_LEN, size - DOTNET_WIRE_PREAMBLE_LEN, n, items, &used)
        == DOTNET_WIRE_OK) {
        /* Every item must lie inside the input. */
        for (i = 0; i < n; i++) {
            const uint8_t *end = data + size;
            if ((const uint8_t *)items[i].name < data || (const uint8_t *)items[i].name + items[i].name_len > end
                || (const uint8_t *)items[i].value < data || (const uint8_t *)items[i].value + items[i].value_len > end) {
                abort();
            }
        }
        pos = DOTNET_WIRE_PREAMBLE_LEN + used;
        for (;;) {
            uint32_t frame;
            if (dotnet_wire_frame_parse(data + pos, size - pos, &frame) != DOTNET_WIRE_OK) {
                break;
            }
            pos += 4;
            if (frame == 0 || frame == DOTNET_FRAME_ABORT) {
                break;
            }
            if (frame != DOTNET_FRAME_FLUSH) {
                if (frame > size - pos) {
                    break;
                }
                pos += frame;
            }
        }
    }
    free(items);
    return 0;
}
