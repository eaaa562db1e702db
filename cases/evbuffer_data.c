/* Area I: the evbuffer API, adding, moving, removing and inspecting data.
 * Contents are the cyclic pattern (bc_pattern) so a lost, duplicated or reordered byte
 * shows; buffers are built from many small chunks (eb_fill) so every operation also
 * crosses internal chunk boundaries. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#include "evbuffer.h"

/* ---- helpers (declared in evbuffer.h) ---- */

struct evbuffer *eb_new(struct bc_ctx *t)
{
	struct evbuffer *b = evbuffer_new();
	if (!b)
		bc_fail(t, "evbuffer_new", "NULL", "a buffer");
	return b;
}

void eb_add_chunk(struct bc_ctx *t, struct evbuffer *b, const void *p, size_t n)
{
	struct evbuffer *tmp = eb_new(t);
	bc_expect_int(t, "evbuffer_add (scratch)", evbuffer_add(tmp, p, n), 0);
	bc_expect_int(t, "evbuffer_add_buffer (chunk)", evbuffer_add_buffer(b, tmp), 0);
	evbuffer_free(tmp);
}

unsigned char *eb_pat(size_t off, size_t n)
{
	unsigned char *p = malloc(n ? n : 1);
	bc_pattern(p, n, off);
	return p;
}

void eb_fill(struct bc_ctx *t, struct evbuffer *b, size_t off, size_t n, size_t piece)
{
	unsigned char *p = eb_pat(off, n);
	if (!piece) {
		bc_expect_int(t, "evbuffer_add", evbuffer_add(b, p, n), 0);
	} else {
		for (size_t i = 0; i < n; i += piece)
			eb_add_chunk(t, b, p + i, n - i < piece ? n - i : piece);
	}
	free(p);
}

void eb_add_str(struct bc_ctx *t, struct evbuffer *b, const char *s, size_t n, bool split)
{
	if (!split) {
		bc_expect_int(t, "evbuffer_add", evbuffer_add(b, s, n), 0);
		return;
	}
	for (size_t i = 0; i < n; i++)
		eb_add_chunk(t, b, s + i, 1);
}

const char *eb_esc(const void *p, size_t n)
{
	static char bufs[2][512];
	static int which;
	char *o = bufs[which ^= 1];
	size_t k = 0;
	const unsigned char *s = p;
	o[k++] = '"';
	for (size_t i = 0; i < n && k < sizeof bufs[0] - 12; i++) {
		unsigned char c = s[i];
		if (c == '\r')      k += (size_t)sprintf(o + k, "\\r");
		else if (c == '\n') k += (size_t)sprintf(o + k, "\\n");
		else if (c == '\\') k += (size_t)sprintf(o + k, "\\\\");
		else if (c == '"')  k += (size_t)sprintf(o + k, "\\\"");
		else if (c < 32 || c > 126) k += (size_t)sprintf(o + k, "\\x%02x", c);
		else o[k++] = (char)c;
	}
	if (k >= sizeof bufs[0] - 12)
		k += (size_t)sprintf(o + k, "...");
	sprintf(o + k, "\" (%zu bytes)", n);
	return o;
}

void eb_expect_mem_(struct bc_ctx *t, const char *where, const char *expr, const char *check,
		    const void *mem, size_t mn, const void *p, size_t n)
{
	if (mn != n || (n && memcmp(mem, p, n) != 0)) {
		char x[600], a[600];
		snprintf(x, sizeof x, "%s", eb_esc(p, n));
		snprintf(a, sizeof a, "%s", eb_esc(mem, mn));
		bc_fail_(t, where, expr, check, a, x);
	}
}

/* All of b's bytes, read with evbuffer_peek (which ignores freezes, so frozen buffers
 * can be checked too); *n gets the count. */
