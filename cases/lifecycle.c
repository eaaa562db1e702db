/* Area G, continued: free from every callback and over every kind, callbacks set to
 * NULL and read back, deferred callbacks (never inline, same pass, coalescing, order,
 * errno), bufferevent_trigger*, getfd/setfd, constructor options, get_base, flush on a
 * socket, and the read/write helpers. The cases in hello.c cover the hello-world flow
 * and free on a socket bufferevent. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "bevconf.h"

static size_t in_len(const struct bc_end *e)
{
	return evbuffer_get_length(bufferevent_get_input(e->bev));
}

static size_t out_len(const struct bc_end *e)
{
	return evbuffer_get_length(bufferevent_get_output(e->bev));
}

/* Queue every callback kind as deferred, then free: none of them may run. */
static void queue_then_free(struct bc_end *e)
{
	bufferevent_trigger(e->bev, EV_READ | EV_WRITE, BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
	bufferevent_trigger_event(e->bev, BEV_EVENT_ERROR, BEV_TRIG_DEFER_CALLBACKS);
	bc_free(e);
}

/* ---- G2: free outside any callback, with deferred callbacks queued and I/O pending ---- */
void free_queued(struct bc_ctx *t)
{
	struct bc_link l;
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
	struct bc_end *e = l.e;
	bufferevent_enable(e->bev, EV_READ);
	bc_link_send(t, &l, "abc", 3);      /* a read pending (pair: a readcb already queued) */
	bufferevent_write(e->bev, "xyz", 3); /* a write pending (filter: writecb already run, inline) */
	unsigned before = bc_count(e, 0);
	queue_then_free(e);
	bc_settle(t);
	bc_expect_int(t, "callbacks after the free", bc_count(e, 0) - before, 0);
	bc_link_close(t, &l);
}

/* ---- G2, G3, G4: free inside writecb, readcb or eventcb, over every kind ---- */
enum { IN_READCB = 1, IN_EVENTCB = 2, IN_WRITECB = 3 };

static void free_on_read(struct bc_end *e) { queue_then_free(e); }
static void free_on_write(struct bc_end *e) { queue_then_free(e); }
static void free_on_event(struct bc_end *e, short what) { (void)what; queue_then_free(e); }

void free_in_cb(struct bc_ctx *t)
{
	int where = bc_param(t);
	char msg[] = "0123456789";
	struct bc_link l;
	struct bc_bytes got = { 0 };
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
	struct bc_end *e = l.e;
	struct bc_fd_id fd_id = { -1, 0, 0 };
	if (l.fd >= 0)
		fd_id = bc_fd_identity(t, l.fd);
	bufferevent_enable(e->bev, EV_READ);
	char kind = 0;
	switch (where) {
	case IN_READCB:
		e->on_read = free_on_read;
		bc_link_send(t, &l, "abc", 3);
		bc_link_finish(t, &l); /* an EOF right behind the data */
		kind = 'R';
		break;
	case IN_EVENTCB:
		e->on_event = free_on_event;
		bc_link_finish(t, &l);
		kind = 'E';
		break;
	case IN_WRITECB:
		e->on_write = free_on_write;
		bc_link_send(t, &l, "abc", 3); /* a read pending too */
		bufferevent_write(e->bev, msg, 10);
		memset(msg, '#', 10); /* the program's buffer is its own again (A2) */
		kind = 'W';
		break;
	}
	bc_await(t, "a callback that frees", e->freed);
	bc_pass(t);
	if (l.fd >= 0)
		bc_expect(t, "fd closed (CLOSE_ON_FREE) by the end of the next loop pass", !bc_fd_same(fd_id));
	bc_settle(t);
	/* What ran before the freeing callback is the kinds' business (deferred runs put readcb
	 * first; a pair's EOF comes with a readcb, H); the freeing one must be the last. */
	bc_expect_int(t, "callbacks of the freeing kind", bc_count(e, kind), 1);
	bc_expect(t, "the freeing callback is the last one", bc_nth(e, 0, bc_count(e, 0) - 1)->kind == kind);
	if (where == IN_WRITECB && l.partner) {
		bc_link_recv(t, &l, &got);
		bc_expect_bytes(t, "bytes at the partner (handed over before writecb)", &got, "0123456789");
	}
	bc_link_close(t, &l);
	bc_bytes_free(&got);
}

/* ---- G4: when CLOSE_ON_FREE closes the fd ---- */
void free_close_moment(struct bc_ctx *t)
{
	struct bc_link l;
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
	struct bc_fd_id fd_id = bc_fd_identity(t, l.fd);
	bufferevent_enable(l.e->bev, EV_READ);
	bc_pass(t);
	bc_free(l.e);
	if (bc_param(t) == 1)
		bc_expect(t, "fd still open right after bufferevent_free returns (closed by a finalizer)", bc_fd_same(fd_id));
	bc_pass(t);
	bc_expect(t, "fd closed by the end of the next loop pass", !bc_fd_same(fd_id));
	struct bc_bytes got = { 0 };
	bc_await(t, "EOF at the peer", (bc_recv_avail(l.peer, &got), got.eof));
	bc_link_close(t, &l);
	bc_bytes_free(&got);
}

/* ---- G7: NULL callbacks silence notifications, not I/O ---- */
void setcb_null(struct bc_ctx *t)
{
	struct bc_link l;
	struct bc_bytes got = { 0 };
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
	struct bc_end *e = l.e;
	bufferevent_setcb(e->bev, NULL, NULL, NULL, NULL);
	bufferevent_enable(e->bev, EV_READ);
	bc_link_send(t, &l, "12345", 5);
	char msg[] = "abc";
	bc_expect_int(t, "bufferevent_write", bufferevent_write(e->bev, msg, 3), 0);
	memset(msg, '#', 3); /* the program's buffer is its own again (A2) */
	bc_await(t, "5 bytes in the input and 3 at the far end",
		 in_len(e) == 5 && (bc_link_recv(t, &l, &got), got.len == 3));
	bc_expect_bytes(t, "bytes at the far end", &got, "abc");
	bc_expect_int(t, "output length", out_len(e), 0);
	if (!l.partner && !l.under) {
		/* On a socket, EOF still switches EV_READ off, silently. */
		bc_link_finish(t, &l);
		bc_await(t, "EV_READ switched off by the EOF",
			 !(bufferevent_get_enabled(e->bev) & EV_READ));
		bc_expect_enabled(t, "en after the EOF", bufferevent_get_enabled(e->bev), EV_WRITE);
	}
	bc_settle(t);
	bc_expect_int(t, "input length", in_len(e), 5);
	bc_expect_shape(t, e, "");
	bc_bytes_free(&got);
	bc_read_input(t, e->bev, &got, SIZE_MAX);
	bc_expect_bytes(t, "the input", &got, "12345");
	bc_link_close(t, &l);
	bc_bytes_free(&got);
}

/* ---- G8: setcb and getcb ---- */
void setcb_getcb(struct bc_ctx *t)
{
	struct bc_link l;
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
	struct bc_end *e = l.e;
	bufferevent_data_cb r = NULL, w = NULL;
	bufferevent_event_cb ev = NULL;
	void *arg = NULL;
	bufferevent_getcb(e->bev, &r, &w, &ev, &arg);
	bc_expect(t, "getcb returns the three callbacks set by the recorder", r && w && ev);
	bc_expect(t, "getcb returns the callback argument", arg == e);

	int other;
	bufferevent_setcb(e->bev, NULL, NULL, NULL, &other);
	bufferevent_data_cb r2 = r, w2 = w;
	bufferevent_event_cb ev2 = ev;
	void *arg2 = NULL;
	bufferevent_getcb(e->bev, &r2, &w2, &ev2, &arg2);
	bc_expect(t, "getcb after setcb(NULL, NULL, NULL): all NULL", !r2 && !w2 && !ev2);
	bc_expect(t, "getcb returns the new argument", arg2 == &other);
	bufferevent_getcb(e->bev, NULL, NULL, NULL, NULL); /* every out-pointer may be NULL */
	bufferevent_trigger(e->bev, EV_READ | EV_WRITE, BEV_TRIG_IGNORE_WATERMARKS);
	bufferevent_trigger_event(e->bev, BEV_EVENT_ERROR, 0);
	bc_settle(t);
	bc_expect_shape(t, e, "");

	/* Put the saved ones back: they run again. */
	bufferevent_setcb(e->bev, r, w, ev, arg);
	bufferevent_trigger(e->bev, EV_READ | EV_WRITE, BEV_TRIG_IGNORE_WATERMARKS);
	bufferevent_trigger_event(e->bev, BEV_EVENT_ERROR, 0);
	bc_settle(t);
	bc_expect_shape(t, e, "R W E(ERROR)");
	bc_link_close(t, &l);
}

/* ---- G9: deferred callbacks never run inline, and run within the same loop pass ---- */
void defer_never_inline(struct bc_ctx *t)
{
	struct bc_link l;
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS, "bev");
	struct bc_end *e = l.e;
	bufferevent_trigger(e->bev, EV_READ | EV_WRITE, BEV_TRIG_IGNORE_WATERMARKS);
	bufferevent_trigger_event(e->bev, BEV_EVENT_ERROR, 0);
	bc_expect_shape(t, e, "");
	bc_pass(t);
	bc_expect_shape(t, e, "R W E(ERROR)");

	/* A write event and its deferred writecb: one pass. */
	bc_expect_int(t, "bufferevent_write", bufferevent_write(e->bev, "abc", 3), 0);
	bc_expect_shape(t, e, "R W E(ERROR)");
	bc_pass(t);
	bc_expect_int(t, "output length after one pass", out_len(e), 0);
	bc_expect_shape(t, e, "R W E(ERROR) W");
	bc_settle(t);
	bc_expect_shape(t, e, "R W E(ERROR) W");
	bc_link_close(t, &l);
}

