/*
 * Encoding and parsing of the daemon wire (see dotnet_daemon_protocol.h). Every parser checks
 * each length against what is in the buffer and against its limit before reading: these see
 * bytes from any local process that can connect to the socket.
 */
#include <string.h>
#include <strings.h>
#include "dotnet_daemon_protocol.h"

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

size_t dotnet_wire_request_size(const dotnet_wire_item *vars, uint32_t nvars,
                                const dotnet_wire_item *headers, uint32_t nheaders)
{
    size_t size = DOTNET_WIRE_PREAMBLE_LEN;
    uint32_t i;

    for (i = 0; i < nvars; i++) {
        size += 8 + vars[i].name_len + vars[i].value_len;
    }
    for (i = 0; i < nheaders; i++) {
        size += 8 + headers[i].name_len + headers[i].value_len;
    }
    return size;
}

static unsigned char *put_items(unsigned char *o, const dotnet_wire_item *items, uint32_t n)
{
    uint32_t i;

    for (i = 0; i < n; i++) {
        put_u32(o, (uint32_t)items[i].name_len);
        memcpy(o + 4, items[i].name, items[i].name_len);
        o += 4 + items[i].name_len;
        put_u32(o, (uint32_t)items[i].value_len);
        memcpy(o + 4, items[i].value, items[i].value_len);
        o += 4 + items[i].value_len;
    }
    return o;
}

size_t dotnet_wire_request_encode(unsigned char *out, const unsigned char *secret,
                                  const dotnet_wire_item *vars, uint32_t nvars,
                                  const dotnet_wire_item *headers, uint32_t nheaders)
{
    unsigned char *o = out;

    memcpy(o, DOTNET_WIRE_MAGIC, 4);
    o[4] = DOTNET_WIRE_VERSION & 0xff;
    o[5] = DOTNET_WIRE_VERSION >> 8;
    o[6] = o[7] = 0;
    memcpy(o + 8, secret, DOTNET_WIRE_SECRET_LEN);
    put_u32(o + 8 + DOTNET_WIRE_SECRET_LEN, nvars);
    put_u32(o + 12 + DOTNET_WIRE_SECRET_LEN, nheaders);
    o += DOTNET_WIRE_PREAMBLE_LEN;
    o = put_items(o, vars, nvars);
    o = put_items(o, headers, nheaders);
    return (size_t)(o - out);
}

dotnet_wire_status dotnet_wire_preamble_parse(const unsigned char *buf, size_t len, dotnet_wire_preamble *out)
{
    size_t have = len < 4 ? len : 4;

    /* Reject a wrong magic as soon as its first bytes are in. */
    if (memcmp(buf, DOTNET_WIRE_MAGIC, have) != 0) {
        return DOTNET_WIRE_BAD_MAGIC;
    }
    if (len < DOTNET_WIRE_PREAMBLE_LEN) {
        return DOTNET_WIRE_NEED_MORE;
    }
    if ((buf[4] | buf[5] << 8) != DOTNET_WIRE_VERSION) {
        return DOTNET_WIRE_BAD_VERSION;
    }
    memcpy(out->secret, buf + 8, DOTNET_WIRE_SECRET_LEN);
    out->nvars = get_u32(buf + 8 + DOTNET_WIRE_SECRET_LEN);
    out->nheaders = get_u32(buf + 12 + DOTNET_WIRE_SECRET_LEN);
    if (out->nvars > DOTNET_WIRE_MAX_ITEMS || out->nheaders > DOTNET_WIRE_MAX_ITEMS
        || out->nvars + out->nheaders > DOTNET_WIRE_MAX_ITEMS) {
        return DOTNET_WIRE_TOO_LARGE;
    }
    return DOTNET_WIRE_OK;
}

dotnet_wire_status dotnet_wire_items_parse(const unsigned char *buf, size_t len, uint32_t n,
                                           dotnet_wire_item *items, size_t *used)
{
    size_t pos = 0;
    uint32_t i;

    if (n > DOTNET_WIRE_MAX_ITEMS) {
        return DOTNET_WIRE_TOO_LARGE;
    }
    for (i = 0; i < n; i++) {
        uint32_t name_len, value_len;

        if (len - pos < 4) {
            return pos + 4 > DOTNET_WIRE_MAX_BLOCK ? DOTNET_WIRE_TOO_LARGE : DOTNET_WIRE_NEED_MORE;
        }
        name_len = get_u32(buf + pos);
        if (name_len > DOTNET_WIRE_MAX_ITEM) {
            return DOTNET_WIRE_TOO_LARGE;
        }
        if (len - pos - 4 < (size_t)name_len + 4) {
            return pos + 8 + name_len > DOTNET_WIRE_MAX_BLOCK ? DOTNET_WIRE_TOO_LARGE : DOTNET_WIRE_NEED_MORE;
        }
        value_len = get_u32(buf + pos + 4 + name_len);
        if (value_len > DOTNET_WIRE_MAX_ITEM) {
            return DOTNET_WIRE_TOO_LARGE;
        }
        if (pos + 8 + (size_t)name_len + value_len > DOTNET_WIRE_MAX_BLOCK) {
            return DOTNET_WIRE_TOO_LARGE;
        }
        if (len - pos - 8 - name_len < value_len) {
            return DOTNET_WIRE_NEED_MORE;
        }
        items[i].name = (const char *)buf + pos + 4;
        items[i].name_len = name_len;
        items[i].value = (const char *)buf + pos + 8 + name_len;
        items[i].value_len = value_len;
        pos += 8 + (size_t)name_len + value_len;
    }
    *used = pos;
    return DOTNET_WIRE_OK;
}

