/* Area K: bufferevent_filter over a socket bufferevent on an AF_UNIX pair. The filter
 * ("f") is recorded; the underlying socket bufferevent belongs to the filter. The far end
 * is the raw peer socket. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bevconf.h"
#include "extra_api.h"

static size_t in_len(struct bufferevent *bev)
{
	return evbuffer_get_length(bufferevent_get_input(bev));
}

static size_t out_len(struct bufferevent *bev)
{
	return evbuffer_get_length(bufferevent_get_output(bev));
}

static long kernel_pending(evutil_socket_t fd)
{
	int n = -1;
	if (ioctl(fd, FIONREAD, &n) != 0)
		return -1;
	return n;
}

/* What a test filter saw: the flush modes it was called with, and how often. */
struct fstate {
	int calls;
	int modes[3];          /* calls per BEV_NORMAL / BEV_FLUSH / BEV_FINISHED */
	int result;            /* for error_filter: what to return */
};

struct fl {
	evutil_socket_t fd, peer;
	struct bufferevent *under;
	struct bc_end *f;
};

/* A filter with CLOSE_ON_FREE (unless noclose) over a socket bufferevent with CLOSE_ON_FREE. */
static void open_filter(struct bc_ctx *t, struct fl *l, bufferevent_filter_cb in, bufferevent_filter_cb out,
			void *ctx, bool noclose)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	l->fd = sv[0];
	l->peer = sv[1];
	l->under = bufferevent_socket_new(t->base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	if (!l->under)
		bc_fail(t, "bufferevent_socket_new (underlying)", "NULL", "a bufferevent");
	l->f = bc_watch(t, bufferevent_filter_new(l->under, in, out,
						  bc_opts(t, noclose ? 0 : BEV_OPT_CLOSE_ON_FREE), NULL, ctx),
			"f");
}

static void close_filter(struct fl *l)
{
	if (!l->f->freed)
		bc_free(l->f);
	close(l->peer);
}

static void recv_until(struct bc_ctx *t, struct fl *l, struct bc_bytes *b, size_t n)
{
	bc_await(t, "bytes at the peer", (bc_recv_avail(l->peer, b), b->len >= n));
	bc_passes(t, 3);
	bc_recv_avail(l->peer, b);
}

/* ---- K1 ---- */
void filter_new_null(struct bc_ctx *t)
{
	struct bufferevent *f = bufferevent_filter_new(NULL, NULL, NULL, bc_opts(t, BEV_OPT_CLOSE_ON_FREE), NULL, NULL);
	bc_expect(t, "bufferevent_filter_new(NULL underlying) is NULL", f == NULL);
}

/* ---- K2 ---- */
void filter_new(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *u = bc_socket_end(t, sv[0], BEV_OPT_CLOSE_ON_FREE, "under");
	bc_expect_enabled(t, "underlying en before filter_new", bufferevent_get_enabled(u->bev), EV_WRITE);
	bufferevent_data_cb r0, r1, w0, w1;
	bufferevent_event_cb e0, e1;
	void *a0, *a1;
	bufferevent_getcb(u->bev, &r0, &w0, &e0, &a0);

	struct bc_end *f = bc_watch(t, bufferevent_filter_new(u->bev, NULL, NULL, bc_opts(t, BEV_OPT_CLOSE_ON_FREE),
							      NULL, NULL), "f");
	bc_expect_enabled(t, "the filter's en", bufferevent_get_enabled(f->bev), EV_WRITE);
	bc_expect_enabled(t, "the underlying's en after filter_new", bufferevent_get_enabled(u->bev), EV_READ | EV_WRITE);
	bufferevent_getcb(u->bev, &r1, &w1, &e1, &a1);
	bc_expect(t, "the underlying's callbacks replaced", r1 != r0 && w1 != w0 && e1 != e0 && r1 && w1 && e1);
	bc_expect(t, "get_underlying(filter)", bufferevent_get_underlying(f->bev) == u->bev);
	bc_expect(t, "get_underlying(socket bufferevent) is NULL", bufferevent_get_underlying(u->bev) == NULL);
	bc_expect_int(t, "getfd(filter)", bufferevent_getfd(f->bev), sv[0]);

	/* The underlying's traffic now goes to the filter, not to the old callbacks. */
	bufferevent_enable(f->bev, EV_READ);
	bc_send(t, sv[1], "abc", 3);
	char msg[] = "xyz";
	bufferevent_write(f->bev, msg, 3);
	memset(msg, '#', 3); /* the program's buffer is its own again (A2) */
	bc_await(t, "the filter's readcb", bc_count(f, 'R') >= 1);
	struct bc_bytes got = { 0 }, in = { 0 };
	bc_await(t, "bytes at the peer", (bc_recv_avail(sv[1], &got), got.len >= 3));
	bc_settle(t);
	bc_recv_avail(sv[1], &got);
	bc_expect_str(t, "callbacks on the underlying's old callbacks", bc_shape(u), "");
	bc_expect_bytes(t, "bytes at the peer, through the filter", &got, "xyz");
	bc_read_input(t, f->bev, &in, SIZE_MAX);
	bc_expect_bytes(t, "the filter's input", &in, "abc");
	bc_bytes_free(&in);
	bc_free(f);
	u->freed = true; /* freed by the filter (CLOSE_ON_FREE) */
	close(sv[1]);
	bc_bytes_free(&got);
}