static unsigned char *eb_read_all(struct bc_ctx *t, const char *where, const char *expr, const char *check,
				  struct evbuffer *b, size_t *n)
{
	size_t len = evbuffer_get_length(b);
	int nv = evbuffer_peek(b, -1, NULL, NULL, 0);
	struct evbuffer_iovec *v = calloc((size_t)(nv > 0 ? nv : 1), sizeof *v);
	int got = evbuffer_peek(b, -1, NULL, v, nv);
	unsigned char *out = malloc(len + 1);
	size_t k = 0;
	for (int i = 0; i < got && i < nv; i++) {
		if (k + v[i].iov_len > len) {
			char c[256];
			snprintf(c, sizeof c, "%s: peeked bytes fit the length", check);
			bc_fail_(t, where, expr, c, "more", "<= length");
		}
		memcpy(out + k, v[i].iov_base, v[i].iov_len);
		k += v[i].iov_len;
	}
	free(v);
	*n = k;
	return out;
}

void eb_expect_bytes_(struct bc_ctx *t, const char *where, const char *expr, const char *check,
		      struct evbuffer *b, const void *p, size_t n)
{
	char c[256];
	snprintf(c, sizeof c, "%s: length", check);
	bc_expect_int_(t, where, expr, c, (long long)evbuffer_get_length(b), (long long)n);
	size_t len;
	unsigned char *got = eb_read_all(t, where, expr, check, b, &len);
	eb_expect_mem_(t, where, expr, check, got, len, p, n);
	free(got);
}

void eb_expect_pattern_(struct bc_ctx *t, const char *where, const char *expr, const char *check,
			struct evbuffer *b, size_t off, size_t n)
{
	char c[256];
	snprintf(c, sizeof c, "%s: length", check);
	bc_expect_int_(t, where, expr, c, (long long)evbuffer_get_length(b), (long long)n);
	size_t len;
	unsigned char *got = eb_read_all(t, where, expr, check, b, &len);
	snprintf(c, sizeof c, "%s: bytes seen", check);
	bc_expect_int_(t, where, expr, c, (long long)len, (long long)n);
	long bad = bc_pattern_mismatch(got, len, off);
	if (bad >= 0) {
		char x[80], a[80];
		snprintf(x, sizeof x, "pattern byte %zu = %u", off + (size_t)bad, (unsigned)((off + (size_t)bad) % 251));
		snprintf(a, sizeof a, "byte %ld of the buffer = %u", bad, got[bad]);
		snprintf(c, sizeof c, "%s: contents", check);
		bc_fail_(t, where, expr, c, a, x);
	}
	free(got);
}

/* ---- I1 ---- */

void eb_new_empty(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	bc_expect_int(t, "length of a new buffer", evbuffer_get_length(b), 0);
	bc_expect_int(t, "contiguous space of a new buffer", evbuffer_get_contiguous_space(b), 0);
	eb_fill(t, b, 0, 100, 0);
	bc_expect_int(t, "length after adding 100", evbuffer_get_length(b), 100);
	bc_expect_int(t, "contiguous space after one add into an empty buffer", evbuffer_get_contiguous_space(b), 100);
	eb_expect_pattern(t, "after one add", b, 0, 100);
	evbuffer_free(b);
}

/* ---- I2 ---- */

void eb_add_prepend(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	unsigned char *p = eb_pat(0, 3000);
	bc_expect_int(t, "evbuffer_add of [1000,2000)", evbuffer_add(b, p + 1000, 1000), 0);
	bc_expect_int(t, "evbuffer_prepend of [500,1000)", evbuffer_prepend(b, p + 500, 500), 0);
	for (size_t i = 500; i > 0; i -= 50)
		bc_expect_int(t, "evbuffer_prepend of a 50-byte piece", evbuffer_prepend(b, p + i - 50, 50), 0);
	for (size_t i = 2000; i < 3000; i += 7)
		bc_expect_int(t, "evbuffer_add of a 7-byte piece", evbuffer_add(b, p + i, i + 7 > 3000 ? 3000 - i : 7), 0);
	eb_expect_pattern(t, "adds and prepends in stream order", b, 0, 3000);
	bc_expect_int(t, "evbuffer_add(NULL, 0)", evbuffer_add(b, NULL, 0), 0);
	bc_expect_int(t, "evbuffer_prepend(NULL, 0)", evbuffer_prepend(b, NULL, 0), 0);
	eb_expect_pattern(t, "after adding and prepending nothing", b, 0, 3000);
	free(p);
	evbuffer_free(b);
}