dotnet_wire_status dotnet_wire_frame_parse(const unsigned char *buf, size_t len, uint32_t *frame)
{
    uint32_t v;

    if (len < 4) {
        return DOTNET_WIRE_NEED_MORE;
    }
    v = get_u32(buf);
    if (v != DOTNET_FRAME_FLUSH && v != DOTNET_FRAME_ABORT && v > DOTNET_FRAME_MAX) {
        return DOTNET_WIRE_TOO_LARGE;
    }
    *frame = v;
    return DOTNET_WIRE_OK;
}

void dotnet_wire_frame_encode(unsigned char out[4], uint32_t frame)
{
    put_u32(out, frame);
}

dotnet_wire_status dotnet_wire_next_line(const char *buf, size_t len, size_t *line_len, size_t *used)
{
    size_t limit = len < DOTNET_WIRE_MAX_HEADER_LINE + 2 ? len : DOTNET_WIRE_MAX_HEADER_LINE + 2;
    const char *nl = memchr(buf, '\n', limit);

    if (nl == NULL) {
        return len >= DOTNET_WIRE_MAX_HEADER_LINE + 2 ? DOTNET_WIRE_LINE_TOO_LONG : DOTNET_WIRE_NEED_MORE;
    }
    *used = (size_t)(nl - buf) + 1;
    *line_len = (size_t)(nl - buf);
    if (*line_len > 0 && buf[*line_len - 1] == '\r') {
        (*line_len)--;
    }
    if (*line_len > DOTNET_WIRE_MAX_HEADER_LINE) {
        return DOTNET_WIRE_LINE_TOO_LONG;
    }
    return DOTNET_WIRE_OK;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

dotnet_wire_status dotnet_wire_header_line_parse(const char *line, size_t len, dotnet_wire_header_line *out)
{
    const char *colon = memchr(line, ':', len);
    const char *v, *end = line + len;
    size_t i;

    memset(out, 0, sizeof(*out));
    if (colon == NULL || colon == line) {
        return DOTNET_WIRE_BAD_HEADER;
    }
    for (i = 0; line + i < colon; i++) {
        unsigned char c = (unsigned char)line[i];
        /* RFC 9110 token characters only: no spaces, controls or separators in a name. */
        if (c <= 0x20 || c >= 0x7f || strchr("()<>@,;:\\\"/[]?={}", c) != NULL) {
            return DOTNET_WIRE_BAD_HEADER;
        }
    }
    for (v = colon + 1; v < end && is_space(*v); v++) {
    }
    while (end > v && is_space(end[-1])) {
        end--;
    }
    for (i = 0; v + i < end; i++) {
        unsigned char c = (unsigned char)v[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            return DOTNET_WIRE_BAD_HEADER;   /* no CR, LF or NUL smuggled into a value */
        }
    }
    out->name = line;
    out->name_len = (size_t)(colon - line);
    out->value = v;
    out->value_len = (size_t)(end - v);
    if (out->name_len == 6 && strncasecmp(line, "Status", 6) == 0) {
        int status = 0;
        size_t k;
        for (k = 0; k < out->value_len && k < 3 && v[k] >= '0' && v[k] <= '9'; k++) {
            status = status * 10 + (v[k] - '0');
        }
        if (k != 3 || status < 100 || (out->value_len > 3 && v[3] != ' ')) {
            return DOTNET_WIRE_BAD_HEADER;
        }
        out->is_status = 1;
        out->status = status;
    }
    return DOTNET_WIRE_OK;
}

int dotnet_wire_secret_equal(const unsigned char *a, const unsigned char *b)
{
    unsigned char diff = 0;
    size_t i;

    for (i = 0; i < DOTNET_WIRE_SECRET_LEN; i++) {
        diff |= a[i] ^ b[i];
    }
    return diff == 0;
}