/* ---- K3: reading needs the filter's own EV_READ ---- */
void filter_read_needs_enable(struct bc_ctx *t)
{
	struct fl l;
	open_filter(t, &l, NULL, NULL, NULL, false);
	unsigned char p[10];
	bc_pattern(p, 10, 0);
	bc_send(t, l.peer, p, 10);
	bc_settle(t);
	bc_expect_int(t, "the underlying's input while the filter's EV_READ is off", in_len(l.under), 0);
	bc_expect_int(t, "bytes in the kernel", kernel_pending(l.fd), 10);
	bc_expect_shape(t, l.f, "");

	bufferevent_enable(l.f->bev, EV_READ);
	bc_await(t, "the filter's readcb", bc_count(l.f, 'R') >= 1);
	bc_settle(t);
	bc_expect_shape(t, l.f, "R");
	bc_expect_int(t, "in at readcb", bc_nth(l.f, 'R', 0)->in, 10);
	unsigned char buf[10];
	bc_expect_int(t, "bufferevent_read", bufferevent_read(l.f->bev, buf, 10), 10);
	bc_expect(t, "the bytes unchanged, in order", bc_pattern_mismatch(buf, 10, 0) < 0);
	close_filter(&l);
}

/* ---- K3: NULL filter functions pass bytes through unchanged, both ways ---- */
void filter_passthrough(struct bc_ctx *t)
{
	const size_t n = 3000;
	struct fl l;
	open_filter(t, &l, NULL, NULL, NULL, false);
	struct bc_bytes got = { 0 }, back = { 0 };
	l.f->drain_on_read = true;
	l.f->received = &back;
	bufferevent_enable(l.f->bev, EV_READ);
	unsigned char *p = malloc(n);
	bc_pattern(p, n, 0);
	bc_expect_int(t, "bufferevent_write(filter)", bufferevent_write(l.f->bev, p, n), 0);
	recv_until(t, &l, &got, n);
	bc_expect_pattern(t, "bytes at the peer", &got, n);
	bc_send(t, l.peer, p, n);
	bc_await(t, "bytes through the filter's readcb", back.len >= n);
	bc_settle(t);
	bc_expect_pattern(t, "bytes read through the filter", &back, n);
	bc_expect(t, "a writecb", bc_count(l.f, 'W') >= 1);
	bc_expect_int(t, "out at the last writecb", bc_nth(l.f, 'W', bc_count(l.f, 'W') - 1)->out, 0);
	bc_expect_int(t, "eventcb calls", bc_count(l.f, 'E'), 0);
	free(p);
	close_filter(&l);
	bc_bytes_free(&got);
	bc_bytes_free(&back);
}

/* ---- a filter's writecb reports the move into the underlying output ---- */
void filter_writecb_early(struct bc_ctx *t)
{
	struct fl l;
	open_filter(t, &l, NULL, NULL, NULL, false);
	bc_expect_int(t, "bufferevent_write(filter)", bufferevent_write(l.f->bev, "hello", 5), 0);
	bc_expect_int(t, "the filter's output straight after the write", out_len(l.f->bev), 0);
	bc_expect_int(t, "the underlying's output straight after the write", out_len(l.under), 5);
	bc_expect_shape(t, l.f, "W"); /* inline: before any byte reached the socket */
	bc_expect_int(t, "bytes at the peer at the writecb", kernel_pending(l.peer), 0);
	struct bc_bytes got = { 0 };
	recv_until(t, &l, &got, 5);
	bc_settle(t);
	bc_expect_shape(t, l.f, "W");
	close_filter(&l);
	bc_bytes_free(&got);
}

/* ---- a transforming input filter: frames <len><payload>, upper-cased ---- */
static enum bufferevent_filter_result frame_in(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t lim,
					       enum bufferevent_flush_mode mode, void *ctx)
{
	struct fstate *s = ctx;
	s->calls++;
	s->modes[mode]++;
	bool any = false;
	for (;;) {
		unsigned char hdr;
		if (evbuffer_copyout(src, &hdr, 1) != 1)
			break;
		if (evbuffer_get_length(src) < 1 + (size_t)hdr)
			break;
		unsigned char buf[256];
		evbuffer_drain(src, 1);
		evbuffer_remove(src, buf, hdr);
		for (int i = 0; i < hdr; i++)
			buf[i] = (unsigned char)toupper(buf[i]);
		evbuffer_add(dst, buf, hdr);
		any = true;
	}
	return any ? BEV_OK : BEV_NEED_MORE;
}

