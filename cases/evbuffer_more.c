/* Area I additions: allocation failure, the compat callback and find, sendfile and
 * read()-backed file segments, reading into a frozen buffer. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "extra_api.h"
#include "evbuffer.h"

/* A temporary file holding n pattern bytes; the caller closes it. */
static int pattern_file(struct bc_ctx *t, size_t n)
{
	char path[] = "/tmp/bevconf-covXXXXXX";
	int fd = mkstemp(path);
	bc_expect(t, "harness: mkstemp", fd >= 0);
	unlink(path);
	unsigned char *p = eb_pat(0, n);
	bc_expect_int(t, "harness: write the file", write(fd, p, n), (long long)n);
	free(p);
	return fd;
}

/* ---- I48: allocation failure leaves everything unchanged ---- */
static void noop_cb(struct evbuffer *b, const struct evbuffer_cb_info *i, void *a) { (void)b; (void)i; (void)a; }

void eb_oom(struct bc_ctx *t)
{
	bc_alloc_install(t);
	struct evbuffer *b = eb_new(t), *empty = eb_new(t), *src = eb_new(t);
	eb_fill(t, b, 0, 100, 0);
	eb_fill(t, src, 100, 50, 0);
	char big[5000];
	bc_pattern((unsigned char *)big, sizeof big, 100);
	struct evbuffer_iovec v[2];
	int fd = pattern_file(t, 100);
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	bc_send(t, sv[1], "abcdef", 6);

	bc_alloc_fail = -1;
	struct evbuffer *n = evbuffer_new();
	int add_empty = evbuffer_add(empty, "x", 1);
	int prepend_empty = evbuffer_prepend(empty, "x", 1);
	int add_big = evbuffer_add(b, big, sizeof big);
	int prepend_big = evbuffer_prepend(b, big, sizeof big);
	int add_ref = evbuffer_add_reference(b, big, 10, NULL, NULL);
	struct evbuffer_cb_entry *cb = evbuffer_add_cb(b, noop_cb, NULL);
	int expand = evbuffer_expand(b, 100000);
	int reserve = evbuffer_reserve_space(b, 100000, v, 2);
	int reserve1 = evbuffer_reserve_space(empty, 10, v, 1);
	struct evbuffer_iovec iv[2] = { { big, 3000 }, { big + 3000, 2000 } };
	int add_iovec = evbuffer_add_iovec(empty, iv, 2);
	int rd = evbuffer_read(empty, sv[0], 4096);
	int add_file = evbuffer_add_file(b, fd, 0, 100);
	struct evbuffer_file_segment *seg = evbuffer_file_segment_new(fd, 0, 100, 0);
	struct bufferevent *bev = bufferevent_socket_new(t->base, -1, 0);
	bc_alloc_fail = 0;
	struct event_base *global = event_init();
	bc_alloc_fail = -1;
	struct bufferevent *old = bufferevent_new(sv[0], NULL, NULL, NULL, NULL);
	bc_alloc_fail = 0;
	event_base_free(global);
	bc_expect(t, "bufferevent_new returns NULL", old == NULL);

	bc_expect(t, "evbuffer_new returns NULL", n == NULL);
	bc_expect_int(t, "add to an empty buffer", add_empty, -1);
	bc_expect_int(t, "prepend to an empty buffer", prepend_empty, -1);
	bc_expect_int(t, "add of 5000 bytes", add_big, -1);
	bc_expect_int(t, "prepend of 5000 bytes", prepend_big, -1);
	bc_expect_int(t, "add_reference", add_ref, -1);
	bc_expect(t, "add_cb returns NULL", cb == NULL);
	bc_expect_int(t, "expand(100000)", expand, -1);
	bc_expect_int(t, "reserve_space(100000, 2 vecs)", reserve, -1);
	bc_expect_int(t, "reserve_space on an empty buffer", reserve1, -1);
	bc_expect_int(t, "add_iovec adds 0 bytes", add_iovec, 0);
	bc_expect_int(t, "evbuffer_read", rd, -1);
	bc_expect_int(t, "add_file", add_file, -1);
	bc_expect(t, "file_segment_new returns NULL", seg == NULL);
	bc_expect(t, "bufferevent_socket_new returns NULL", bev == NULL);
	eb_expect_pattern(t, "the buffer is unchanged", b, 0, 100);
	bc_expect_int(t, "the empty buffer stays empty", evbuffer_get_length(empty), 0);
	/* everything works again */
	bc_expect_int(t, "add_buffer afterwards", evbuffer_add_buffer(b, src), 0);
	eb_expect_pattern(t, "after add_buffer", b, 0, 150);
	bc_expect_int(t, "evbuffer_read afterwards", evbuffer_read(empty, sv[0], 4096), 6);
	evbuffer_free(b);
	evbuffer_free(empty);
	evbuffer_free(src);
	close(fd);
	close(sv[0]);
	close(sv[1]);
}

