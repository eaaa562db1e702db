/* Area A: the write path of a socket bufferevent. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bevconf.h"

static size_t out_len(const struct bc_end *e)
{
	return evbuffer_get_length(bufferevent_get_output(e->bev));
}

/* Every writecb recorded on e saw out <= low (the write low watermark). */
static void expect_writecbs_at_or_below(struct bc_ctx *t, const struct bc_end *e, size_t low)
{
	for (unsigned i = 0; i < bc_count(e, 'W'); i++)
		bc_expect(t, "no writecb while out > low watermark", bc_nth(e, 'W', i)->out <= low);
}

void write_short_capped(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *a = bc_socket_end(t, sv[0], BEV_OPT_CLOSE_ON_FREE, "bev");
	bc_fault_cap(sv[0], (size_t)bc_param(t));

	bc_expect_int(t, "bufferevent_write", bufferevent_write(a->bev, "0123456789", 10), 0);
	bc_await(t, "a first writev", bc_fault_ncalls(sv[0], BC_WRITE) >= 1);
	bc_expect_int(t, "output length after the first short write",
		      evbuffer_get_length(bufferevent_get_output(a->bev)), 10 - bc_param(t));
	bc_expect_shape(t, a, "");

	struct bc_bytes got = { 0 };
	bc_await(t, "all bytes at the peer and a writecb",
		 (bc_recv_avail(sv[1], &got), got.len >= 10) && bc_count(a, 'W') > 0);
	bc_passes(t, 3); /* nothing more once drained: still exactly one writecb */
	bc_recv_avail(sv[1], &got);
	bc_expect_bytes(t, "bytes at the peer", &got, "0123456789");
	bc_expect_shape(t, a, "W");
	bc_expect_int(t, "output length at writecb", bc_nth(a, 'W', 0)->out, 0);
	bc_free(a);
	close(sv[1]);
	bc_bytes_free(&got);
}

/* Bookkeeping for write_short_pattern: after every loop pass, the output must have
 * dropped by exactly what the capped writev calls of that pass accepted. */
struct short_state {
	struct bc_ctx *t;
	struct bc_end *a;
	evutil_socket_t fd, peer;
	size_t cap, out;
	unsigned calls;
	struct bc_bytes got;
};

static bool short_step(struct short_state *s)
{
	unsigned nc = bc_fault_ncalls(s->fd, BC_WRITE);
	size_t accepted = 0;
	for (unsigned i = s->calls; i < nc; i++) {
		size_t asked = bc_fault_write_asked(s->fd, i);
		accepted += asked < s->cap ? asked : s->cap;
	}
	size_t now = out_len(s->a);
	bc_expect_int(s->t, "output drop equals the bytes the capped writev calls accepted",
		      (long long)(s->out - now), (long long)accepted);
	if (now > 0)
		bc_expect_int(s->t, "writecbs while output is non-empty", bc_count(s->a, 'W'), 0);
	s->out = now;
	s->calls = nc;
	bc_recv_avail(s->peer, &s->got);
	return now == 0;
}

