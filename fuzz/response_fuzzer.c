/*
 * libFuzzer target: what the relay in an Apache child parses from a daemon: header lines (the
 * status and "Name: value"), then body frames.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "dotnet_daemon_protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    size_t pos = 0;

    while (pos < size) {
        size_t line_len = 0, used = 0;
        dotnet_wire_header_line h;
        if (dotnet_wire_next_line(buf + pos, size - pos, &line_len, &used) != DOTNET_WIRE_OK) {
            return 0;
        }
        if (used == 0 || used > size - pos || line_len > used) {
            abort();
        }
        if (line_len == 0) {
            pos += used;
            break;
        }
        if (dotnet_wire_header_line_parse(buf + pos, line_len, &h) == DOTNET_WIRE_OK) {
            /* A value never carries a line break or NUL into Apache's headers. */
            if (memchr(h.value, '\n', h.value_len) || memchr(h.value, '\r', h.value_len)
                || memchr(h.value, '\0', h.value_len) || h.name_len == 0
                || (h.is_status && (h.status < 100 || h.status > 999))) {
                abort();
            }
        }
        pos += used;
    }
    while (pos + 4 <= size) {
        uint32_t frame;
        if (dotnet_wire_frame_parse(data + pos, size - pos, &frame) != DOTNET_WIRE_OK) {
            break;
        }
        pos += 4;
        if (frame == 0 || frame == DOTNET_FRAME_ABORT) {
            break;
        }
        if (frame != DOTNET_FRAME_FLUSH) {
            if (frame > DOTNET_FRAME_MAX) {
                abort();
            }
            pos += frame < size - pos ? frame : size - pos;
        }
    }
    return 0;
}