/* ---- I49: evbuffer_setcb (the obsolete single callback) ---- */
static size_t seen_old[8], seen_new[8];
static int nseen, other_calls;
static void old_cb(struct evbuffer *b, size_t o, size_t nw, void *arg)
{
	(void)b;
	if (arg == &nseen && nseen < 8) {
		seen_old[nseen] = o;
		seen_new[nseen] = nw;
	}
	nseen++;
}
static void other_cb(struct evbuffer *b, const struct evbuffer_cb_info *i, void *a) { (void)b; (void)i; (void)a; other_calls++; }

void eb_setcb(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	evbuffer_add_cb(b, other_cb, NULL);
	bc_expect_int(t, "evbuffer_setcb", evbuffer_setcb(b, old_cb, &nseen), 0);
	evbuffer_add(b, "hello", 5);
	evbuffer_drain(b, 2);
	bc_expect_int(t, "the callback ran once per change", nseen, 2);
	bc_expect_int(t, "old length at the add", seen_old[0], 0);
	bc_expect_int(t, "new length at the add", seen_new[0], 5);
	bc_expect_int(t, "old length at the drain", seen_old[1], 5);
	bc_expect_int(t, "new length at the drain", seen_new[1], 3);
	bc_expect_int(t, "setcb removed the callbacks added before", other_calls, 0);
	bc_expect_int(t, "setcb(NULL)", evbuffer_setcb(b, NULL, NULL), 0);
	evbuffer_add(b, "x", 1);
	bc_expect_int(t, "no callback after setcb(NULL)", nseen, 2);
	evbuffer_free(b);
}

/* ---- I50: evbuffer_find ---- */
void eb_find(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	eb_add_str(t, b, "abcXYZdefXYZ", 12, true);
	unsigned char *p = evbuffer_find(b, (const unsigned char *)"XYZ", 3);
	bc_expect(t, "find(XYZ) != NULL", p != NULL);
	bc_expect(t, "the pointer is at the match, its bytes contiguous", memcmp(p, "XYZ", 3) == 0);
	bc_expect(t, "the pointer points into the buffer at offset 3", p == evbuffer_pullup(b, 6) + 3);
	bc_expect(t, "find of an absent string is NULL", evbuffer_find(b, (const unsigned char *)"XYZW", 4) == NULL);
	eb_expect_bytes(t, "the buffer is unchanged", b, "abcXYZdefXYZ", 12);
	evbuffer_free(b);
}

/* ---- I51: file bytes written with sendfile. param 1 evbuffer_write on a DRAINS_TO_FD
 * buffer, 2 through a socket bufferevent, 3 flags set then cleared ---- */