void filter_in_frame(struct bc_ctx *t)
{
	struct fstate s = { 0 };
	struct fl l;
	open_filter(t, &l, frame_in, NULL, &s, false);
	bufferevent_enable(l.f->bev, EV_READ);
	bc_send(t, l.peer, "\x05hel", 4);
	bc_await(t, "the input filter called", s.calls >= 1);
	bc_settle(t);
	bc_expect_shape(t, l.f, ""); /* BEV_NEED_MORE: no readcb */
	bc_expect_int(t, "the filter's input after BEV_NEED_MORE", in_len(l.f->bev), 0);
	bc_expect_int(t, "the underlying's input keeps the partial frame", in_len(l.under), 4);

	bc_send(t, l.peer, "lo\x03" "ab", 5);
	bc_await(t, "a readcb for the complete frame", bc_count(l.f, 'R') >= 1);
	bc_settle(t);
	bc_expect_shape(t, l.f, "R");
	bc_expect_int(t, "in at readcb", bc_nth(l.f, 'R', 0)->in, 5);
	bc_expect_int(t, "the underlying's input keeps the next partial frame", in_len(l.under), 3);
	bc_send(t, l.peer, "c", 1);
	bc_await(t, "a readcb for the second frame", bc_count(l.f, 'R') >= 2);
	bc_settle(t);
	char buf[16] = { 0 };
	bc_expect_int(t, "bufferevent_read", bufferevent_read(l.f->bev, buf, sizeof buf - 1), 8);
	bc_expect_buf(t, "decoded input", buf, strnlen(buf, sizeof buf), "HELLOABC");
	bc_expect_int(t, "filter calls in a mode other than BEV_NORMAL", s.modes[BEV_FLUSH] + s.modes[BEV_FINISHED], 0);
	close_filter(&l);
}

/* QUIRK: an EOF from the underlying does not call the input filter with BEV_FINISHED. */
void filter_in_eof_no_finish(struct bc_ctx *t)
{
	struct fstate s = { 0 };
	struct fl l;
	open_filter(t, &l, frame_in, NULL, &s, false);
	bufferevent_enable(l.f->bev, EV_READ);
	bc_send(t, l.peer, "\x05hel", 4);
	shutdown(l.peer, SHUT_WR);
	bc_await(t, "the EOF eventcb", bc_count(l.f, 'E') >= 1);
	bc_settle(t);
	bc_expect_shape(t, l.f, "E(READING|EOF)");
	bc_expect_int(t, "input filter calls with BEV_FINISHED", s.modes[BEV_FINISHED], 0);
	bc_expect_int(t, "the underlying's input keeps the partial frame", in_len(l.under), 4);
	close_filter(&l);
}

/* ---- a transforming output filter: every byte twice ---- */
static enum bufferevent_filter_result double_out(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t lim,
						 enum bufferevent_flush_mode mode, void *ctx)
{
	struct fstate *s = ctx;
	s->calls++;
	s->modes[mode]++;
	unsigned char c;
	while (evbuffer_remove(src, &c, 1) == 1) {
		unsigned char two[2] = { c, c };
		evbuffer_add(dst, two, 2);
	}
	return BEV_OK;
}

void filter_out_double(struct bc_ctx *t)
{
	struct fstate s = { 0 };
	struct fl l;
	open_filter(t, &l, NULL, double_out, &s, false);
	bc_expect_int(t, "bufferevent_write", bufferevent_write(l.f->bev, "abc", 3), 0);
	bc_expect_int(t, "bufferevent_write", bufferevent_write(l.f->bev, "xy", 2), 0);
	struct bc_bytes got = { 0 };
	recv_until(t, &l, &got, 10);
	bc_settle(t);
	bc_expect_bytes(t, "bytes at the peer", &got, "aabbccxxyy");
	bc_expect(t, "the output filter called for each write", s.calls >= 2);
	bc_expect_int(t, "output filter calls in BEV_NORMAL", s.modes[BEV_NORMAL], s.calls);
	bc_expect(t, "a writecb", bc_count(l.f, 'W') >= 1);
	bc_expect_int(t, "eventcb calls", bc_count(l.f, 'E'), 0);
	close_filter(&l);
	bc_bytes_free(&got);
}

/* ---- flush modes reach the output filter: a line-buffering filter ---- */
static enum bufferevent_filter_result line_out(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t lim,
					       enum bufferevent_flush_mode mode, void *ctx)
{
	struct fstate *s = ctx;
	s->calls++;
	s->modes[mode]++;
	size_t n = evbuffer_get_length(src);
	if (mode == BEV_NORMAL) {
		const unsigned char *d = n ? evbuffer_pullup(src, -1) : NULL;
		while (n > 0 && d[n - 1] != '\n')
			n--;
		if (n == 0)
			return BEV_NEED_MORE;
	}
	evbuffer_remove_buffer(src, dst, n);
	return BEV_OK;
}