void eb_add_sizemax(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	eb_fill(t, b, 0, 10, 0);
	unsigned char p[16];
	bc_expect_int(t, "evbuffer_add of SIZE_MAX bytes", evbuffer_add(b, p, SIZE_MAX), -1);
	bc_expect_int(t, "evbuffer_add of SIZE_MAX-5 bytes onto 10", evbuffer_add(b, p, SIZE_MAX - 5), -1);
	bc_expect_int(t, "evbuffer_prepend of SIZE_MAX bytes", evbuffer_prepend(b, p, SIZE_MAX), -1);
	eb_expect_pattern(t, "unchanged after the refused adds", b, 0, 10);
	evbuffer_free(b);
}

/* ---- I3: drain; param 1 part, 2 all, 3 over, 4 SIZE_MAX, 5 empty ---- */

void eb_drain(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	size_t len = bc_param(t) == 5 ? 0 : 1000, n = 0;
	eb_fill(t, b, 0, len, 64);
	switch (bc_param(t)) {
	case 1: n = 100; break;
	case 2: n = len; break;
	case 3: n = len + 1; break;
	case 4: n = SIZE_MAX; break;
	case 5: n = 10; break;
	}
	bc_expect_int(t, "evbuffer_drain", evbuffer_drain(b, n), 0);
	size_t gone = n < len ? n : len;
	eb_expect_pattern(t, "what is left after the drain", b, gone, len - gone);
	/* The buffer stays usable: new data goes after what was left. */
	eb_fill(t, b, len, 50, 0);
	eb_expect_pattern(t, "after adding more", b, gone, len - gone + 50);
	evbuffer_free(b);
}

/* ---- I4: remove; param 1 part, 2 over, 3 empty ---- */

void eb_remove(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	size_t len = bc_param(t) == 3 ? 0 : 1000;
	size_t n = bc_param(t) == 1 ? 300 : bc_param(t) == 2 ? 1500 : 10;
	eb_fill(t, b, 0, len, 64);
	if (len == 0) {
		bc_expect_int(t, "evbuffer_remove from an empty buffer into NULL", evbuffer_remove(b, NULL, n), 0);
		bc_expect_int(t, "length", evbuffer_get_length(b), 0);
		evbuffer_free(b);
		return;
	}
	unsigned char *out = malloc(n + 16);
	memset(out, 0xEE, n + 16);
	size_t want = n < len ? n : len;
	bc_expect_int(t, "evbuffer_remove return", evbuffer_remove(b, out, n), (long long)want);
	bc_expect_int(t, "removed bytes are the stream head", bc_pattern_mismatch(out, want, 0), -1);
	for (size_t i = want; i < n + 16; i++)
		bc_expect_int(t, "out untouched past the returned count", out[i], 0xEE);
	eb_expect_pattern(t, "what is left", b, want, len - want);
	free(out);
	evbuffer_free(b);
}

/* ---- I5: copyout; param 1 part, 2 over, 3 zero ---- */