/* ---- G10: coalescing and order of one deferred run ---- */
void defer_order(struct bc_ctx *t)
{
	struct bc_link l;
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
	struct bc_end *e = l.e;
	const int d = BEV_TRIG_DEFER_CALLBACKS;
	bufferevent_trigger_event(e->bev, BEV_EVENT_EOF | BEV_EVENT_READING, d);
	bufferevent_trigger(e->bev, EV_WRITE, d | BEV_TRIG_IGNORE_WATERMARKS);
	bufferevent_trigger(e->bev, EV_READ, d | BEV_TRIG_IGNORE_WATERMARKS);
	bufferevent_trigger(e->bev, EV_READ, d | BEV_TRIG_IGNORE_WATERMARKS);
	bufferevent_trigger_event(e->bev, BEV_EVENT_ERROR | BEV_EVENT_WRITING, d);
	bufferevent_trigger_event(e->bev, BEV_EVENT_CONNECTED, d);
	bc_expect_shape(t, e, "");
	bc_pass(t);
	bc_expect_shape(t, e, "E(CONNECTED) R W E(READING|WRITING|EOF|ERROR)");
	bc_settle(t);
	bc_expect_shape(t, e, "E(CONNECTED) R W E(READING|WRITING|EOF|ERROR)");
	bc_link_close(t, &l);
}