void filter_out_flush(struct bc_ctx *t)
{
	struct fstate s = { 0 };
	struct fl l;
	open_filter(t, &l, NULL, line_out, &s, false);
	bc_expect_int(t, "bufferevent_write", bufferevent_write(l.f->bev, "ab\ncd", 5), 0);
	struct bc_bytes got = { 0 };
	recv_until(t, &l, &got, 3);
	bc_settle(t);
	bc_expect_bytes(t, "bytes at the peer before the flush", &got, "ab\n");
	bc_expect_int(t, "the filter's output keeps the unfinished line", out_len(l.f->bev), 2);
	bc_expect_int(t, "filter calls in BEV_FLUSH before the flush", s.modes[BEV_FLUSH], 0);

	/* BEV_NORMAL: the filter keeps the unfinished line (BEV_NEED_MORE), so nothing was produced. */
	int normal_calls = s.modes[BEV_NORMAL];
	bc_expect_int(t, "bufferevent_flush(filter, EV_WRITE, BEV_NORMAL) with nothing produced",
		      bufferevent_flush(l.f->bev, EV_WRITE, BEV_NORMAL), 0);
	bc_expect_int(t, "filter calls with BEV_NORMAL inside that flush", s.modes[BEV_NORMAL] - normal_calls, 1);
	bc_expect_int(t, "the filter's output after the BEV_NORMAL flush", out_len(l.f->bev), 2);

	int r = bufferevent_flush(l.f->bev, EV_WRITE, BEV_FLUSH);
	bc_expect_int(t, "filter calls with BEV_FLUSH", s.modes[BEV_FLUSH], 1);
	bc_expect_int(t, "bufferevent_flush(filter, EV_WRITE, BEV_FLUSH) with output moved", r, 1);
	bc_expect_int(t, "the filter's output after the flush", out_len(l.f->bev), 0);
	recv_until(t, &l, &got, 5);
	bc_expect_bytes(t, "bytes at the peer after the flush", &got, "ab\ncd");

	/* BEV_FINISHED reaches the filter even with nothing queued. */
	bc_expect_int(t, "bufferevent_flush(filter, EV_WRITE, BEV_FINISHED)",
		      bufferevent_flush(l.f->bev, EV_WRITE, BEV_FINISHED), 1);
	bc_expect_int(t, "filter calls with BEV_FINISHED", s.modes[BEV_FINISHED], 1);
	bc_settle(t);
	bc_expect_int(t, "eventcb calls", bc_count(l.f, 'E'), 0);
	close_filter(&l);
	bc_bytes_free(&got);
}

/* ---- QUIRK: BEV_ERROR from a filter is ignored ---- */
static enum bufferevent_filter_result error_filter(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t lim,
						   enum bufferevent_flush_mode mode, void *ctx)
{
	struct fstate *s = ctx;
	s->calls++;
	return BEV_ERROR;
}

void filter_error_ignored(struct bc_ctx *t)
{
	struct fstate s = { 0 };
	struct fl l;
	bool out = bc_param(t) == 1;
	open_filter(t, &l, out ? NULL : error_filter, out ? error_filter : NULL, &s, false);
	bufferevent_enable(l.f->bev, EV_READ);
	if (out) {
		bufferevent_write(l.f->bev, "hello", 5);
		bc_expect(t, "the output filter called inside bufferevent_write", s.calls >= 1);
	} else {
		bc_send(t, l.peer, "hello", 5);
		bc_await(t, "the input filter called", s.calls >= 1);
	}
	bc_settle(t);
	bc_expect_str(t, "callbacks after the filter returned BEV_ERROR", bc_shape(l.f), "");
	if (out) {
		bc_expect_int(t, "the filter's output keeps the bytes", out_len(l.f->bev), 5);
		bc_expect_enabled(t, "en", bufferevent_get_enabled(l.f->bev), EV_READ | EV_WRITE);
	} else {
		bc_expect_int(t, "the underlying's input keeps the bytes", in_len(l.under), 5);
		bc_expect_enabled(t, "en", bufferevent_get_enabled(l.f->bev), EV_READ | EV_WRITE);
	}
	close_filter(&l);
}

/* ---- K4: the underlying's events reach the filter's eventcb ---- */
void filter_event_eof(struct bc_ctx *t)
{
	struct fl l;
	open_filter(t, &l, NULL, NULL, NULL, false);
	bufferevent_enable(l.f->bev, EV_READ);
	bc_send(t, l.peer, "abc", 3);
	shutdown(l.peer, SHUT_WR);
	bc_await(t, "an eventcb on the filter", bc_count(l.f, 'E') >= 1);
	bc_settle(t);
	bc_expect_shape(t, l.f, "R E(READING|EOF)");
	bc_expect_int(t, "in at the EOF eventcb", bc_nth(l.f, 'E', 0)->in, 3);
	bc_expect_enabled(t, "the filter's en at its EOF eventcb", bc_nth(l.f, 'E', 0)->enabled, EV_READ | EV_WRITE);
	bc_expect_enabled(t, "the underlying's en after EOF", bufferevent_get_enabled(l.under), EV_WRITE);
	struct bc_bytes got = { 0 };
	bc_read_input(t, l.f->bev, &got, SIZE_MAX);
	bc_expect_bytes(t, "the filter's input, read after the EOF", &got, "abc");
	bc_bytes_free(&got);
	close_filter(&l);
}

void filter_event_error(struct bc_ctx *t)
{
	struct fl l;
	open_filter(t, &l, NULL, NULL, NULL, false);
	bufferevent_enable(l.f->bev, EV_READ);
	bc_fault_fail(l.fd, BC_READ, ECONNRESET, 1);
	bc_send(t, l.peer, "abc", 3);
	bc_await(t, "an eventcb on the filter", bc_count(l.f, 'E') >= 1);
	bc_settle(t);
	bc_expect_shape(t, l.f, "E(READING|ERROR)");
	bc_expect_errno(t, "errno at the filter's ERROR eventcb", bc_nth(l.f, 'E', 0)->err, ECONNRESET);
	bc_expect_enabled(t, "the filter's en at its eventcb", bc_nth(l.f, 'E', 0)->enabled, EV_READ | EV_WRITE);
	close_filter(&l);
}

