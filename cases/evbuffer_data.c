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
		bc_fail(t, "evbuffer_new", "a buffer", "NULL");
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

void eb_expect_mem(struct bc_ctx *t, const char *check, const void *mem, size_t mn, const void *p, size_t n)
{
	if (mn != n || (n && memcmp(mem, p, n) != 0)) {
		char x[600], a[600];
		snprintf(x, sizeof x, "%s", eb_esc(p, n));
		snprintf(a, sizeof a, "%s", eb_esc(mem, mn));
		bc_fail(t, check, x, a);
	}
}

/* All of b's bytes, read with evbuffer_peek (which ignores freezes, so frozen buffers
 * can be checked too); *n gets the count. */
static unsigned char *eb_read_all(struct bc_ctx *t, const char *check, struct evbuffer *b, size_t *n)
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
			bc_fail(t, c, "<= length", "more");
		}
		memcpy(out + k, v[i].iov_base, v[i].iov_len);
		k += v[i].iov_len;
	}
	free(v);
	*n = k;
	return out;
}

void eb_expect_bytes(struct bc_ctx *t, const char *check, struct evbuffer *b, const void *p, size_t n)
{
	char c[256];
	snprintf(c, sizeof c, "%s: length", check);
	bc_expect_int(t, c, (long long)evbuffer_get_length(b), (long long)n);
	size_t len;
	unsigned char *got = eb_read_all(t, check, b, &len);
	eb_expect_mem(t, check, got, len, p, n);
	free(got);
}

