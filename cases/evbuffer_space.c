/* Area I: the evbuffer API, writing in place and owning data: reserve/commit, expand,
 * add_reference, printf, freezing, add_iovec and file segments. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evbuffer.h"

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
		bc_expect(t, "iov_len >= 1000", v[0].iov_len >= 1000);
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
		bc_expect(t, "reserve_space(10000, 2 vecs) returns 1 or 2", r >= 1 && r <= 2);
		size_t total = 0;
		for (int i = 0; i < r; i++)
			total += v[i].iov_len;
		bc_expect(t, "the vectors hold at least 10000 bytes", total >= want);
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
		bc_expect(t, "second reservation >= 500", w[0].iov_len >= 500);
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
		bc_expect(t, "cleanup gets the referenced pointer", s->data == data);
		bc_expect_int(t, "cleanup gets the referenced length", (long long)s->len, (long long)len);
		bc_expect(t, "cleanup gets the extra argument", s->extra == s);
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
		bc_expect(t, "readln returns NULL", evbuffer_readln(b, &n, EVBUFFER_EOL_ANY) == NULL);
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
		bc_expect(t, "remove makes progress", r > 0);
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
		bc_fail(t, "mkstemp", "failed", "a temp file");
	unlink(path);
	unsigned char *p = eb_pat(0, n);
	if (write(fd, p, n) != (ssize_t)n)
		bc_fail(t, "write temp file", "short", "all bytes");
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
	struct bc_fd_id fd_id = bc_fd_identity(t, fd);
	eb_fill(t, b, 0, 1000, 0);
	if (bc_param(t) == 1) {
		bc_expect_int(t, "add_file(offset 1000, length 5000)", evbuffer_add_file(b, fd, 1000, 5000), 0);
		eb_fill(t, b, 6000, 100, 0);
		eb_expect_pattern(t, "file bytes between the adds", b, 0, 6100);
		bc_expect_int(t, "drain 2000", evbuffer_drain(b, 2000), 0);
		eb_expect_pattern(t, "after a drain into the file part", b, 2000, 4100);
		evbuffer_free(b);
		bc_expect(t, "add_file closes the fd once the buffer is freed", !bc_fd_same(fd_id));
		return;
	}
	unsigned cleanups = 0;
	struct evbuffer_file_segment *seg = evbuffer_file_segment_new(fd, 0, -1, EVBUF_FS_CLOSE_ON_FREE);
	bc_expect(t, "evbuffer_file_segment_new", seg != NULL);
	evbuffer_file_segment_add_cleanup_cb(seg, seg_cleanup, &cleanups);
	bc_expect_int(t, "add_file_segment(1000, 3000)", evbuffer_add_file_segment(b, seg, 1000, 3000), 0);
	bc_expect_int(t, "add_file_segment(4000, rest)", evbuffer_add_file_segment(b, seg, 4000, -1), 0);
	evbuffer_file_segment_free(seg);
	bc_expect_int(t, "no segment cleanup while buffered", cleanups, 0);
	eb_expect_pattern(t, "segments in order", b, 0, 10000);
	bc_expect_int(t, "drain 9999", evbuffer_drain(b, 9999), 0);
	bc_expect_int(t, "no segment cleanup with one byte left", cleanups, 0);
	bc_expect(t, "fd open while the segment is referenced", bc_fd_same(fd_id));
	bc_expect_int(t, "drain the last byte", evbuffer_drain(b, 1), 0);
	bc_expect_int(t, "one segment cleanup once drained", cleanups, 1);
	bc_expect(t, "CLOSE_ON_FREE segment closes its fd once released", !bc_fd_same(fd_id));
	evbuffer_free(b);
	bc_expect_int(t, "still one segment cleanup", cleanups, 1);
}