/* ---- K5: freeing the filter ---- */
void filter_free(struct bc_ctx *t)
{
	bool noclose = bc_param(t) == 1;
	struct fl l;
	open_filter(t, &l, NULL, NULL, NULL, noclose);
	struct bc_fd_id fd_id = bc_fd_identity(t, l.fd);
	bufferevent_enable(l.f->bev, EV_READ);
	bc_free(l.f);
	if (!noclose) {
		struct bc_bytes got = { 0 };
		bc_await(t, "EOF at the peer", (bc_recv_avail(l.peer, &got), got.eof));
		bc_expect(t, "the fd closed", !bc_fd_same(fd_id));
		bc_expect_int(t, "bytes at the peer", got.len, 0);
		close(l.peer);
		return;
	}
	bufferevent_data_cb r, w;
	bufferevent_event_cb e;
	void *arg;
	bufferevent_getcb(l.under, &r, &w, &e, &arg);
	bc_expect(t, "the underlying's callbacks cleared", !r && !w && !e);
	bc_expect_enabled(t, "the underlying's en", bufferevent_get_enabled(l.under), EV_READ | EV_WRITE);
	/* It keeps working on its own: it reads, and it writes. */
	bc_send(t, l.peer, "abc", 3);
	bc_await(t, "the underlying reads after the filter's free", in_len(l.under) >= 3);
	struct bc_bytes got = { 0 };
	bc_read_input(t, l.under, &got, SIZE_MAX);
	bc_expect_bytes(t, "the underlying's input", &got, "abc");
	bc_bytes_free(&got);
	bc_expect_int(t, "bufferevent_write(underlying)", bufferevent_write(l.under, "xyz", 3), 0);
	bc_await(t, "bytes at the peer", (bc_recv_avail(l.peer, &got), got.len >= 3));
	bc_expect_bytes(t, "bytes at the peer", &got, "xyz");
	bufferevent_free(l.under);
	close(l.peer);
	bc_bytes_free(&got);
}

/* ---- K6 (QUIRK): a write timeout with nothing to write ---- */
void filter_timeout_write_empty(struct bc_ctx *t)
{
	const int ms = 30;
	struct fl l;
	open_filter(t, &l, NULL, NULL, NULL, false);
	struct timeval tv = { 0, ms * 1000 };
	bufferevent_set_timeouts(l.f->bev, NULL, &tv);
	double t0 = bc_now_ms();
	bufferevent_enable(l.f->bev, EV_WRITE);
	bc_await(t, "a write timeout", bc_count(l.f, 'E') >= 1);
	double dt = bc_now_ms() - t0;
	bc_settle(t);
	bc_expect(t, "not before the timeout (coarse clock: 3/4 of it)", dt >= ms * 3 / 4);
	bc_expect_shape(t, l.f, "E(WRITING|TIMEOUT)");
	bc_expect_int(t, "out at the timeout", bc_nth(l.f, 'E', 0)->out, 0);
	close_filter(&l);
}

/* ---- E9: the underlying's write high watermark limits what the filter moves ---- */
void filter_wm_write_high(struct bc_ctx *t)
{
	const size_t n = 100;
	struct fl l;
	open_filter(t, &l, NULL, NULL, NULL, false);
	bufferevent_setwatermark(l.under, EV_WRITE, 0, 10);
	unsigned char p[100];
	bc_pattern(p, n, 0);
	bc_expect_int(t, "bufferevent_write(filter, 100)", bufferevent_write(l.f->bev, p, n), 0);
	bc_expect_int(t, "the underlying's output straight after the write", out_len(l.under), 10);
	bc_expect_int(t, "the filter's output straight after the write", out_len(l.f->bev), 90);
	struct bc_bytes got = { 0 };
	recv_until(t, &l, &got, n);
	bc_settle(t);
	bc_expect_pattern(t, "bytes at the peer", &got, n);
	bc_expect_int(t, "the filter's output at the end", out_len(l.f->bev), 0);
	bc_expect(t, "a writecb", bc_count(l.f, 'W') >= 1);
	for (unsigned i = 0; i < bc_count(l.f, 'W'); i++)
		bc_expect_int(t, "out at every writecb", bc_nth(l.f, 'W', i)->out, 0);
	close_filter(&l);
	bc_bytes_free(&got);
}