void eb_expect_pattern(struct bc_ctx *t, const char *check, struct evbuffer *b, size_t off, size_t n)
{
	char c[256];
	snprintf(c, sizeof c, "%s: length", check);
	bc_expect_int(t, c, (long long)evbuffer_get_length(b), (long long)n);
	size_t len;
	unsigned char *got = eb_read_all(t, check, b, &len);
	snprintf(c, sizeof c, "%s: bytes seen", check);
	bc_expect_int(t, c, (long long)len, (long long)n);
	long bad = bc_pattern_mismatch(got, len, off);
	if (bad >= 0) {
		char x[80], a[80];
		snprintf(x, sizeof x, "pattern byte %zu = %u", off + (size_t)bad, (unsigned)((off + (size_t)bad) % 251));
		snprintf(a, sizeof a, "byte %ld of the buffer = %u", bad, got[bad]);
		snprintf(c, sizeof c, "%s: contents", check);
		bc_fail(t, c, x, a);
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
		bc_expect(t, r != NULL, "pullup(-1) returns the data");
		bc_expect_int(t, "pulled-up bytes", bc_pattern_mismatch(r, len, 0), -1);
		bc_expect_int(t, "contiguous space after pullup(-1)", evbuffer_get_contiguous_space(b), (long long)len);
		break;
	case 2:
		r = evbuffer_pullup(b, 150);
		bc_expect(t, r != NULL, "pullup(150) returns the data");
		bc_expect_int(t, "first 150 bytes contiguous", bc_pattern_mismatch(r, 150, 0), -1);
		bc_expect(t, evbuffer_get_contiguous_space(b) >= 150, "contiguous space >= 150 after pullup(150)");
		break;
	case 3:
		bc_expect(t, evbuffer_pullup(b, 0) == NULL, "pullup(0) returns NULL");
		break;
	case 4:
		bc_expect(t, evbuffer_pullup(b, (ev_ssize_t)len + 1) == NULL, "pullup(len+1) returns NULL");
		break;
	case 5:
		bc_expect(t, evbuffer_pullup(b, -1) == NULL, "pullup(-1) of an empty buffer returns NULL");
		bc_expect(t, evbuffer_pullup(b, 5) == NULL, "pullup(5) of an empty buffer returns NULL");
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

/* ---- I29, I30: reserve/commit. param 1 one vec, 2 commit fewer, 3 two vecs,
 * 4 reserve twice, 5 bad arguments, 6 commit without reserve / too long, 7 frozen ---- */

void eb_reserve(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	struct evbuffer_iovec v[4], w[4];
	const size_t pre = 100;
	eb_fill(t, b, 0, pre, 0);
	int r;
	switch (bc_param(t)) {
	case 1:
	case 2: {
		size_t fill = bc_param(t) == 1 ? 1000 : 300;
		bc_expect_int(t, "reserve_space(1000, 1 vec)", evbuffer_reserve_space(b, 1000, v, 1), 1);
		bc_expect(t, v[0].iov_len >= 1000, "iov_len >= 1000");
		bc_expect_int(t, "length unchanged by reserve", evbuffer_get_length(b), pre);
		bc_pattern(v[0].iov_base, fill, pre);
		v[0].iov_len = fill;
		bc_expect_int(t, "commit_space", evbuffer_commit_space(b, v, 1), 0);
		eb_expect_pattern(t, "after commit", b, 0, pre + fill);
		eb_fill(t, b, pre + fill, 50, 0);
		eb_expect_pattern(t, "after a later add", b, 0, pre + fill + 50);
		break;
	}
	case 3: {
		const size_t want = 10000;
		r = evbuffer_reserve_space(b, (ev_ssize_t)want, v, 2);
		bc_expect(t, r >= 1 && r <= 2, "reserve_space(10000, 2 vecs) returns 1 or 2");
		size_t total = 0;
		for (int i = 0; i < r; i++)
			total += v[i].iov_len;
		bc_expect(t, total >= want, "the vectors hold at least 10000 bytes");
		size_t left = want, off = pre;
		for (int i = 0; i < r; i++) {
			size_t k = v[i].iov_len < left ? v[i].iov_len : left;
			bc_pattern(v[i].iov_base, k, off);
			v[i].iov_len = k;
			off += k;
			left -= k;
		}
		bc_expect_int(t, "commit_space of all vectors", evbuffer_commit_space(b, v, r), 0);
		eb_expect_pattern(t, "after commit", b, 0, pre + want);
		break;
	}
	case 4:
		bc_expect_int(t, "first reserve", evbuffer_reserve_space(b, 200, v, 1), 1);
		bc_expect_int(t, "second reserve without commit", evbuffer_reserve_space(b, 500, w, 1), 1);
		bc_expect(t, w[0].iov_len >= 500, "second reservation >= 500");
		bc_pattern(w[0].iov_base, 500, pre);
		w[0].iov_len = 500;
		bc_expect_int(t, "commit the second reservation", evbuffer_commit_space(b, w, 1), 0);
		eb_expect_pattern(t, "after commit", b, 0, pre + 500);
		break;
	case 5:
		bc_expect_int(t, "reserve_space with 0 vecs", evbuffer_reserve_space(b, 100, v, 0), -1);
		bc_expect_int(t, "reserve_space with -1 vecs", evbuffer_reserve_space(b, 100, v, -1), -1);
		bc_expect_int(t, "reserve_space of a negative size", evbuffer_reserve_space(b, -1, v, 1), -1);
		bc_expect_int(t, "commit_space of 0 vecs", evbuffer_commit_space(b, v, 0), 0);
		eb_expect_pattern(t, "unchanged", b, 0, pre);
		break;
	case 6: {
		unsigned char mine[64];
		bc_pattern(mine, 64, pre);
		v[0].iov_base = mine;
		v[0].iov_len = 64;
		bc_expect_int(t, "commit_space of memory never reserved", evbuffer_commit_space(b, v, 1), -1);
		eb_expect_pattern(t, "unchanged after a bad commit", b, 0, pre);
		bc_expect_int(t, "reserve_space(100)", evbuffer_reserve_space(b, 100, v, 1), 1);
		v[0].iov_len += 1;
		bc_expect_int(t, "commit_space longer than reserved", evbuffer_commit_space(b, v, 1), -1);
		eb_expect_pattern(t, "unchanged after an oversize commit", b, 0, pre);
		break;
	}
	case 7:
		bc_expect_int(t, "reserve before the freeze", evbuffer_reserve_space(b, 100, v, 1), 1);
		bc_expect_int(t, "freeze end", evbuffer_freeze(b, 0), 0);
		bc_expect_int(t, "reserve_space on a frozen end", evbuffer_reserve_space(b, 100, w, 1), -1);
		bc_pattern(v[0].iov_base, 100, pre);
		v[0].iov_len = 100;
		bc_expect_int(t, "commit_space on a frozen end", evbuffer_commit_space(b, v, 1), -1);
		eb_expect_pattern(t, "unchanged while frozen", b, 0, pre);
		bc_expect_int(t, "unfreeze", evbuffer_unfreeze(b, 0), 0);
		break;
	}
	evbuffer_free(b);
}

/* ---- I31 ---- */

void eb_expand(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	eb_fill(t, b, 0, 300, 64);
	bc_expect_int(t, "evbuffer_expand(5000)", evbuffer_expand(b, 5000), 0);
	eb_expect_pattern(t, "expand keeps length and contents", b, 0, 300);
	bc_expect_int(t, "freeze both ends", evbuffer_freeze(b, 0) | evbuffer_freeze(b, 1), 0);
	bc_expect_int(t, "evbuffer_expand while frozen", evbuffer_expand(b, 9000), 0);
	evbuffer_unfreeze(b, 0);
	evbuffer_unfreeze(b, 1);
	bc_expect_int(t, "evbuffer_expand(SIZE_MAX)", evbuffer_expand(b, SIZE_MAX), -1);
	eb_fill(t, b, 300, 5000, 0);
	eb_expect_pattern(t, "after expands and an add", b, 0, 5300);
	evbuffer_free(b);
}

/* ---- I32, I33: add_reference. param 1 drain, 2 free, 3 remove, 4 moved, 5 NULL cleanup,
 * 6 frozen, 7 no copy ---- */

struct ref_seen {
	unsigned calls;
	const void *data;
	size_t len;
	void *extra;
};

static void ref_cleanup(const void *data, size_t len, void *extra)
{
	struct ref_seen *s = extra;
	s->calls++;
	s->data = data;
	s->len = len;
	s->extra = extra;
}

static void expect_cleanup(struct bc_ctx *t, const char *check, struct ref_seen *s, unsigned calls,
			   const void *data, size_t len)
{
	bc_expect_int(t, check, s->calls, calls);
	if (calls) {
		bc_expect(t, s->data == data, "cleanup gets the referenced pointer");
		bc_expect_int(t, "cleanup gets the referenced length", (long long)s->len, (long long)len);
		bc_expect(t, s->extra == s, "cleanup gets the extra argument");
	}
}

void eb_add_reference(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	struct ref_seen s = { 0 };
	unsigned char *ref = eb_pat(50, 100);
	int mode = bc_param(t);
	eb_fill(t, b, 0, 50, 0);
	if (mode == 6) {
		evbuffer_freeze(b, 0);
		bc_expect_int(t, "add_reference on a frozen end", evbuffer_add_reference(b, ref, 100, ref_cleanup, &s), -1);
		expect_cleanup(t, "cleanup calls after the refusal", &s, 0, NULL, 0);
		evbuffer_unfreeze(b, 0);
		eb_expect_pattern(t, "unchanged", b, 0, 50);
		evbuffer_free(b);
		expect_cleanup(t, "cleanup calls after free", &s, 0, NULL, 0);
		free(ref);
		return;
	}
	bc_expect_int(t, "add_reference", evbuffer_add_reference(b, ref, 100, mode == 5 ? NULL : ref_cleanup, &s), 0);
	eb_fill(t, b, 150, 50, 0);
	eb_expect_pattern(t, "data around the reference", b, 0, 200);
	expect_cleanup(t, "no cleanup while referenced", &s, 0, NULL, 0);
	switch (mode) {
	case 1:
		bc_expect_int(t, "drain 100", evbuffer_drain(b, 100), 0);
		expect_cleanup(t, "no cleanup after a partial drain", &s, 0, NULL, 0);
		bc_expect_int(t, "drain 49", evbuffer_drain(b, 49), 0);
		expect_cleanup(t, "no cleanup with one referenced byte left", &s, 0, NULL, 0);
		bc_expect_int(t, "drain 1", evbuffer_drain(b, 1), 0);
		expect_cleanup(t, "cleanup once the region is drained", &s, 1, ref, 100);
		eb_expect_pattern(t, "what is left", b, 150, 50);
		break;
	case 2:
		evbuffer_free(b);
		b = NULL;
		expect_cleanup(t, "cleanup on evbuffer_free", &s, 1, ref, 100);
		break;
	case 3: {
		unsigned char out[200];
		bc_expect_int(t, "remove 120", evbuffer_remove(b, out, 120), 120);
		expect_cleanup(t, "no cleanup after a partial remove", &s, 0, NULL, 0);
		bc_expect_int(t, "remove 80", evbuffer_remove(b, out + 120, 80), 80);
		bc_expect_int(t, "removed bytes", bc_pattern_mismatch(out, 200, 0), -1);
		expect_cleanup(t, "cleanup once the region is removed", &s, 1, ref, 100);
		break;
	}
	case 4: {
		struct evbuffer *dst = eb_new(t);
		bc_expect_int(t, "add_buffer", evbuffer_add_buffer(dst, b), 0);
		expect_cleanup(t, "no cleanup when moved", &s, 0, NULL, 0);
		evbuffer_free(b);
		b = NULL;
		expect_cleanup(t, "no cleanup when the emptied source is freed", &s, 0, NULL, 0);
		eb_expect_pattern(t, "moved data", dst, 0, 200);
		bc_expect_int(t, "drain 160 from the destination", evbuffer_drain(dst, 160), 0);
		expect_cleanup(t, "cleanup when drained from the destination", &s, 1, ref, 100);
		evbuffer_free(dst);
		expect_cleanup(t, "still one cleanup after the destination is freed", &s, 1, ref, 100);
		break;
	}
	case 5:
		bc_expect_int(t, "drain 200", evbuffer_drain(b, 200), 0);
		break;
	case 7: {
		unsigned char c;
		struct evbuffer_ptr p;
		ref[10] ^= 0xFF;
		bc_expect_int(t, "ptr_set 60", evbuffer_ptr_set(b, &p, 60, EVBUFFER_PTR_SET), 0);
		bc_expect_int(t, "copyout_from 60", evbuffer_copyout_from(b, &p, &c, 1), 1);
		bc_expect_int(t, "a change to the referenced memory shows in the buffer", c, ref[10]);
		break;
	}
	}
	if (b) {
		evbuffer_free(b);
		if (mode != 5)
			expect_cleanup(t, "exactly one cleanup in all", &s, 1, ref, 100);
	}
	free(ref);
}

/* ---- I34: printf; param 1 small, 2 large, 3 vprintf ---- */

static int vp(struct evbuffer *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = evbuffer_add_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

void eb_printf(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	int mode = bc_param(t);
	if (mode == 1 || mode == 3) {
		int (*pf)(struct evbuffer *, const char *, ...) = mode == 1 ? evbuffer_add_printf : vp;
		bc_expect_int(t, "printf of \"\"", pf(b, "%s", ""), 0);
		bc_expect_int(t, "length after an empty printf", evbuffer_get_length(b), 0);
		bc_expect_int(t, "printf return", pf(b, "x=%d,%s;", 42, "abc"), 9);
		bc_expect_int(t, "second printf", pf(b, "%05u|", 7u), 6);
		eb_expect_bytes(t, "contents", b, "x=42,abc;00007|", 15);
		evbuffer_freeze(b, 0);
		bc_expect_int(t, "printf on a frozen end", pf(b, "%d", 1), -1);
		evbuffer_unfreeze(b, 0);
		eb_expect_bytes(t, "contents after the refusal", b, "x=42,abc;00007|", 15);
	} else {
		char *big = malloc(5000);
		size_t k = 0;
		for (unsigned i = 0; k < 4990; i++)
			k += (size_t)sprintf(big + k, "%u,", i);
		big[4990] = 0;
		eb_fill(t, b, 0, 10, 0);
		bc_expect_int(t, "printf of 4999 bytes", evbuffer_add_printf(b, "%s%.9s", big, "abcdefghijk"), 4999);
		bc_expect_int(t, "length", evbuffer_get_length(b), 5009);
		unsigned char *out = malloc(5009);
		evbuffer_copyout(b, out, 5009);
		bc_expect_int(t, "the bytes before", bc_pattern_mismatch(out, 10, 0), -1);
		eb_expect_mem(t, "the printed text", out + 10, 4990, big, 4990);
		eb_expect_mem(t, "the printed tail", out + 5000, 9, "abcdefghi", 9);
		free(out);
		free(big);
	}
	evbuffer_free(b);
}

/* ---- I35-I37: freezing. param 1 end, 2 start, 3 a flag, 4 empty lengths ---- */

static void noop_cleanup(const void *d, size_t l, void *x) { (void)d; (void)l; (void)x; }

void eb_freeze(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t), *other = eb_new(t);
	unsigned char p[64], out[64];
	struct evbuffer_iovec v[1];
	struct evbuffer_ptr ptr;
	bc_pattern(p, 64, 0);
	int mode = bc_param(t);
	if (mode == 1) {
		eb_fill(t, b, 10, 40, 0);
		eb_fill(t, other, 0, 5, 0);
		bc_expect_int(t, "freeze end", evbuffer_freeze(b, 0), 0);
		bc_expect_int(t, "add", evbuffer_add(b, p, 5), -1);
		bc_expect_int(t, "add_printf", evbuffer_add_printf(b, "x"), -1);
		bc_expect_int(t, "add_reference", evbuffer_add_reference(b, p, 5, noop_cleanup, NULL), -1);
		bc_expect_int(t, "reserve_space", evbuffer_reserve_space(b, 10, v, 1), -1);
		bc_expect_int(t, "add_buffer into it", evbuffer_add_buffer(b, other), -1);
		bc_expect_int(t, "remove_buffer into it", evbuffer_remove_buffer(other, b, 5), -1);
		bc_expect_int(t, "length unchanged", evbuffer_get_length(b), 40);
		bc_expect_int(t, "prepend still works", evbuffer_prepend(b, p + 5, 5), 0);
		bc_expect_int(t, "prepend_buffer still works", evbuffer_prepend_buffer(b, other), 0);
		/* b now holds pattern bytes [0,5) (from other), [5,10), [10,50) */
		bc_expect_int(t, "copyout still works", evbuffer_copyout(b, out, 10), 10);
		bc_expect_int(t, "copied bytes", bc_pattern_mismatch(out, 10, 0), -1);
		bc_expect_int(t, "drain still works", evbuffer_drain(b, 3), 0);
		bc_expect_int(t, "remove still works", evbuffer_remove(b, out, 7), 7);
		bc_expect_int(t, "removed bytes", bc_pattern_mismatch(out, 7, 3), -1);
		bc_expect_int(t, "unfreeze", evbuffer_unfreeze(b, 0), 0);
		eb_fill(t, b, 50, 5, 0);
		eb_expect_pattern(t, "after unfreezing", b, 10, 45);
	} else if (mode == 2) {
		eb_fill(t, b, 0, 40, 0);
		eb_fill(t, other, 0, 10, 0);
		bc_expect_int(t, "freeze start", evbuffer_freeze(b, 1), 0);
		bc_expect_int(t, "drain", evbuffer_drain(b, 5), -1);
		bc_expect_int(t, "remove", evbuffer_remove(b, out, 5), -1);
		bc_expect_int(t, "copyout", evbuffer_copyout(b, out, 5), -1);
		evbuffer_ptr_set(b, &ptr, 3, EVBUFFER_PTR_SET);
		bc_expect_int(t, "copyout_from", evbuffer_copyout_from(b, &ptr, out, 5), -1);
		bc_expect_int(t, "prepend", evbuffer_prepend(b, p, 5), -1);
		bc_expect_int(t, "prepend_buffer into it", evbuffer_prepend_buffer(b, other), -1);
		bc_expect_int(t, "add_buffer from it", evbuffer_add_buffer(other, b), -1);
		bc_expect_int(t, "remove_buffer from it", evbuffer_remove_buffer(b, other, 5), -1);
		bc_expect_int(t, "prepend_buffer from it", evbuffer_prepend_buffer(other, b), -1);
		size_t n = 99;
		bc_expect(t, evbuffer_readln(b, &n, EVBUFFER_EOL_ANY) == NULL, "readln returns NULL");
		bc_expect_int(t, "other unchanged", evbuffer_get_length(other), 10);
		eb_expect_pattern(t, "unchanged by the refused operations", b, 0, 40);
		bc_expect_int(t, "add still works", evbuffer_add(b, p + 40, 5), 0);
		bc_expect_int(t, "add_printf still works", evbuffer_add_printf(b, "%c", (char)45), 1);
		bc_expect_int(t, "unfreeze", evbuffer_unfreeze(b, 1), 0);
		eb_expect_pattern(t, "after unfreezing", b, 0, 46);
	} else if (mode == 3) {
		eb_fill(t, b, 0, 40, 0);
		evbuffer_freeze(b, 0);
		evbuffer_freeze(b, 0);
		evbuffer_freeze(b, 1);
		evbuffer_freeze(b, 1);
		bc_expect_int(t, "unfreeze end once", evbuffer_unfreeze(b, 0), 0);
		bc_expect_int(t, "unfreeze start once", evbuffer_unfreeze(b, 1), 0);
		bc_expect_int(t, "add after freezing twice and unfreezing once", evbuffer_add(b, p + 40, 10), 0);
		bc_expect_int(t, "drain after freezing twice and unfreezing once", evbuffer_drain(b, 5), 0);
		eb_expect_pattern(t, "contents", b, 5, 45);
	} else {
		evbuffer_freeze(b, 1);
		bc_expect_int(t, "drain of an empty start-frozen buffer", evbuffer_drain(b, 5), 0);
		bc_expect_int(t, "copyout from an empty start-frozen buffer", evbuffer_copyout(b, out, 5), 0);
		bc_expect_int(t, "remove from an empty start-frozen buffer", evbuffer_remove(b, out, 5), 0);
		eb_fill(t, b, 0, 10, 0);
		bc_expect_int(t, "copyout 0 from a start-frozen buffer", evbuffer_copyout(b, out, 0), 0);
		bc_expect_int(t, "prepend 0 to a start-frozen buffer", evbuffer_prepend(b, p, 0), 0);
		eb_expect_pattern(t, "contents", b, 0, 10);
		evbuffer_unfreeze(b, 1);
	}
	evbuffer_free(other);
	evbuffer_free(b);
}

/* ---- I45 ---- */

void eb_add_iovec(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	const size_t piece = 65536, n = 16;
	unsigned char *p = eb_pat(0, piece * n);
	struct evbuffer_iovec v[16];
	for (size_t i = 0; i < n; i++) {
		v[i].iov_base = p + i * piece;
		v[i].iov_len = piece;
	}
	bc_expect_int(t, "add_iovec of 0 vectors", (long long)evbuffer_add_iovec(b, v, 0), 0);
	bc_expect_int(t, "add_iovec of 16 x 64 KiB", (long long)evbuffer_add_iovec(b, v, 16), (long long)(piece * n));
	bc_expect_int(t, "length", evbuffer_get_length(b), (long long)(piece * n));
	unsigned char *out = malloc(piece * n);
	size_t got = 0;
	while (got < piece * n) {
		int r = evbuffer_remove(b, out + got, 3001);
		bc_expect(t, r > 0, "remove makes progress");
		got += (size_t)r;
	}
	bc_expect_int(t, "bytes read back", bc_pattern_mismatch(out, got, 0), -1);
	bc_expect_int(t, "empty at the end", evbuffer_get_length(b), 0);
	free(out);
	free(p);
	evbuffer_free(b);
}

/* ---- add_file / add_file_segment (I46); param 1 add_file, 2 segments ---- */

static int pattern_file(struct bc_ctx *t, size_t n)
{
	char path[] = "/tmp/bevconf-evbuf-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		bc_fail(t, "mkstemp", "a temp file", "failed");
	unlink(path);
	unsigned char *p = eb_pat(0, n);
	if (write(fd, p, n) != (ssize_t)n)
		bc_fail(t, "write temp file", "all bytes", "short");
	free(p);
	return fd;
}

static void seg_cleanup(struct evbuffer_file_segment const *seg, int flags, void *arg)
{
	(void)seg; (void)flags;
	(*(unsigned *)arg)++;
}

void eb_add_file(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	int fd = pattern_file(t, 10000);
	eb_fill(t, b, 0, 1000, 0);
	if (bc_param(t) == 1) {
		bc_expect_int(t, "add_file(offset 1000, length 5000)", evbuffer_add_file(b, fd, 1000, 5000), 0);
		eb_fill(t, b, 6000, 100, 0);
		eb_expect_pattern(t, "file bytes between the adds", b, 0, 6100);
		bc_expect_int(t, "drain 2000", evbuffer_drain(b, 2000), 0);
		eb_expect_pattern(t, "after a drain into the file part", b, 2000, 4100);
		evbuffer_free(b);
		bc_expect(t, !bc_fd_is_open(fd), "add_file closes the fd once the buffer is freed");
		return;
	}
	unsigned cleanups = 0;
	struct evbuffer_file_segment *seg = evbuffer_file_segment_new(fd, 0, -1, EVBUF_FS_CLOSE_ON_FREE);
	bc_expect(t, seg != NULL, "evbuffer_file_segment_new");
	evbuffer_file_segment_add_cleanup_cb(seg, seg_cleanup, &cleanups);
	bc_expect_int(t, "add_file_segment(1000, 3000)", evbuffer_add_file_segment(b, seg, 1000, 3000), 0);
	bc_expect_int(t, "add_file_segment(4000, rest)", evbuffer_add_file_segment(b, seg, 4000, -1), 0);
	evbuffer_file_segment_free(seg);
	bc_expect_int(t, "no segment cleanup while buffered", cleanups, 0);
	eb_expect_pattern(t, "segments in order", b, 0, 10000);
	bc_expect_int(t, "drain 9999", evbuffer_drain(b, 9999), 0);
	bc_expect_int(t, "no segment cleanup with one byte left", cleanups, 0);
	bc_expect(t, bc_fd_is_open(fd), "fd open while the segment is referenced");
	bc_expect_int(t, "drain the last byte", evbuffer_drain(b, 1), 0);
	bc_expect_int(t, "one segment cleanup once drained", cleanups, 1);
	bc_expect(t, !bc_fd_is_open(fd), "CLOSE_ON_FREE segment closes its fd once released");
	evbuffer_free(b);
	bc_expect_int(t, "still one segment cleanup", cleanups, 1);
}
