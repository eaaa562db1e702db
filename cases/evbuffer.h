/* Area I helpers (defined in evbuffer_data.c), shared by every cases/evbuffer_*.c. */
#ifndef BC_EVBUFFER_H
#define BC_EVBUFFER_H

#include <event2/buffer.h>

#include "bevconf.h"

/* evbuffer_new, failing the case on NULL. */
struct evbuffer *eb_new(struct bc_ctx *t);
/* Appends p[0..n) to b as its own internal chunk (added to a scratch buffer, then moved in
 * with evbuffer_add_buffer), so chunk boundaries fall where the case wants them. */
void eb_add_chunk(struct bc_ctx *t, struct evbuffer *b, const void *p, size_t n);
/* Appends n pattern bytes from stream offset off, in separate chunks of `piece` bytes
 * (piece 0: one plain evbuffer_add). */
void eb_fill(struct bc_ctx *t, struct evbuffer *b, size_t off, size_t n, size_t piece);
/* Appends a string, one chunk per byte when `split`, else with one evbuffer_add. */
void eb_add_str(struct bc_ctx *t, struct evbuffer *b, const char *s, size_t n, bool split);
/* Assertions in the one order (t, label, actual..., expected...); macros like bevconf.h's,
 * so a failure is reported at the caller's line, on the buffer's expression. */
/* b holds exactly n pattern bytes from stream offset off (checked with copyout). */
#define eb_expect_pattern(t, check, b, off, n) \
	eb_expect_pattern_((t), BC_WHERE, #b, (check), (b), (off), (n))
/* b holds exactly p[0..n) (checked with copyout). */
#define eb_expect_bytes(t, check, b, p, n) \
	eb_expect_bytes_((t), BC_WHERE, #b, (check), (b), (p), (n))
/* mem[0..mn) equals p[0..n); renders both escaped on failure. */
#define eb_expect_mem(t, check, mem, mn, p, n) \
	eb_expect_mem_((t), BC_WHERE, #mem, (check), (mem), (mn), (p), (n))
void eb_expect_pattern_(struct bc_ctx *t, const char *where, const char *expr, const char *check,
			struct evbuffer *b, size_t off, size_t n);
void eb_expect_bytes_(struct bc_ctx *t, const char *where, const char *expr, const char *check,
		      struct evbuffer *b, const void *p, size_t n);
void eb_expect_mem_(struct bc_ctx *t, const char *where, const char *expr, const char *check,
		    const void *mem, size_t mn, const void *p, size_t n);
/* A printable, escaped rendering (static buffer, two rotate). */
const char *eb_esc(const void *p, size_t n);
/* The pattern bytes [off, off+n) in a malloc'ed buffer. */
unsigned char *eb_pat(size_t off, size_t n);

#endif