void eb_copyout(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	size_t len = 1000, n = bc_param(t) == 1 ? 333 : bc_param(t) == 2 ? 1500 : 0;
	eb_fill(t, b, 0, len, 64);
	unsigned char *out = malloc(n + 16);
	memset(out, 0xEE, n + 16);
	size_t want = n < len ? n : len;
	bc_expect_int(t, "evbuffer_copyout return", evbuffer_copyout(b, out, n), (long long)want);
	bc_expect_int(t, "copied bytes are the stream head", bc_pattern_mismatch(out, want, 0), -1);
	for (size_t i = want; i < n + 16; i++)
		bc_expect_int(t, "out untouched past the returned count", out[i], 0xEE);
	eb_expect_pattern(t, "buffer unchanged by copyout", b, 0, len);
	free(out);
	evbuffer_free(b);
}

/* ---- I6 ---- */

void eb_copyout_from(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	eb_fill(t, b, 0, 1000, 64);
	struct evbuffer_ptr p;
	unsigned char out[1200];

	bc_expect_int(t, "ptr_set 100", evbuffer_ptr_set(b, &p, 100, EVBUFFER_PTR_SET), 0);
	bc_expect_int(t, "copyout_from 100, 200 bytes", evbuffer_copyout_from(b, &p, out, 200), 200);
	bc_expect_int(t, "bytes from position 100", bc_pattern_mismatch(out, 200, 100), -1);

	bc_expect_int(t, "ptr_set 900", evbuffer_ptr_set(b, &p, 900, EVBUFFER_PTR_SET), 0);
	bc_expect_int(t, "copyout_from 900 clamped to the end", evbuffer_copyout_from(b, &p, out, 1200), 100);
	bc_expect_int(t, "bytes from position 900", bc_pattern_mismatch(out, 100, 900), -1);

	bc_expect_int(t, "ptr_set to the end", evbuffer_ptr_set(b, &p, 1000, EVBUFFER_PTR_SET), 0);
	bc_expect_int(t, "copyout_from the end pointer", evbuffer_copyout_from(b, &p, out, 10), 0);

	bc_expect_int(t, "ptr_set 100", evbuffer_ptr_set(b, &p, 100, EVBUFFER_PTR_SET), 0);
	bc_expect_int(t, "copyout_from with n > SSIZE_MAX - pos", evbuffer_copyout_from(b, &p, out, (size_t)EV_SSIZE_MAX), -1);

	bc_expect_int(t, "copyout_from NULL pointer = from the start", evbuffer_copyout_from(b, NULL, out, 10), 10);
	bc_expect_int(t, "bytes from the start", bc_pattern_mismatch(out, 10, 0), -1);
	eb_expect_pattern(t, "buffer unchanged", b, 0, 1000);
	evbuffer_free(b);
}

/* ---- I7: ptr_set; param 1 SET, 2 ADD ---- */