/* ---- K10: bufferevent_flush(filter, EV_READ, mode) runs the input filter with that mode ---- */
void filter_in_flush(struct bc_ctx *t)
{
	struct fstate s = { 0 };
	struct fl l;
	open_filter(t, &l, line_out, NULL, &s, false); /* line_out works either way round */
	bufferevent_enable(l.f->bev, EV_READ);
	bc_send(t, l.peer, "ab\ncd", 5);
	bc_await(t, "the complete line in the filter's input", in_len(l.f->bev) >= 3);
	bc_settle(t);
	bc_expect_int(t, "the filter's input: the complete line", in_len(l.f->bev), 3);
	bc_expect_int(t, "the underlying's input keeps the unfinished line", in_len(l.under), 2);
	bc_expect_int(t, "input filter calls with BEV_FLUSH before any flush", s.modes[BEV_FLUSH], 0);

	bufferevent_flush(l.f->bev, EV_WRITE, BEV_FLUSH);
	bc_expect_int(t, "input filter calls with BEV_FLUSH inside flush(EV_WRITE)", s.modes[BEV_FLUSH], 0);
	bc_expect_int(t, "the underlying's input after flush(EV_WRITE)", in_len(l.under), 2);

	bc_expect_int(t, "bufferevent_flush(filter, EV_READ, BEV_FLUSH) with input produced",
		      bufferevent_flush(l.f->bev, EV_READ, BEV_FLUSH), 1);
	bc_expect_int(t, "input filter calls with BEV_FLUSH inside flush(EV_READ)", s.modes[BEV_FLUSH], 1);
	bc_expect_int(t, "the underlying's input after flush(EV_READ)", in_len(l.under), 0);
	struct bc_bytes got = { 0 };
	bc_read_input(t, l.f->bev, &got, SIZE_MAX);
	bc_expect_bytes(t, "the filter's input after flush(EV_READ)", &got, "ab\ncd");
	bc_bytes_free(&got);
	close_filter(&l);
}

/* ---- K13 (QUIRK): a flush of an empty pass-through filter reports data produced ---- */
void filter_flush_empty(struct bc_ctx *t)
{
	struct fl l;
	open_filter(t, &l, NULL, NULL, NULL, false);
	bufferevent_enable(l.f->bev, EV_READ);
	int w = bufferevent_flush(l.f->bev, EV_WRITE, BEV_FLUSH);
	int r = bufferevent_flush(l.f->bev, EV_READ, BEV_FLUSH);
	if (w != 1 || r != 1) {
		char got[64];
		snprintf(got, sizeof got, "EV_WRITE: %d, EV_READ: %d", w, r);
		bc_quirk_differs(t, "flush(filter, EV_WRITE / EV_READ, BEV_FLUSH) with nothing queued", got,
				 "EV_WRITE: 1, EV_READ: 1");
	}
	bc_settle(t);
	bc_expect_int(t, "writecbs after the empty flushes", bc_count(l.f, 'W'), 1);
	bc_expect_int(t, "readcbs after the empty flushes", bc_count(l.f, 'R'), 0);
	close_filter(&l);
}

/* ---- G15: a filter refuses UNLOCK_CALLBACKS without DEFER_CALLBACKS ---- */
void filter_new_unlock(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *u = bc_socket_end(t, sv[0], BEV_OPT_CLOSE_ON_FREE, "under");
	int saved = bc_stderr_silence(t); /* libevent warns "UNLOCK_CALLBACKS requires DEFER_CALLBACKS" */
	struct bufferevent *f = bufferevent_filter_new(u->bev, NULL, NULL, BEV_OPT_UNLOCK_CALLBACKS, NULL, NULL);
	bc_stderr_restore(saved);
	bc_expect(t, "bufferevent_filter_new(UNLOCK_CALLBACKS without DEFER_CALLBACKS) returns NULL", f == NULL);
	/* The refused filter took nothing over: the underlying still has its own callbacks. */
	bc_send(t, sv[1], "abc", 3);
	bufferevent_enable(u->bev, EV_READ);
	bc_await(t, "the underlying's own readcb", bc_count(u, 'R') >= 1);
	f = bufferevent_filter_new(u->bev, NULL, NULL, BEV_OPT_UNLOCK_CALLBACKS | BEV_OPT_DEFER_CALLBACKS, NULL, NULL);
	bc_expect(t, "bufferevent_filter_new(UNLOCK_CALLBACKS|DEFER_CALLBACKS) succeeds", f != NULL);
	bufferevent_free(f);
	bc_settle(t);
	bc_free(u);
	close(sv[1]);
}

/* ---- K12: disable stops that direction's timer and leaves the other running ---- */
void filter_timeout_disable(struct bc_ctx *t)
{
	const int ms = 30;
	struct fl l;
	open_filter(t, &l, NULL, NULL, NULL, false);
	struct timeval tv = { 0, ms * 1000 };
	bufferevent_set_timeouts(l.f->bev, &tv, NULL);
	bufferevent_enable(l.f->bev, EV_READ);  /* the read timer runs */
	bufferevent_disable(l.f->bev, EV_READ); /* and stops */
	bc_run_for(t, 3 * ms);
	bc_expect_str(t, "callbacks 3 timeouts after disable(EV_READ)", bc_shape(l.f), "");
	bufferevent_enable(l.f->bev, EV_READ);
	bufferevent_disable(l.f->bev, EV_WRITE);
	bc_await(t, "the read timeout, with EV_WRITE disabled", bc_count(l.f, 'E') >= 1);
	bc_settle(t);
	bc_expect_shape(t, l.f, "E(READING|TIMEOUT)");
	bc_expect_enabled(t, "en after the timeout", bufferevent_get_enabled(l.f->bev), 0);
	close_filter(&l);
}

