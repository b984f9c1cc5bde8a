/*
 * The wire between an Apache child (the relay) and a daemon process, one connection per request
 * over the group's UNIX socket. Pure functions over byte buffers, no Apache calls, so the
 * parsers can be fuzzed alone (fuzz/).
 *
 * Request, child -> daemon:
 *   "ADNQ" | u16 version (1) | u16 flags (0) | 32-byte secret | u32 nvars | u32 nheaders
 *   | (u32 name length | name | u32 value length | value) for each var, then each header
 *   | body frames
 * Response, daemon -> child: CGI-style header lines, as mod_wsgi's daemons answer:
 *   "Status: 200 OK\r\n" | "Name: value\r\n"... | "\r\n" | body frames
 * Body frames, both ways: u32 length | bytes; length 0 ends the body; DOTNET_FRAME_FLUSH asks the
 * other side to pass what it has on at once; DOTNET_FRAME_ABORT says the sender gave up (the
 * client went away, or the app failed after the response started).
 * Integers are little-endian.
 */
#ifndef DOTNET_DAEMON_PROTOCOL_H
#define DOTNET_DAEMON_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#define DOTNET_WIRE_MAGIC           "ADNQ"
#define DOTNET_WIRE_VERSION         1
#define DOTNET_WIRE_SECRET_LEN      32
#define DOTNET_WIRE_PREAMBLE_LEN    (4 + 2 + 2 + DOTNET_WIRE_SECRET_LEN + 4 + 4)
#define DOTNET_WIRE_MAX_ITEMS       1024           /* vars + headers */
#define DOTNET_WIRE_MAX_ITEM        (64 * 1024)    /* one name or value */
#define DOTNET_WIRE_MAX_BLOCK       (1024 * 1024)  /* the whole header block */
#define DOTNET_WIRE_MAX_HEADER_LINE 8192           /* a response header line (mod_wsgi's limit) */
#define DOTNET_FRAME_FLUSH          0xFFFFFFFEu
#define DOTNET_FRAME_ABORT          0xFFFFFFFFu
#define DOTNET_FRAME_MAX            (1024 * 1024)  /* a data frame's payload */

typedef struct {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
} dotnet_wire_item;

typedef enum {
    DOTNET_WIRE_OK = 0,
    DOTNET_WIRE_NEED_MORE,       /* the buffer holds a prefix of a valid message */
    DOTNET_WIRE_BAD_MAGIC,
    DOTNET_WIRE_BAD_VERSION,
    DOTNET_WIRE_TOO_LARGE,       /* a count or length over its limit */
    DOTNET_WIRE_BAD_HEADER,      /* a response header line without "Name: value" */
    DOTNET_WIRE_LINE_TOO_LONG    /* a response header line over DOTNET_WIRE_MAX_HEADER_LINE */
} dotnet_wire_status;

/* The preamble: magic, version, secret, counts. */
typedef struct {
    unsigned char secret[DOTNET_WIRE_SECRET_LEN];
    uint32_t nvars;
    uint32_t nheaders;
} dotnet_wire_preamble;

/* Bytes needed to encode the request's header block. */
size_t dotnet_wire_request_size(const dotnet_wire_item *vars, uint32_t nvars,
                                const dotnet_wire_item *headers, uint32_t nheaders);

/* Encodes preamble and items into out (of dotnet_wire_request_size bytes); returns the length. */
size_t dotnet_wire_request_encode(unsigned char *out, const unsigned char *secret,
                                  const dotnet_wire_item *vars, uint32_t nvars,
                                  const dotnet_wire_item *headers, uint32_t nheaders);

/* Parses the preamble from buf[0..len). OK, NEED_MORE or an error. */
dotnet_wire_status dotnet_wire_preamble_parse(const unsigned char *buf, size_t len, dotnet_wire_preamble *out);

/* Parses n items from buf[0..len) into items (pointers into buf); *used is the bytes consumed.
   OK, NEED_MORE or TOO_LARGE. */
dotnet_wire_status dotnet_wire_items_parse(const unsigned char *buf, size_t len, uint32_t n,
                                           dotnet_wire_item *items, size_t *used);

/* A frame header from buf[0..len): OK with *frame (a length, FLUSH or ABORT), NEED_MORE, or
   TOO_LARGE for a data length over DOTNET_FRAME_MAX. */
dotnet_wire_status dotnet_wire_frame_parse(const unsigned char *buf, size_t len, uint32_t *frame);
void dotnet_wire_frame_encode(unsigned char out[4], uint32_t frame);

/* One response header line, without its line end (CR LF or LF already stripped). Status lines
   give status (100-999) and reason; others name and value (trimmed). OK, BAD_HEADER. */
typedef struct {
    int is_status;
    int status;
    const char *name;  size_t name_len;
    const char *value; size_t value_len;
} dotnet_wire_header_line;
dotnet_wire_status dotnet_wire_header_line_parse(const char *line, size_t len, dotnet_wire_header_line *out);

/* Finds the end of the next line in buf[0..len): *line_len without the line end, *used with it.
   OK, NEED_MORE, or LINE_TOO_LONG when no line end comes within the limit. */
dotnet_wire_status dotnet_wire_next_line(const char *buf, size_t len, size_t *line_len, size_t *used);

/* Constant-time comparison of two secrets. */
int dotnet_wire_secret_equal(const unsigned char *a, const unsigned char *b);

#endif /* DOTNET_DAEMON_PROTOCOL_H */