void eb_ptr_set(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	const size_t len = 500;
	eb_fill(t, b, 0, len, 13);
	struct evbuffer_ptr p;
	unsigned char c;
	memset(&p, 0, sizeof p);
	if (bc_param(t) == 1) {
		for (size_t k = 0; k < len; k += 7) {
			bc_expect_int(t, "ptr_set inside", evbuffer_ptr_set(b, &p, k, EVBUFFER_PTR_SET), 0);
			bc_expect_int(t, "pos", p.pos, (long long)k);
			bc_expect_int(t, "copyout_from 1 byte", evbuffer_copyout_from(b, &p, &c, 1), 1);
			bc_expect_int(t, "byte at the pointer", c, (long long)(k % 251));
		}
		bc_expect_int(t, "ptr_set to len (the end pointer)", evbuffer_ptr_set(b, &p, len, EVBUFFER_PTR_SET), 0);
		bc_expect_int(t, "pos of the end pointer", p.pos, (long long)len);
		bc_expect_int(t, "copyout_from the end pointer", evbuffer_copyout_from(b, &p, &c, 1), 0);
		bc_expect_int(t, "ptr_set past the end", evbuffer_ptr_set(b, &p, len + 1, EVBUFFER_PTR_SET), -1);
		bc_expect_int(t, "pos after a failed ptr_set", p.pos, -1);
		bc_expect_int(t, "ptr_set SIZE_MAX (far past the end)",
			evbuffer_ptr_set(b, &p, (size_t)-1, EVBUFFER_PTR_SET), -1);
		bc_expect_int(t, "pos after ptr_set SIZE_MAX", p.pos, -1);
	} else {
		bc_expect_int(t, "ptr_set 0", evbuffer_ptr_set(b, &p, 0, EVBUFFER_PTR_SET), 0);
		size_t k = 0;
		while (k + 37 < len) {
			bc_expect_int(t, "ptr ADD 37", evbuffer_ptr_set(b, &p, 37, EVBUFFER_PTR_ADD), 0);
			k += 37;
			bc_expect_int(t, "pos after ADD", p.pos, (long long)k);
			bc_expect_int(t, "copyout_from 1 byte", evbuffer_copyout_from(b, &p, &c, 1), 1);
			bc_expect_int(t, "byte at the pointer", c, (long long)(k % 251));
		}
		bc_expect_int(t, "ADD up to exactly the end", evbuffer_ptr_set(b, &p, len - k, EVBUFFER_PTR_ADD), 0);
		bc_expect_int(t, "pos at the end", p.pos, (long long)len);
		bc_expect_int(t, "ptr_set 490", evbuffer_ptr_set(b, &p, 490, EVBUFFER_PTR_SET), 0);
		bc_expect_int(t, "ADD past the end", evbuffer_ptr_set(b, &p, 11, EVBUFFER_PTR_ADD), -1);
	}
	eb_expect_pattern(t, "buffer unchanged", b, 0, len);
	evbuffer_free(b);
}

/* ---- I8: pullup; param 1 whole, 2 prefix, 3 zero, 4 over, 5 empty ---- */

void eb_pullup(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	size_t len = bc_param(t) == 5 ? 0 : 1000;
	eb_fill(t, b, 0, len, 64);
	unsigned char *r;
	switch (bc_param(t)) {
	case 1:
		r = evbuffer_pullup(b, -1);
		bc_expect(t, "pullup(-1) returns the data", r != NULL);
		bc_expect_int(t, "pulled-up bytes", bc_pattern_mismatch(r, len, 0), -1);
		bc_expect_int(t, "contiguous space after pullup(-1)", evbuffer_get_contiguous_space(b), (long long)len);
		break;
	case 2:
		r = evbuffer_pullup(b, 150);
		bc_expect(t, "pullup(150) returns the data", r != NULL);
		bc_expect_int(t, "first 150 bytes contiguous", bc_pattern_mismatch(r, 150, 0), -1);
		bc_expect(t, "contiguous space >= 150 after pullup(150)", evbuffer_get_contiguous_space(b) >= 150);
		break;
	case 3:
		bc_expect(t, "pullup(0) returns NULL", evbuffer_pullup(b, 0) == NULL);
		break;
	case 4:
		bc_expect(t, "pullup(len+1) returns NULL", evbuffer_pullup(b, (ev_ssize_t)len + 1) == NULL);
		break;
	case 5:
		bc_expect(t, "pullup(-1) of an empty buffer returns NULL", evbuffer_pullup(b, -1) == NULL);
		bc_expect(t, "pullup(5) of an empty buffer returns NULL", evbuffer_pullup(b, 5) == NULL);
		break;
	}
	eb_expect_pattern(t, "pullup keeps length and contents", b, 0, len);
	evbuffer_free(b);
}

/* ---- I9 ---- */