/* ---- K3: a filter reads with its own EV_WRITE disabled ---- */
void filter_read_write_off(struct bc_ctx *t)
{
	struct fl l;
	open_filter(t, &l, NULL, NULL, NULL, false);
	bufferevent_disable(l.f->bev, EV_WRITE);
	bufferevent_enable(l.f->bev, EV_READ);
	bc_send(t, l.peer, "abc", 3);
	bc_await(t, "the filter's readcb with EV_WRITE off", bc_count(l.f, 'R') >= 1);
	bc_settle(t);
	bc_expect_shape(t, l.f, "R");
	struct bc_bytes got = { 0 };
	bc_read_input(t, l.f->bev, &got, SIZE_MAX);
	bc_expect_bytes(t, "the filter's input", &got, "abc");
	bc_bytes_free(&got);
	close_filter(&l);
}

/* ---- K14: the limit passed to the filter functions ---- */
struct limrec {
	ev_ssize_t in[8], out[8];
	int nin, nout;
};

static enum bufferevent_filter_result lim_pass(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t lim)
{
	size_t n = evbuffer_get_length(src);
	if (lim >= 0 && (size_t)lim < n)
		n = (size_t)lim;
	evbuffer_remove_buffer(src, dst, n);
	return BEV_OK;
}

static enum bufferevent_filter_result lim_in(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t lim,
					     enum bufferevent_flush_mode mode, void *ctx)
{
	struct limrec *r = ctx;
	if (r->nin < 8)
		r->in[r->nin++] = lim;
	return lim_pass(src, dst, lim);
}

static enum bufferevent_filter_result lim_out(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t lim,
					      enum bufferevent_flush_mode mode, void *ctx)
{
	struct limrec *r = ctx;
	if (r->nout < 8)
		r->out[r->nout++] = lim;
	return lim_pass(src, dst, lim);
}

void filter_limit(struct bc_ctx *t)
{
	struct limrec r = { 0 };
	struct fl l;
	open_filter(t, &l, lim_in, lim_out, &r, false);
	bufferevent_enable(l.f->bev, EV_READ);
	bc_expect_int(t, "bufferevent_write(filter, \"abc\")", bufferevent_write(l.f->bev, "abc", 3), 0);
	bc_expect_int(t, "output filter calls inside the write", r.nout, 1);
	bc_expect_int(t, "the output filter's limit without watermarks", r.out[0], -1);
	bc_send(t, l.peer, "xyz", 3);
	bc_await(t, "the input filter called", r.nin >= 1);
	bc_expect_int(t, "the input filter's limit without watermarks", r.in[0], -1);
	struct bc_bytes got = { 0 };
	recv_until(t, &l, &got, 3);
	bc_await(t, "the underlying's output written out", out_len(l.under) == 0);

	/* The underlying's write high watermark 10: the limit is what room is left below it. */
	bufferevent_setwatermark(l.under, EV_WRITE, 0, 10);
	int n0 = r.nout;
	bufferevent_write(l.f->bev, "1234", 4);
	bc_expect_int(t, "the underlying's output after writing 4", out_len(l.under), 4);
	bufferevent_write(l.f->bev, "5678901234", 10);
	bc_expect_int(t, "output filter calls for the two writes", r.nout - n0, 2);
	bc_expect_int(t, "the output filter's limit with 0 of 10 queued below", r.out[n0], 10);
	bc_expect_int(t, "the output filter's limit with 4 of 10 queued below", r.out[n0 + 1], 6);
	bc_expect_int(t, "the underlying's output: up to its high watermark", out_len(l.under), 10);
	bc_expect_int(t, "the filter's output keeps the rest", out_len(l.f->bev), 4);
	recv_until(t, &l, &got, 17);
	bc_expect_bytes(t, "bytes at the peer", &got, "abc12345678901234");
	bc_bytes_free(&got);
	close_filter(&l);
}

/* ---- E4/E5: the one byte left below a full filter input moves once it is drained ----
 * With deferred callbacks, so that a readcb that drains is not E11's stall; the readcb
 * drains, as a program must (a readcb leaving in >= H spins, E6). */
void filter_wm_read_high_rest(struct bc_ctx *t)
{
	struct fl l;
	open_filter(t, &l, NULL, NULL, NULL, false);
	struct bc_bytes got = { 0 };
	l.f->drain_on_read = true;
	l.f->received = &got;
	bufferevent_setwatermark(l.f->bev, EV_READ, 0, 4);
	bufferevent_enable(l.f->bev, EV_READ);
	unsigned char p[5];
	bc_pattern(p, 5, 0);
	bc_send(t, l.peer, p, 5);
	bc_await(t, "all 5 bytes through the filter's readcb", got.len >= 5);
	bc_settle(t);
	bc_expect_pattern(t, "bytes through the readcb", &got, 5);
	bc_expect_shape(t, l.f, "R R");
	bc_expect_int(t, "in at the first readcb (the high watermark)", bc_nth(l.f, 'R', 0)->in, 4);
	bc_expect_int(t, "in at the second readcb (the byte left below)", bc_nth(l.f, 'R', 1)->in, 1);
	bc_expect_int(t, "the underlying's input at the end", in_len(l.under), 0);
	bc_bytes_free(&got);
	close_filter(&l);
}