/* ---- G11: bufferevent_trigger* inline, or deferred on request ---- */
void trigger_inline(struct bc_ctx *t)
{
	struct bc_link l;
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
	struct bc_end *e = l.e;
	bufferevent_trigger(e->bev, EV_READ, BEV_TRIG_IGNORE_WATERMARKS);
	bc_expect_shape(t, e, "R");
	bufferevent_trigger(e->bev, EV_WRITE, BEV_TRIG_IGNORE_WATERMARKS);
	bc_expect_shape(t, e, "R W");
	bufferevent_trigger_event(e->bev, BEV_EVENT_READING | BEV_EVENT_TIMEOUT, 0);
	bc_expect_shape(t, e, "R W E(READING|TIMEOUT)");
	bc_expect_enabled(t, "en: trigger_event disables nothing", bufferevent_get_enabled(e->bev), EV_WRITE);

	bufferevent_trigger(e->bev, EV_READ, BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
	bufferevent_trigger_event(e->bev, BEV_EVENT_WRITING | BEV_EVENT_ERROR, BEV_TRIG_DEFER_CALLBACKS);
	bc_expect_shape(t, e, "R W E(READING|TIMEOUT)");
	bc_pass(t);
	bc_expect_shape(t, e, "R W E(READING|TIMEOUT) R E(WRITING|ERROR)");
	bc_settle(t);
	bc_expect_shape(t, e, "R W E(READING|TIMEOUT) R E(WRITING|ERROR)");
	bc_link_close(t, &l);
}

/* ---- G12: trigger honours the watermarks unless told not to ---- */
void trigger_watermarks(struct bc_ctx *t)
{
	struct bc_link l;
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
	struct bc_end *e = l.e;
	bufferevent_setwatermark(e->bev, EV_READ, 10, 0);
	bufferevent_enable(e->bev, EV_READ);
	bc_link_send(t, &l, "12345", 5);
	bc_await(t, "5 bytes in the input (below the low watermark 10)", in_len(e) == 5);
	bufferevent_disable(e->bev, EV_WRITE);
	bufferevent_write(e->bev, "0123456789", 10);
	bc_settle(t);
	bc_expect_shape(t, e, "");
	const int now = 0; /* inline (pair: deferred, run by the pass below) */

	bufferevent_trigger(e->bev, EV_READ | EV_WRITE, now);
	bc_passes(t, 2);
	bc_expect_shape(t, e, "");
	bufferevent_trigger(e->bev, EV_READ, BEV_TRIG_IGNORE_WATERMARKS);
	bc_passes(t, 2);
	bc_expect_shape(t, e, "R");
	bufferevent_trigger(e->bev, EV_WRITE, BEV_TRIG_IGNORE_WATERMARKS);
	bc_passes(t, 2);
	bc_expect_shape(t, e, "R W");
	/* Within the watermarks a plain trigger runs the callback. */
	bufferevent_setwatermark(e->bev, EV_READ, 5, 0);
	bufferevent_setwatermark(e->bev, EV_WRITE, 10, 0);
	bufferevent_trigger(e->bev, EV_READ | EV_WRITE, now);
	bc_passes(t, 2);
	bc_expect_shape(t, e, "R W R W");
	bc_expect_int(t, "in at the last readcb", bc_nth(e, 'R', 1)->in, 5);
	bc_expect_int(t, "out at the last writecb", bc_nth(e, 'W', 1)->out, 10);
	bc_link_close(t, &l);
}

/* ---- G13: a deferred eventcb sees the errno of the moment it was queued ---- */
void defer_errno(struct bc_ctx *t)
{
	struct bc_link l;
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
	struct bc_end *e = l.e;
	EVUTIL_SET_SOCKET_ERROR(EPROTO);
	bufferevent_trigger_event(e->bev, BEV_EVENT_ERROR, BEV_TRIG_DEFER_CALLBACKS);
	EVUTIL_SET_SOCKET_ERROR(ENOENT);
	bc_pass(t);
	bc_expect_shape(t, e, "E(ERROR)");
	bc_expect_errno(t, "errno inside the deferred eventcb", bc_nth(e, 'E', 0)->err, EPROTO);
	bc_link_close(t, &l);
}

/* ---- G14: getfd and setfd ---- */
void getfd_setfd(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_fd_id fd_id = bc_fd_identity(t, sv[0]);
	struct bc_end *e = bc_socket_end(t, -1, bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	bc_expect_int(t, "getfd of a bufferevent made with fd -1", bufferevent_getfd(e->bev), -1);
	bufferevent_enable(e->bev, EV_READ);
	bc_send(t, sv[1], "abc", 3);
	bc_settle(t);
	bc_expect_shape(t, e, "");
	bc_expect_int(t, "bufferevent_setfd", bufferevent_setfd(e->bev, sv[0]), 0);
	bc_expect_int(t, "getfd after setfd", bufferevent_getfd(e->bev), sv[0]);
	bc_expect_enabled(t, "en after setfd", bufferevent_get_enabled(e->bev), EV_READ | EV_WRITE);
	bc_await(t, "a readcb and a writecb: both enabled directions live on the new fd",
		 bc_count(e, 'R') >= 1 && bc_count(e, 'W') >= 1);
	bc_settle(t);
	bc_expect_int(t, "readcbs", bc_count(e, 'R'), 1);
	bc_expect_int(t, "writecbs", bc_count(e, 'W'), 1);
	bc_expect_int(t, "eventcbs", bc_count(e, 'E'), 0);
	bc_expect_int(t, "in at readcb", bc_nth(e, 'R', 0)->in, 3);
	bc_expect_int(t, "out at writecb", bc_nth(e, 'W', 0)->out, 0);
	struct bc_bytes got = { 0 };
	bc_read_input(t, e->bev, &got, SIZE_MAX);
	bc_expect_bytes(t, "the input: what was waiting on the fd", &got, "abc");
	bc_bytes_free(&got);
	bc_free(e);
	bc_pass(t);
	bc_expect(t, "the fd given by setfd is closed on free (CLOSE_ON_FREE)", !bc_fd_same(fd_id));
	close(sv[1]);
}

/* ---- G15: UNLOCK_CALLBACKS needs DEFER_CALLBACKS ---- */
void new_unlock_without_defer(struct bc_ctx *t)
{
	int saved = bc_stderr_silence(t); /* libevent warns "UNLOCK_CALLBACKS requires DEFER_CALLBACKS" */
	struct bufferevent *b = bufferevent_socket_new(t->base, -1, BEV_OPT_UNLOCK_CALLBACKS);
	bc_stderr_restore(saved);
	if (b)
		bufferevent_free(b);
	bc_expect(t, "bufferevent_socket_new(UNLOCK_CALLBACKS without DEFER_CALLBACKS) returns NULL", b == NULL);
	b = bufferevent_socket_new(t->base, -1, BEV_OPT_UNLOCK_CALLBACKS | BEV_OPT_DEFER_CALLBACKS);
	bc_expect(t, "bufferevent_socket_new(UNLOCK_CALLBACKS|DEFER_CALLBACKS) succeeds", b != NULL);
	bufferevent_free(b);
}

/* ---- G16: get_base ---- */
void get_base(struct bc_ctx *t)
{
	struct bc_link l;
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
	bc_expect(t, "bufferevent_get_base is the base given at creation", bufferevent_get_base(l.e->bev) == t->base);
	bc_link_close(t, &l);
}

/* ---- G17: flush on a socket bufferevent returns 0 and does nothing ---- */
void flush_socket(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *e = bc_socket_end(t, sv[0], bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	bufferevent_enable(e->bev, EV_READ);
	bufferevent_disable(e->bev, EV_WRITE);
	bufferevent_write(e->bev, "abc", 3);
	bc_send(t, sv[1], "xy", 2);
	static const enum bufferevent_flush_mode modes[] = { BEV_NORMAL, BEV_FLUSH, BEV_FINISHED };
	for (int i = 0; i < 3; i++) {
		bc_expect_int(t, "bufferevent_flush(EV_WRITE)", bufferevent_flush(e->bev, EV_WRITE, modes[i]), 0);
		bc_expect_int(t, "bufferevent_flush(EV_READ)", bufferevent_flush(e->bev, EV_READ, modes[i]), 0);
		bc_expect_int(t, "bufferevent_flush(EV_READ|EV_WRITE)",
			      bufferevent_flush(e->bev, EV_READ | EV_WRITE, modes[i]), 0);
	}
	bc_expect_shape(t, e, "");
	bc_expect_int(t, "output length: nothing flushed", out_len(e), 3);
	bc_expect_int(t, "input length: nothing read by flush", in_len(e), 0);
	bc_expect_enabled(t, "en", bufferevent_get_enabled(e->bev), EV_READ);
	bc_await(t, "the pending read still comes", bc_count(e, 'R') >= 1);
	bc_settle(t);
	struct bc_bytes got = { 0 };
	bc_recv_avail(sv[1], &got);
	bc_expect_int(t, "bytes at the peer (EV_WRITE off)", got.len, 0);
	bc_expect_shape(t, e, "R");
	bc_read_input(t, e->bev, &got, SIZE_MAX);
	bc_expect_bytes(t, "the input", &got, "xy");
	bc_free(e);
	close(sv[1]);
	bc_bytes_free(&got);
}

/* ---- G18: write_buffer, read, read_buffer ---- */
void io_helpers(struct bc_ctx *t)
{
	struct bc_link l;
	struct bc_bytes got = { 0 };
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
	struct bc_end *e = l.e;
	struct evbuffer *b = evbuffer_new();
	evbuffer_add(b, "hello", 5);
	bc_expect_int(t, "bufferevent_write_buffer", bufferevent_write_buffer(e->bev, b), 0);
	bc_expect_int(t, "source evbuffer after write_buffer (moved, not copied)", evbuffer_get_length(b), 0);
	bc_await(t, "5 bytes at the far end", (bc_link_recv(t, &l, &got), got.len >= 5));
	bc_expect(t, "the far end got the evbuffer's bytes", memcmp(got.data, "hello", 5) == 0);

	bufferevent_enable(e->bev, EV_READ);
	bc_link_send(t, &l, "0123456789", 10);
	bc_await(t, "10 bytes in the input", in_len(e) == 10);
	char buf[16] = { 0 };
	bc_expect_int(t, "bufferevent_read(4)", (long long)bufferevent_read(e->bev, buf, 4), 4);
	bc_expect_buf(t, "bytes from bufferevent_read", buf, strnlen(buf, sizeof buf), "0123");
	bc_expect_int(t, "input length after read(4)", in_len(e), 6);
	bc_expect_int(t, "bufferevent_read_buffer", bufferevent_read_buffer(e->bev, b), 0);
	bc_expect_int(t, "input length after read_buffer", in_len(e), 0);
	bc_expect_int(t, "evbuffer length after read_buffer", evbuffer_get_length(b), 6);
	memset(buf, 0, sizeof buf);
	evbuffer_remove(b, buf, sizeof buf);
	bc_expect_buf(t, "bytes from read_buffer", buf, strnlen(buf, sizeof buf), "456789");
	bc_expect_int(t, "bufferevent_read on an empty input", (long long)bufferevent_read(e->bev, buf, 4), 0);
	evbuffer_free(b);
	bc_link_close(t, &l);
	bc_bytes_free(&got);
}