void eb_add_buffer(struct bc_ctx *t)
{
	struct evbuffer *dst = eb_new(t), *src = eb_new(t);
	eb_fill(t, dst, 0, 500, 0);
	eb_fill(t, src, 500, 1000, 61);
	bc_expect_int(t, "evbuffer_add_buffer", evbuffer_add_buffer(dst, src), 0);
	bc_expect_int(t, "source empty after add_buffer", evbuffer_get_length(src), 0);
	eb_expect_pattern(t, "destination", dst, 0, 1500);
	bc_expect_int(t, "add_buffer from an empty source", evbuffer_add_buffer(dst, src), 0);
	bc_expect_int(t, "add_buffer(b, b)", evbuffer_add_buffer(dst, dst), 0);
	eb_expect_pattern(t, "destination after no-op add_buffers", dst, 0, 1500);
	/* The emptied source is still usable. */
	eb_fill(t, src, 1500, 30, 0);
	bc_expect_int(t, "add_buffer again", evbuffer_add_buffer(dst, src), 0);
	eb_expect_pattern(t, "destination after the second add_buffer", dst, 0, 1530);
	evbuffer_free(src);
	evbuffer_free(dst);
}

void eb_prepend_buffer(struct bc_ctx *t)
{
	struct evbuffer *dst = eb_new(t), *src = eb_new(t);
	eb_fill(t, dst, 700, 800, 53);
	eb_fill(t, src, 0, 700, 61);
	bc_expect_int(t, "evbuffer_prepend_buffer", evbuffer_prepend_buffer(dst, src), 0);
	bc_expect_int(t, "source empty after prepend_buffer", evbuffer_get_length(src), 0);
	eb_expect_pattern(t, "destination", dst, 0, 1500);
	bc_expect_int(t, "prepend_buffer from an empty source", evbuffer_prepend_buffer(dst, src), 0);
	bc_expect_int(t, "prepend_buffer(b, b)", evbuffer_prepend_buffer(dst, dst), 0);
	eb_expect_pattern(t, "destination after no-op prepend_buffers", dst, 0, 1500);
	evbuffer_free(src);
	evbuffer_free(dst);
}

/* ---- I10: remove_buffer; param = n, with 4095 meaning "len - 1", 4094 "len",
 * 4093 "len + 50", 4092 "src == dst" ---- */

void eb_remove_buffer(struct bc_ctx *t)
{
	struct evbuffer *dst = eb_new(t), *src = eb_new(t);
	const size_t len = 1000;
	eb_fill(t, dst, 0, 200, 0);
	eb_fill(t, src, 200, len, 64);
	size_t n = (size_t)bc_param(t);
	if (n == 4095) n = len - 1;
	else if (n == 4094) n = len;
	else if (n == 4093) n = len + 50;
	if (bc_param(t) == 4092) {
		bc_expect_int(t, "remove_buffer(b, b, 10)", evbuffer_remove_buffer(src, src, 10), 0);
		eb_expect_pattern(t, "unchanged", src, 200, len);
	} else {
		size_t want = n < len ? n : len;
		bc_expect_int(t, "evbuffer_remove_buffer return", evbuffer_remove_buffer(src, dst, n), (long long)want);
		eb_expect_pattern(t, "destination: its own bytes then the moved ones", dst, 0, 200 + want);
		eb_expect_pattern(t, "what is left in the source", src, 200 + want, len - want);
		/* Both stay usable. */
		eb_fill(t, dst, 200 + want, 10, 0);
		eb_expect_pattern(t, "destination after one more add", dst, 0, 210 + want);
	}
	evbuffer_free(src);
	evbuffer_free(dst);
}

/* ---- I11: freeze checks of the two-buffer operations; param 1 add_buffer,
 * 2 remove_buffer, 3 prepend_buffer ---- */

static int two_buf_op(int op, struct evbuffer *src, struct evbuffer *dst)
{
	switch (op) {
	case 1: return evbuffer_add_buffer(dst, src);
	case 2: return evbuffer_remove_buffer(src, dst, 100) == 100 ? 0 : -1;
	default: return evbuffer_prepend_buffer(dst, src);
	}
}