void write_short_pattern(struct bc_ctx *t)
{
	const size_t n = 3000;
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *a = bc_socket_end(t, sv[0], bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	struct short_state s = { t, a, sv[0], sv[1], (size_t)bc_param(t), n, 0, { 0 } };
	bc_fault_cap(sv[0], s.cap);

	unsigned char *buf = malloc(n);
	bc_pattern(buf, n, 0);
	bc_expect_int(t, "bufferevent_write", bufferevent_write(a->bev, buf, n), 0);
	free(buf);
	bc_expect_int(t, "output length right after bufferevent_write", out_len(a), n);
	bc_expect_shape(t, a, "");

	bc_expect(t, "output drained", bc_wait_until(t, 2000, short_step(&s)));
	bc_expect(t, "at least n/cap writev calls", s.calls >= (n + s.cap - 1) / s.cap);
	bc_await(t, "all bytes at the peer and a writecb",
		 (bc_recv_avail(sv[1], &s.got), s.got.len >= n) && bc_count(a, 'W') > 0);
	unsigned calls = bc_fault_ncalls(sv[0], BC_WRITE);
	bc_passes(t, 3);
	bc_recv_avail(sv[1], &s.got);
	bc_expect_pattern(t, "bytes at the peer", &s.got, n);
	bc_expect_shape(t, a, "W");
	bc_expect_int(t, "output length at writecb", bc_nth(a, 'W', 0)->out, 0);
	bc_expect_int(t, "writev calls once the output is empty", bc_fault_ncalls(sv[0], BC_WRITE), calls);
	bc_free(a);
	close(sv[1]);
	bc_bytes_free(&s.got);
}

void write_large(struct bc_ctx *t)
{
	const size_t n = 1 << 20;
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *a = bc_socket_end(t, sv[0], bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	struct bc_bytes got = { 0 };
	bc_peer_reader(t, sv[1], &got);

	unsigned char *buf = malloc(n);
	bc_pattern(buf, n, 0);
	bc_expect_int(t, "bufferevent_write", bufferevent_write(a->bev, buf, n), 0);
	free(buf);
	bc_expect_int(t, "output length right after bufferevent_write", out_len(a), n);
	bc_expect_shape(t, a, "");

	bc_expect(t, "all bytes at the peer and a writecb",
		  bc_wait_until(t, 5000, got.len >= n && bc_count(a, 'W') > 0));
	bc_expect(t, "the output goes out over several writev calls", bc_fault_ncalls(sv[0], BC_WRITE) >= 2);
	unsigned calls = bc_fault_ncalls(sv[0], BC_WRITE);
	bc_passes(t, 3);
	bc_expect_pattern(t, "bytes at the peer", &got, n);
	expect_writecbs_at_or_below(t, a, 0);
	bc_expect_shape(t, a, "W");
	bc_expect_int(t, "writev calls once the output is empty", bc_fault_ncalls(sv[0], BC_WRITE), calls);
	bc_free(a);
	close(sv[1]);
	bc_bytes_free(&got);
}

void write_max_single(struct bc_ctx *t)
{
	const size_t n = 65536;
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *a = bc_socket_end(t, sv[0], BEV_OPT_CLOSE_ON_FREE, "bev");
	struct bc_bytes got = { 0 };
	bc_peer_reader(t, sv[1], &got);

	unsigned char *buf = malloc(n);
	bc_pattern(buf, n, 0);
	bc_expect_int(t, "bufferevent_write", bufferevent_write(a->bev, buf, n), 0);
	free(buf);
	/* Only the write sizes are this QUIRK's business: delivery is checked by the MUST
	 * cases (write.large.*), so a failure here would not be counted twice. */
	(void)bc_wait_until(t, 2000, got.len >= n && bc_count(a, 'W') > 0);
	size_t max = bc_fault_write_asked_max(sv[0]);
	bc_free(a);
	close(sv[1]);
	bc_bytes_free(&got);
	if (max != 16384) {
		char act[64];
		snprintf(act, sizeof act, "%zu", max);
		bc_quirk_differs(t, "largest byte count one write call asked for", act, "16384");
	}
}

void write_lowwm(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *a = bc_socket_end(t, sv[0], bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	bufferevent_setwatermark(a->bev, EV_WRITE, 100, 0);
	bc_fault_cap(sv[0], 50);

	unsigned char buf[300];
	bc_pattern(buf, sizeof buf, 0);
	bc_expect_int(t, "bufferevent_write", bufferevent_write(a->bev, buf, sizeof buf), 0);
	struct bc_bytes got = { 0 };
	bc_await(t, "all bytes at the peer",
		 (bc_recv_avail(sv[1], &got), got.len >= sizeof buf) && out_len(a) == 0);
	bc_passes(t, 3);
	bc_expect_pattern(t, "bytes at the peer", &got, sizeof buf);
	bc_expect_shape(t, a, "W W W");
	bc_expect_int(t, "out at the 1st writecb", bc_nth(a, 'W', 0)->out, 100);
	bc_expect_int(t, "out at the 2nd writecb", bc_nth(a, 'W', 1)->out, 50);
	bc_expect_int(t, "out at the 3rd writecb", bc_nth(a, 'W', 2)->out, 0);
	bc_free(a);
	close(sv[1]);
	bc_bytes_free(&got);
}

void write_zero(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *a = bc_socket_end(t, sv[0], bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");

	bc_expect_int(t, "bufferevent_write of 0 bytes", bufferevent_write(a->bev, "", 0), 0);
	bc_expect_int(t, "output length", out_len(a), 0);
	bc_passes(t, 3);
	bc_expect_shape(t, a, "");
	bc_expect_int(t, "writev calls", bc_fault_ncalls(sv[0], BC_WRITE), 0);
	bc_expect_enabled(t, "enabled", bufferevent_get_enabled(a->bev), EV_WRITE);

	/* The bufferevent still works: a real write afterwards is sent and calls back once. */
	char msg[] = "abc";
	bc_expect_int(t, "bufferevent_write", bufferevent_write(a->bev, msg, 3), 0);
	memset(msg, '#', 3); /* the program's buffer is its own again (A2) */
	struct bc_bytes got = { 0 };
	bc_await(t, "the later bytes at the peer and a writecb",
		 (bc_recv_avail(sv[1], &got), got.len >= 3) && bc_count(a, 'W') > 0);
	bc_settle(t);
	bc_recv_avail(sv[1], &got);
	bc_expect_bytes(t, "bytes at the peer", &got, "abc");
	bc_expect_shape(t, a, "W");
	bc_free(a);
	close(sv[1]);
	bc_bytes_free(&got);
}

/* ---- A8 (QUIRK): enable(EV_WRITE) with an empty output gives one writecb ---- */
void write_enable_empty(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *a = bc_socket_end(t, sv[0], bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	bufferevent_enable(a->bev, EV_READ);
	bc_settle(t);
	bc_expect_shape(t, a, ""); /* enabling EV_READ alone: nothing */

	bufferevent_enable(a->bev, EV_WRITE);
	bc_await(t, "a writecb after enable(EV_WRITE)", bc_count(a, 'W') >= 1);
	bc_settle(t);
	bc_expect_shape(t, a, "W");
	bc_expect_int(t, "out at writecb", bc_nth(a, 'W', 0)->out, 0);
	bc_expect_int(t, "writev calls (nothing to write)", bc_fault_ncalls(sv[0], BC_WRITE), 0);

	bufferevent_disable(a->bev, EV_WRITE);
	bufferevent_enable(a->bev, EV_WRITE);
	bc_await(t, "another writecb after re-enabling EV_WRITE", bc_count(a, 'W') >= 2);
	bc_settle(t);
	bc_expect_shape(t, a, "W W");
	bc_free(a);
	close(sv[1]);
}

/* ---- A9: fd -1 only buffers; setfd sends ---- */
void write_nofd(struct bc_ctx *t)
{
	struct bc_end *a = bc_socket_end(t, -1, bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	bc_expect_int(t, "bufferevent_write without an fd", bufferevent_write(a->bev, "hello", 5), 0);
	bc_expect_int(t, "output length", out_len(a), 5);
	bc_settle(t);
	bc_expect_shape(t, a, "");
	bc_expect_int(t, "output length after loop passes", out_len(a), 5);

	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	bc_expect_int(t, "bufferevent_setfd", bufferevent_setfd(a->bev, sv[0]), 0);
	struct bc_bytes got = { 0 };
	bc_await(t, "the buffered bytes at the peer and a writecb",
		 (bc_recv_avail(sv[1], &got), got.len >= 5) && bc_count(a, 'W') > 0);
	bc_settle(t);
	bc_expect_shape(t, a, "W");
	bc_expect_int(t, "out at writecb", bc_nth(a, 'W', 0)->out, 0);
	bc_expect_bytes(t, "bytes at the peer", &got, "hello");
	bc_free(a);
	close(sv[1]);
	bc_bytes_free(&got);
}

/* ---- A10: bufferevent_flush on a socket bufferevent does nothing ---- */
void write_flush_noop(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *a = bc_socket_end(t, sv[0], BEV_OPT_CLOSE_ON_FREE, "bev");
	char msg[] = "hello";
	bc_expect_int(t, "bufferevent_write", bufferevent_write(a->bev, msg, 5), 0);
	memset(msg, '#', 5); /* the program's buffer is its own again (A2) */
	bc_expect_int(t, "bufferevent_flush(EV_WRITE, BEV_FLUSH)", bufferevent_flush(a->bev, EV_WRITE, BEV_FLUSH), 0);
	bc_expect_int(t, "bufferevent_flush(EV_WRITE, BEV_FINISHED)", bufferevent_flush(a->bev, EV_WRITE, BEV_FINISHED), 0);
	bc_expect_int(t, "output length after flush", out_len(a), 5);
	bc_expect_int(t, "writev calls inside flush", bc_fault_ncalls(sv[0], BC_WRITE), 0);
	bc_expect_shape(t, a, "");
	/* The loop still sends the bytes as usual. */
	struct bc_bytes got = { 0 };
	bc_await(t, "the bytes at the peer and a writecb",
		 (bc_recv_avail(sv[1], &got), got.len >= 5) && bc_count(a, 'W') > 0);
	bc_settle(t);
	bc_recv_avail(sv[1], &got);
	bc_expect_bytes(t, "bytes at the peer", &got, "hello");
	bc_expect_shape(t, a, "W");
	bc_free(a);
	close(sv[1]);
	bc_bytes_free(&got);
}

/* ---- A11: the buffers a bufferevent owns are frozen at one end ---- */
void write_frozen(struct bc_ctx *t)
{
	struct bc_link l;
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
	struct evbuffer *out = bufferevent_get_output(l.e->bev), *in = bufferevent_get_input(l.e->bev);
	bufferevent_disable(l.e->bev, EV_WRITE); /* keep the output where it is */
	char msg[] = "abcdef";
	bc_expect_int(t, "bufferevent_write", bufferevent_write(l.e->bev, msg, 6), 0);
	memset(msg, '#', 6); /* the program's buffer is its own again (A2) */
	char buf[8];
	bc_expect_int(t, "evbuffer_drain on the output (front frozen)", evbuffer_drain(out, 1), -1);
	bc_expect_int(t, "evbuffer_remove on the output", evbuffer_remove(out, buf, 2), -1);
	bc_expect_int(t, "evbuffer_prepend on the output", evbuffer_prepend(out, "x", 1), -1);
	bc_expect_int(t, "output length (untouched)", evbuffer_get_length(out), 6);
	bc_expect_int(t, "evbuffer_add on the output (end open)", evbuffer_add(out, "g", 1), 0);
	bc_expect_int(t, "evbuffer_add on the input (end frozen)", evbuffer_add(in, "x", 1), -1);
	bc_expect_int(t, "evbuffer_add_printf on the input", evbuffer_add_printf(in, "%d", 7), -1);
	bc_expect_int(t, "input length (untouched)", evbuffer_get_length(in), 0);
	bc_expect_int(t, "evbuffer_prepend on the input (front open)", evbuffer_prepend(in, "yz", 2), 0);
	bc_expect_int(t, "evbuffer_drain on the input", evbuffer_drain(in, 1), 0);
	bc_expect_int(t, "input length", evbuffer_get_length(in), 1);
	struct bc_bytes got = { 0 };
	bc_read_input(t, l.e->bev, &got, SIZE_MAX);
	bc_expect_bytes(t, "the input: what the prepend put, less the byte drained", &got, "z");
	/* The refused calls changed nothing: the output goes out as written, then the 'g'. */
	bc_bytes_free(&got);
	bufferevent_enable(l.e->bev, EV_WRITE);
	bc_await(t, "the output at the far end", (bc_link_recv(t, &l, &got), got.len >= 7));
	bc_settle(t);
	bc_link_recv(t, &l, &got);
	bc_expect_bytes(t, "bytes at the far end", &got, "abcdefg");
	bc_bytes_free(&got);
	bc_link_close(t, &l);
}

/* ---- A12: bufferevent_write_buffer, bufferevent_read, bufferevent_read_buffer ---- */
void write_helpers(struct bc_ctx *t)
{
	struct bc_link l;
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
	struct bufferevent *bev = l.e->bev;
	struct evbuffer *src = evbuffer_new();
	evbuffer_add(src, "0123456789", 10);
	bc_expect_int(t, "bufferevent_write_buffer", bufferevent_write_buffer(bev, src), 0);
	bc_expect_int(t, "source length after write_buffer (all moved)", evbuffer_get_length(src), 0);
	if (l.fd >= 0 && !l.under) /* a pair or filter may pass the bytes on inside the call */
		bc_expect_int(t, "output length after write_buffer", out_len(l.e), 10);
	struct bc_bytes got = { 0 };
	bc_await(t, "the bytes at the far end", (bc_link_recv(t, &l, &got), got.len >= 10));
	bc_expect(t, "the far end got the moved bytes", memcmp(got.data, "0123456789", 10) == 0);

	bufferevent_enable(bev, EV_READ);
	struct evbuffer *in = bufferevent_get_input(bev);
	bc_link_send(t, &l, "abcdefghij", 10);
	bc_await(t, "10 bytes in the input", evbuffer_get_length(in) >= 10);
	char buf[32] = { 0 };
	bc_expect_int(t, "bufferevent_read of 4", (long long)bufferevent_read(bev, buf, 4), 4);
	bc_expect(t, "bufferevent_read copies the first bytes", memcmp(buf, "abcd", 4) == 0);
	bc_expect_int(t, "input length after reading 4", evbuffer_get_length(in), 6);
	memset(buf, 0, sizeof buf);
	bc_expect_int(t, "bufferevent_read of more than there is", (long long)bufferevent_read(bev, buf, sizeof buf), 6);
	bc_expect_buf(t, "bytes read", buf, strnlen(buf, sizeof buf), "efghij");
	bc_expect_int(t, "input length after reading all", evbuffer_get_length(in), 0);

	bc_link_send(t, &l, "klmnopq", 7);
	bc_await(t, "7 bytes in the input", evbuffer_get_length(in) >= 7);
	struct evbuffer *dst = evbuffer_new();
	evbuffer_add(dst, ">", 1);
	bc_expect_int(t, "bufferevent_read_buffer", bufferevent_read_buffer(bev, dst), 0);
	bc_expect_int(t, "input length after read_buffer", evbuffer_get_length(in), 0);
	bc_expect_int(t, "destination length (appended)", evbuffer_get_length(dst), 8);
	unsigned char moved[8];
	bc_expect_int(t, "evbuffer_remove(destination)", evbuffer_remove(dst, moved, 8), 8);
	struct bc_bytes m = { 0 };
	bc_bytes_add(&m, moved, 8);
	bc_expect_bytes(t, "read_buffer appends the input in order", &m, ">klmnopq");
	bc_bytes_free(&m);
	evbuffer_free(src);
	evbuffer_free(dst);
	bc_bytes_free(&got);
	bc_link_close(t, &l);
}

/* ---- A13: A3 over every kind: one writecb at out=0 once drained ---- */
void write_drain_link(struct bc_ctx *t)
{
	const size_t n = 3000;
	struct bc_link l;
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
	unsigned char buf[3000];
	bc_pattern(buf, n, 0);
	bc_expect_int(t, "bufferevent_write", bufferevent_write(l.e->bev, buf, n), 0);
	/* A pair moves the bytes to its partner inside bufferevent_write, and a filter
	 * without DEFER_CALLBACKS even calls writecb inside it: only the end state counts. */
	struct bc_bytes got = { 0 };
	bc_await(t, "all bytes at the far end and a writecb",
		 (bc_link_recv(t, &l, &got), got.len >= n) && bc_count(l.e, 'W') > 0);
	bc_settle(t);
	bc_link_recv(t, &l, &got);
	bc_expect_pattern(t, "bytes at the far end", &got, n);
	bc_expect_shape(t, l.e, "W");
	bc_expect_int(t, "out at writecb", bc_nth(l.e, 'W', 0)->out, 0);
	bc_bytes_free(&got);
	bc_link_close(t, &l);
}

/* ---- A2: bufferevent_write copies; the program reuses its buffer at once ---- */
void write_copy(struct bc_ctx *t)
{
	const size_t n = 3000, piece = 1000;
	struct bc_link l;
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
	unsigned char *buf = malloc(piece);
	for (size_t off = 0; off < n; off += piece) {
		bc_pattern(buf, piece, off); /* one buffer, refilled for every write */
		bc_expect_int(t, "bufferevent_write", bufferevent_write(l.e->bev, buf, piece), 0);
	}
	memset(buf, '#', piece);
	free(buf);
	struct bc_bytes got = { 0 };
	bc_await(t, "all bytes at the far end", (bc_link_recv(t, &l, &got), got.len >= n));
	bc_settle(t);
	bc_link_recv(t, &l, &got);
	bc_expect_pattern(t, "bytes at the far end: what the buffer held at each write", &got, n);
	bc_bytes_free(&got);
	bc_link_close(t, &l);
}