/* ---- K14: a write through the filter restarts its write timer ---- */
void filter_timeout_write_restart(struct bc_ctx *t)
{
	const int ms = 80;
	struct fl l;
	open_filter(t, &l, NULL, NULL, NULL, false);
	struct timeval tv = { 0, ms * 1000 };
	bufferevent_set_timeouts(l.f->bev, NULL, &tv);
	/* libevent's write timer runs from this enable even with nothing to write (K6); a write
	 * 5/8 of the way through must restart (or stop) it. On a machine too busy to come back
	 * within the timeout the first try may time out before the write: then it is repeated. */
	unsigned e0 = 0;
	for (int attempt = 0;; attempt++) {
		bufferevent_enable(l.f->bev, EV_WRITE);
		bc_run_for(t, ms * 5 / 8);
		if (bc_count(l.f, 'E') == e0)
			break;
		e0 = bc_count(l.f, 'E');
		bc_expect(t, "harness: back from the loop within the write timeout", attempt < 5);
	}
	bc_expect_int(t, "bufferevent_write(filter)", bufferevent_write(l.f->bev, "x", 1), 0);
	bc_run_for(t, ms / 2);
	bc_expect_int(t, "write timeouts within half a timeout of the write", bc_count(l.f, 'E') - e0, 0);
	struct bc_bytes got = { 0 };
	recv_until(t, &l, &got, 1);
	bc_expect_bytes(t, "bytes at the peer", &got, "x");
	bc_bytes_free(&got);
	close_filter(&l);
}

/* ---- K16 (QUIRK): a filter freed by another thread while its underlying's callback waits
 * for the filter's lock ----
 * The underlying has DEFER|UNLOCK_CALLBACKS, so its callbacks run without its own lock and
 * another thread's free can complete meanwhile. No real thread: the counting lock callbacks'
 * hook frees the filter at the first acquisition of the filter's lock after the case arms it,
 * which is where the waiting thread would find it freed. param 0: the underlying's readcb (the
 * filter freed); 1: its writecb (freed); 2: its eventcb (the filter's last reference dropped
 * with bufferevent_decref, its callbacks still set). */
static struct bc_end *hook_end;
static void *hook_lock;
static bool hook_decref;

static void record_lock(void *lock)
{
	if (!hook_lock)
		hook_lock = lock;
}

static void free_on_lock(void *lock)
{
	if (lock != hook_lock || !hook_end)
		return;
	struct bc_end *e = hook_end;
	hook_end = NULL;
	bc_lock_hook = NULL;
	if (hook_decref) {
		e->freed = true;
		bufferevent_decref(e->bev);
	} else {
		bc_free(e);
	}
}

void filter_freed_while_locking(struct bc_ctx *t)
{
	int what = bc_param(t);
	bc_locks_install(t);
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bufferevent *under = bufferevent_socket_new(t->base, sv[0], BEV_OPT_CLOSE_ON_FREE | BEV_OPT_THREADSAFE |
							   BEV_OPT_DEFER_CALLBACKS | BEV_OPT_UNLOCK_CALLBACKS);
	bc_expect(t, "bufferevent_socket_new(THREADSAFE|DEFER|UNLOCK_CALLBACKS)", under != NULL);
	struct bc_end *f = bc_watch(t, bufferevent_filter_new(under, NULL, NULL, BEV_OPT_THREADSAFE, NULL, NULL), "f");
	hook_lock = NULL;
	bc_lock_hook = record_lock;
	bufferevent_lock(f->bev);
	bc_lock_hook = NULL;
	bufferevent_unlock(f->bev);
	bc_expect(t, "harness: the filter's lock seen", hook_lock != NULL);
	bufferevent_enable(f->bev, EV_READ);
	bc_settle(t); /* the underlying's first writecb (socket writable) comes and goes */
	if (what == 1) {
		bc_expect_int(t, "bufferevent_write(filter)", bufferevent_write(f->bev, "xyz", 3), 0);
		bc_settle(t);
		bc_expect_int(t, "the filter's output after the write", out_len(f->bev), 0);
		/* the underlying's output is written from the loop, its writecb follows */
	}
	hook_end = f;
	hook_decref = what == 2;
	bc_lock_hook = free_on_lock;
	struct bc_bytes got = { 0 };
	if (what == 0) {
		bc_send(t, sv[1], "abc", 3);
	} else if (what == 1) {
		bufferevent_write(under, "!", 1); /* nothing through the filter: its lock stays free */
	} else {
		shutdown(sv[1], SHUT_WR);
	}
	bool fired = bc_wait_until(t, BC_DEADLINE_MS, hook_end == NULL);
	bc_lock_hook = NULL;
	if (!fired) {
		hook_end = NULL;
		bc_fail(t, "harness: the filter's lock taken from the underlying's callback", "not taken", "taken");
	}
	bc_settle(t);
	bc_expect_str(t, "callbacks on the filter after it was freed", bc_shape(f), what == 1 ? "W" : "");
	bc_recv_avail(sv[1], &got);
	bc_bytes_free(&got);
	bufferevent_free(under);
	bc_settle(t);
	close(sv[1]);
}