void eb_sendfile(struct bc_ctx *t)
{
	const size_t n = 20000, off = 1000, len = 15000;
	int fd = pattern_file(t, n);
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_bytes got = {0};
	if (bc_param(t) == 2) {
		struct bc_end *e = bc_socket_end(t, sv[0], BEV_OPT_CLOSE_ON_FREE, "s");
		bc_expect_int(t, "add_file to the output", evbuffer_add_file(bufferevent_get_output(e->bev), fd, off, len), 0);
		bc_peer_reader(t, sv[1], &got);
		bc_await(t, "the peer gets the file bytes", got.len >= len);
		bc_free(e);
	} else {
		struct evbuffer *b = eb_new(t);
		bc_expect_int(t, "set_flags(DRAINS_TO_FD)", evbuffer_set_flags(b, EVBUFFER_FLAG_DRAINS_TO_FD), 0);
		if (bc_param(t) == 3)
			bc_expect_int(t, "clear_flags(DRAINS_TO_FD)", evbuffer_clear_flags(b, EVBUFFER_FLAG_DRAINS_TO_FD), 0);
		bc_expect_int(t, "add_file", evbuffer_add_file(b, fd, off, len), 0);
		for (int i = 0; i < 100 && evbuffer_get_length(b); i++) {
			int w = evbuffer_write(b, sv[0]);
			bc_expect(t, "evbuffer_write progresses", w > 0 || (w < 0 && errno == EAGAIN));
			bc_recv_avail(sv[1], &got);
		}
		bc_expect_int(t, "the buffer drains", evbuffer_get_length(b), 0);
		bc_recv_avail(sv[1], &got);
		evbuffer_free(b);
		close(sv[0]);
		close(sv[1]);
	}
	bc_expect_int(t, "bytes received", got.len, len);
	bc_expect(t, "the file bytes, in order", bc_pattern_mismatch(got.data, got.len, off) < 0);
	bc_bytes_free(&got);
	if (bc_param(t) != 2)
		close(fd);
}

/* ---- I52: a segment read with read() (mmap and sendfile disabled) ---- */
void eb_seg_read(struct bc_ctx *t)
{
	/* param 1: the fd's offset is 0, so restoring it makes lseek return 0 */
	const off_t at = bc_param(t) == 1 ? 0 : 17;
	int fd = pattern_file(t, 8000);
	bc_expect_int(t, "harness: lseek", lseek(fd, at, SEEK_SET), at);
	struct evbuffer_file_segment *seg = evbuffer_file_segment_new(fd, 100, 5000,
		EVBUF_FS_DISABLE_MMAP | EVBUF_FS_DISABLE_SENDFILE);
	bc_expect(t, "file_segment_new", seg != NULL);
	struct evbuffer *b = eb_new(t);
	bc_expect_int(t, "add_file_segment(0, 3000)", evbuffer_add_file_segment(b, seg, 0, 3000), 0);
	bc_expect_int(t, "add_file_segment(3000, -1)", evbuffer_add_file_segment(b, seg, 3000, -1), 0);
	eb_expect_pattern(t, "the segment's bytes", b, 100, 5000);
	bc_expect_int(t, "the fd's file offset is unchanged", lseek(fd, 0, SEEK_CUR), at);
	evbuffer_free(b);
	evbuffer_file_segment_free(seg);
	close(fd);
}

/* ---- I53: evbuffer_read into a buffer whose end is frozen ---- */
void eb_read_frozen(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	bc_send(t, sv[1], "abc", 3);
	struct evbuffer *b = eb_new(t);
	evbuffer_freeze(b, 0);
	bc_expect_int(t, "evbuffer_read with the end frozen", evbuffer_read(b, sv[0], 100), -1);
	bc_expect_int(t, "nothing added", evbuffer_get_length(b), 0);
	evbuffer_unfreeze(b, 0);
	bc_expect_int(t, "evbuffer_read after unfreeze", evbuffer_read(b, sv[0], 100), 3);
	evbuffer_free(b);
	close(sv[0]);
	close(sv[1]);
}