void eb_freeze_twobuf(struct bc_ctx *t)
{
	int op = bc_param(t);
	/* which buffer (0 dst, 1 src), which end (0 end, 1 start), expected result */
	static const struct { int which, start; } combos[] = { {0, 0}, {0, 1}, {1, 0}, {1, 1} };
	for (unsigned i = 0; i < 4; i++) {
		int which = combos[i].which, start = combos[i].start;
		int expect;
		if (op == 3) /* prepend: dst start or src start */
			expect = start ? -1 : 0;
		else         /* add/remove: dst end or src start */
			expect = (which == 0 && !start) || (which == 1 && start) ? -1 : 0;
		struct evbuffer *dst = eb_new(t), *src = eb_new(t);
		size_t moved = op == 2 ? 100 : 300;
		if (op == 3) { eb_fill(t, src, 0, 300, 0); eb_fill(t, dst, 300, 200, 0); }
		else { eb_fill(t, dst, 0, 200, 0); eb_fill(t, src, 200, 300, 0); }
		struct evbuffer *fb = which ? src : dst;
		bc_expect_int(t, "evbuffer_freeze", evbuffer_freeze(fb, start), 0);
		char c[160];
		snprintf(c, sizeof c, "result with the %s's %s frozen", which ? "source" : "destination",
			 start ? "start" : "end");
		bc_expect_int(t, c, two_buf_op(op, src, dst), expect);
		if (expect < 0) {
			bc_expect_int(t, "source length unchanged after the refusal", evbuffer_get_length(src), 300);
			bc_expect_int(t, "destination length unchanged after the refusal", evbuffer_get_length(dst), 200);
		} else {
			eb_expect_pattern(t, "destination after the move", dst, 0, 200 + moved);
			bc_expect_int(t, "source length after the move", evbuffer_get_length(src), (long long)(300 - moved));
		}
		bc_expect_int(t, "evbuffer_unfreeze", evbuffer_unfreeze(fb, start), 0);
		evbuffer_free(src);
		evbuffer_free(dst);
	}
}

/* ---- I12 ---- */

void eb_add_buffer_reference(struct bc_ctx *t)
{
	struct evbuffer *dst = eb_new(t), *src = eb_new(t);
	eb_fill(t, src, 0, 1000, 64);
	bc_expect_int(t, "add_buffer_reference", evbuffer_add_buffer_reference(dst, src), 0);
	eb_expect_pattern(t, "source unchanged", src, 0, 1000);
	eb_expect_pattern(t, "destination sees the source's data", dst, 0, 1000);
	bc_expect_int(t, "drain 300 from the destination", evbuffer_drain(dst, 300), 0);
	eb_expect_pattern(t, "source unchanged by a drain of the destination", src, 0, 1000);
	bc_expect_int(t, "drain 100 from the source", evbuffer_drain(src, 100), 0);
	eb_fill(t, src, 1000, 50, 0);
	eb_expect_pattern(t, "destination unchanged by changes to the source", dst, 300, 700);
	eb_fill(t, dst, 1000, 20, 0);
	eb_expect_pattern(t, "destination after an add behind the reference", dst, 300, 720);
	evbuffer_free(src);
	eb_expect_pattern(t, "destination still readable after the source is freed", dst, 300, 720);
	struct evbuffer *empty = eb_new(t);
	bc_expect_int(t, "add_buffer_reference of an empty source", evbuffer_add_buffer_reference(dst, empty), 0);
	bc_expect_int(t, "add_buffer_reference(b, b)", evbuffer_add_buffer_reference(dst, dst), -1);
	eb_expect_pattern(t, "destination at the end", dst, 300, 720);
	eb_fill(t, empty, 0, 40, 8); /* plain chunks only, never referenced */
	bc_expect_int(t, "add_buffer_reference(b, b) of a plain buffer", evbuffer_add_buffer_reference(empty, empty), -1);
	eb_expect_pattern(t, "the plain buffer after the refused self-reference", empty, 0, 40);
	evbuffer_free(empty);
	evbuffer_free(dst);
}