/* ---- I54: a buffer holding referenced or file data cannot be referenced ---- */
void eb_reference_nested(struct bc_ctx *t)
{
	struct evbuffer *orig = eb_new(t), *refd = eb_new(t), *dst = eb_new(t), *mixed = eb_new(t);
	eb_fill(t, orig, 0, 300, 0);
	bc_expect_int(t, "add_buffer_reference(refd, orig)", evbuffer_add_buffer_reference(refd, orig), 0);
	bc_expect_int(t, "add_buffer_reference of a buffer holding referenced data",
		      evbuffer_add_buffer_reference(dst, refd), -1);
	bc_expect_int(t, "the refused destination is unchanged", evbuffer_get_length(dst), 0);

	/* The referenced chunks keep their kind when moved whole and when partly drained. */
	eb_fill(t, mixed, 0, 10, 0);
	bc_expect_int(t, "add_buffer(mixed, refd)", evbuffer_add_buffer(mixed, refd), 0);
	bc_expect_int(t, "add_buffer_reference of a buffer the referenced data was moved into",
		      evbuffer_add_buffer_reference(dst, mixed), -1);
	bc_expect_int(t, "drain the plain bytes and part of the referenced ones", evbuffer_drain(mixed, 110), 0);
	bc_expect_int(t, "add_buffer_reference with referenced data still held",
		      evbuffer_add_buffer_reference(dst, mixed), -1);
	/* With its source gone the referenced chunk is still not extended: bytes added after
	 * it go into a chunk of their own, which stays when the referenced bytes are drained. */
	bc_expect_int(t, "drain the reference's source", evbuffer_drain(orig, 300), 0);
	eb_fill(t, mixed, 500, 50, 0);
	bc_expect_int(t, "drain the referenced rest", evbuffer_drain(mixed, 200), 0);
	bc_expect_int(t, "add_buffer_reference once the referenced data is gone",
		      evbuffer_add_buffer_reference(dst, mixed), 0);
	eb_expect_pattern(t, "the destination", dst, 500, 50);

	struct evbuffer *file = eb_new(t);
	int fd = pattern_file(t, 64);
	bc_expect_int(t, "add_file", evbuffer_add_file(file, fd, 0, 64), 0); /* owns fd */
	bc_expect_int(t, "add_buffer_reference of a buffer holding a file range",
		      evbuffer_add_buffer_reference(dst, file), -1);
	eb_expect_pattern(t, "the destination after the refusal", dst, 500, 50);
	evbuffer_free(file);
	evbuffer_free(mixed);
	evbuffer_free(dst);
	evbuffer_free(refd);
	evbuffer_free(orig);
}

/* ---- I55: freezes are checked before "nothing to do" ---- */
void eb_frozen_before_empty(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t), *empty = eb_new(t), *other = eb_new(t);
	eb_fill(t, b, 0, 100, 0);
	evbuffer_freeze(b, 1);
	bc_expect_int(t, "drain(b, 0) with the start frozen", evbuffer_drain(b, 0), -1);
	evbuffer_unfreeze(b, 1);
	bc_expect_int(t, "drain(b, 0) after unfreeze", evbuffer_drain(b, 0), 0);

	bc_expect_int(t, "remove_buffer out of an empty buffer", evbuffer_remove_buffer(empty, other, 10), 0);
	evbuffer_freeze(empty, 1);
	bc_expect_int(t, "remove_buffer out of an empty start-frozen buffer",
		      evbuffer_remove_buffer(empty, other, 10), -1);
	bc_expect_int(t, "remove_buffer of 0 bytes out of it", evbuffer_remove_buffer(empty, other, 0), 0);
	evbuffer_unfreeze(empty, 1);
	evbuffer_freeze(other, 0);
	bc_expect_int(t, "remove_buffer out of an empty buffer into an end-frozen one",
		      evbuffer_remove_buffer(empty, other, 10), -1);
	eb_expect_pattern(t, "b unchanged", b, 0, 100);
	evbuffer_free(other);
	evbuffer_free(empty);
	evbuffer_free(b);
}

/* ---- I58: evbuffer_write of sendfile data to a full socket returns 0 ---- */
void eb_sendfile_full(struct bc_ctx *t)
{
	int fd = pattern_file(t, 4000);
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	bc_fill_socket(sv[0]);
	bc_expect(t, "harness: the socket fills up (EAGAIN)", errno == EAGAIN || errno == EWOULDBLOCK);
	struct evbuffer *b = eb_new(t);
	bc_expect_int(t, "set_flags(DRAINS_TO_FD)", evbuffer_set_flags(b, EVBUFFER_FLAG_DRAINS_TO_FD), 0);
	bc_expect_int(t, "add_file", evbuffer_add_file(b, fd, 0, 4000), 0);
	bc_expect_int(t, "evbuffer_write to the full socket returns 0", evbuffer_write(b, sv[0]), 0);
	bc_expect_int(t, "nothing was drained", evbuffer_get_length(b), 4000);
	evbuffer_free(b);
	close(sv[0]);
	close(sv[1]);
}
