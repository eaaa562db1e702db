/* Deprecated and seldom-used bufferevent API: bufferevent_new/base_set, settimeout,
 * priorities, clearing a pending write timeout, rate limits. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "extra_api.h"

/* ---- G22: bufferevent_new + bufferevent_base_set. param 1 socket, 2 pair, 3 filter ---- */
static void nop_data(struct bufferevent *b, void *a) { (void)b; (void)a; }
static void nop_event(struct bufferevent *b, short w, void *a) { (void)b; (void)w; (void)a; }

void compat_new(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	if (bc_param(t) != 1) {
		struct bufferevent *p[2] = { NULL, NULL }, *u = NULL, *f;
		if (bc_param(t) == 2) {
			bc_expect_int(t, "pair_new", bufferevent_pair_new(t->base, 0, p), 0);
			f = p[0];
		} else {
			u = bufferevent_socket_new(t->base, sv[0], BEV_OPT_CLOSE_ON_FREE);
			f = bufferevent_filter_new(u, NULL, NULL, BEV_OPT_CLOSE_ON_FREE, NULL, NULL);
		}
		bc_expect_int(t, "bufferevent_base_set on a non-socket bufferevent", bufferevent_base_set(t->base, f), -1);
		bufferevent_free(f);
		if (p[1])
			bufferevent_free(p[1]);
		if (!u)
			close(sv[0]);
		close(sv[1]);
		return;
	}
	int arg = 7;
	/* bufferevent_new uses the global current base, which event_init sets. */
	struct event_base *global = event_init();
	struct bc_fd_id fd_id = bc_fd_identity(t, sv[0]);
	struct bufferevent *b = bufferevent_new(sv[0], nop_data, nop_data, nop_event, &arg);
	bc_expect(t, "bufferevent_new", b != NULL);
	bufferevent_data_cb r, w;
	bufferevent_event_cb ev;
	void *a;
	bufferevent_getcb(b, &r, &w, &ev, &a);
	bc_expect(t, "bufferevent_new installs the callbacks", r == nop_data && w == nop_data && ev == nop_event && a == &arg);
	bc_expect_int(t, "bufferevent_base_set", bufferevent_base_set(t->base, b), 0);
	bc_expect(t, "get_base after base_set", bufferevent_get_base(b) == t->base);
	struct bc_end *e = bc_watch(t, b, "n");
	bufferevent_enable(b, EV_READ);
	bc_send(t, sv[1], "abc", 3);
	bc_await(t, "readcb from the base set", bc_count(e, 'R') >= 1);
	bc_expect_int(t, "bytes read", evbuffer_get_length(bufferevent_get_input(b)), 3);
	struct bc_bytes got = { 0 };
	bc_read_input(t, b, &got, SIZE_MAX);
	bc_expect_bytes(t, "the input", &got, "abc");
	bc_bytes_free(&got);
	bufferevent_write(b, "xy", 2);
	bc_await(t, "writecb", bc_count(e, 'W') >= 1);
	bc_free(e);
	bc_expect(t, "bufferevent_new does not own the fd", bc_fd_same(fd_id));
	event_base_free(global);
	close(sv[0]);
	close(sv[1]);
}

/* ---- G22 (QUIRK): bufferevent_base_set on a bufferevent with reading enabled ---- */
void compat_base_set_enabled(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *e = bc_socket_end(t, sv[0], BEV_OPT_CLOSE_ON_FREE, "s");
	bufferevent_enable(e->bev, EV_READ);
	struct event_base *other = event_base_new();
	bc_expect_int(t, "base_set to another base while reading is enabled", bufferevent_base_set(other, e->bev), -1);
	/* libevent has already switched bev's base pointer: switch it back (also fails). */
	bc_expect_int(t, "base_set back to the old base", bufferevent_base_set(t->base, e->bev), -1);
	bc_send(t, sv[1], "a", 1);
	bc_await(t, "reading continues on the old base", bc_count(e, 'R') >= 1);
	bc_free(e);
	event_base_free(other);
	close(sv[1]);
}

/* ---- G23: priorities ---- */
void compat_priority(struct bc_ctx *t)
{
	bc_expect_int(t, "event_base_priority_init(3)", event_base_priority_init(t->base, 3), 0);
	struct bc_link l;
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "b");
	struct bufferevent *b = l.e->bev;
	if (t->param & (BC_PAIR | BC_FILTER)) {
		bc_expect_int(t, "get_priority of a non-socket bufferevent: the middle one", bufferevent_get_priority(b), 1);
		bc_expect_int(t, "priority_set on a non-socket bufferevent", bufferevent_priority_set(b, 0), -1);
		bc_link_close(t, &l);
		return;
	}
	bc_expect_int(t, "default priority is the middle one", bufferevent_get_priority(b), 1);
	bc_expect_int(t, "priority_set(0)", bufferevent_priority_set(b, 0), 0);
	bc_expect_int(t, "get_priority", bufferevent_get_priority(b), 0);
	bc_expect_int(t, "priority_set(3) with 3 priorities", bufferevent_priority_set(b, 3), -1);
	bc_expect_int(t, "get_priority unchanged", bufferevent_get_priority(b), 0);
	bufferevent_enable(b, EV_READ);
	bc_link_send(t, &l, "hi", 2);
	bc_await(t, "readcb at priority 0", bc_count(l.e, 'R') >= 1);
	bc_link_close(t, &l);
}

/* ---- F14: bufferevent_settimeout. param 1 (0,0) clears, 2 (1,1) replaces a 20 ms timeout ---- */
/* A stalled machine (valgrind, load) can let a 20 ms timer expire before the case
 * changes it: such an attempt proves nothing and is repeated, up to 5 times. */
#define STALL_MS 10

void compat_settimeout(struct bc_ctx *t)
{
	for (int attempt = 1;; attempt++) {
		struct bc_link l;
		bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "b");
		struct timeval tv = { 0, 20000 };
		double t0 = bc_now_ms();
		bufferevent_set_timeouts(l.e->bev, &tv, &tv);
		bufferevent_enable(l.e->bev, EV_READ);
		if (l.fd >= 0)
			bc_fault_fail(l.fd, BC_WRITE, EAGAIN, 1000000);
		bufferevent_write(l.e->bev, "x", 1);
		bc_pass(t);
		if (bc_param(t) == 1)
			bufferevent_settimeout(l.e->bev, 0, 0);
		else
			bufferevent_settimeout(l.e->bev, 1, 1);
		bool stalled = bc_now_ms() - t0 > STALL_MS;
		bc_run_for(t, 70);
		if (!stalled || attempt == 5)
			bc_expect_shape(t, l.e, "");
		bc_fault_reset();
		bc_link_close(t, &l);
		if (!stalled)
			return;
	}
}

/* ---- F15: clearing a write timeout while the write is pending ---- */
void compat_clear_write_timeout(struct bc_ctx *t)
{
	struct bc_link l;
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "b");
	/* Fill the socket so it is really not writable (a faked EAGAIN would keep the
	 * persistent write event firing, which pushes its timeout back). */
	bc_fill_socket(l.fd);
	struct timeval tv = { 0, 20000 };
	bufferevent_set_timeouts(l.e->bev, NULL, &tv);
	bufferevent_write(l.e->bev, "x", 1);
	bc_pass(t);
	bufferevent_set_timeouts(l.e->bev, NULL, NULL);
	bc_run_for(t, 70);
	bc_expect_shape(t, l.e, "");
	struct bc_bytes sink = {0};
	bc_await(t, "the write completes once the peer reads",
		(bc_recv_avail(l.peer, &sink), bc_count(l.e, 'W') >= 1));
	bc_bytes_free(&sink);
	bc_link_close(t, &l);
}

/* A linked socket bufferevent under the rate limit cfg, reading (drained into *in). */
static void open_rate_limited(struct bc_ctx *t, struct bc_link *l, struct ev_token_bucket_cfg *cfg,
			      struct bc_bytes *in)
{
	bc_link_open(t, l, BEV_OPT_CLOSE_ON_FREE, "b");
	bc_expect(t, "ev_token_bucket_cfg_new", cfg != NULL);
	bc_expect_int(t, "set_rate_limit", bufferevent_set_rate_limit(l->e->bev, cfg), 0);
	bufferevent_enable(l->e->bev, EV_READ);
	l->e->drain_on_read = true;
	l->e->received = in;
}

/* ---- G24: a generous rate limit changes nothing visible; freeing with it set is clean ---- */
void compat_ratelimit(struct bc_ctx *t)
{
	struct bc_link l;
	struct bc_bytes in = {0};
	struct ev_token_bucket_cfg *cfg = ev_token_bucket_cfg_new(1 << 20, 1 << 20, 1 << 20, 1 << 20, NULL);
	open_rate_limited(t, &l, cfg, &in);
	unsigned char buf[3000];
	bc_pattern(buf, sizeof buf, 0);
	bc_link_send(t, &l, buf, sizeof buf);
	bufferevent_write(l.e->bev, buf, sizeof buf);
	memset(buf, 0, sizeof buf); /* the program's buffer is its own again (A2) */
	struct bc_bytes out = { 0 };
	bc_await(t, "data in and out", in.len >= sizeof buf && bc_count(l.e, 'W') >= 1 &&
		 (bc_link_recv(t, &l, &out), out.len >= sizeof buf));
	bc_expect_pattern(t, "bytes read", &in, sizeof buf);
	bc_expect_pattern(t, "bytes at the far end", &out, sizeof buf);
	bc_bytes_free(&out);
	if (bc_param(t) == 1)
		bc_expect_int(t, "set_rate_limit(NULL)", bufferevent_set_rate_limit(l.e->bev, NULL), 0);
	bc_link_close(t, &l);
	ev_token_bucket_cfg_free(cfg);
	bc_bytes_free(&in);
}

/* ---- G27: while the rate limit holds writing back, reading goes on and no write timeout
 * runs. Write bucket: 1 byte per 10 s tick, so 1 of 6 bytes goes and the rest waits. ---- */
void compat_ratelimit_write_held(struct bc_ctx *t)
{
	struct bc_link l;
	struct bc_bytes in = {0};
	struct timeval tick = { 10, 0 };
	struct ev_token_bucket_cfg *cfg = ev_token_bucket_cfg_new(1 << 20, 1 << 20, 1, 1, &tick);
	open_rate_limited(t, &l, cfg, &in);
	bc_expect_int(t, "bufferevent_write", bufferevent_write(l.e->bev, "abcdef", 6), 0);
	struct bc_bytes out = {0};
	bc_await(t, "the first byte at the far end", (bc_link_recv(t, &l, &out), out.len >= 1));
	bc_passes(t, 3);
	bc_link_send(t, &l, "hi", 2);
	bc_await(t, "the peer's bytes read while writing is held back", in.len >= 2);
	bc_expect_buf(t, "bytes read", in.data, in.len, "hi");
	/* The socket really not writable: a write event that may not run is not rescheduled. */
	bc_fill_socket(l.fd);
	struct timeval tv = { 0, 20000 };
	bufferevent_set_timeouts(l.e->bev, NULL, &tv);
	bc_run_for(t, 80);
	bc_expect_int(t, "eventcbs (no write timeout while the rate limit holds writing)", bc_count(l.e, 'E'), 0);
	bc_bytes_free(&out);
	bc_link_close(t, &l);
	ev_token_bucket_cfg_free(cfg);
	bc_bytes_free(&in);
}

/* ---- G23: deferred callbacks run at the bufferevent's priority n/2. An event of priority
 * n/2 - 1 that keeps making itself active runs to its end before a queued readcb. ---- */
static int prio_a_left, prio_n;
static char prio_log[16];
static struct event *prio_a;
static void prio_a_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what; (void)arg;
	if (prio_n < 15)
		prio_log[prio_n++] = 'A';
	if (--prio_a_left > 0)
		event_active(prio_a, EV_TIMEOUT, 1);
}
static void prio_on_read(struct bc_end *e)
{
	(void)e;
	if (prio_n < 15)
		prio_log[prio_n++] = 'R';
}

void compat_priority_deferred(struct bc_ctx *t)
{
	bc_expect_int(t, "event_base_priority_init(4)", event_base_priority_init(t->base, 4), 0);
	int opts = BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS |
		(bc_param(t) ? BEV_OPT_UNLOCK_CALLBACKS : 0);
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *e = bc_socket_end(t, sv[0], opts, "b");
	bc_expect(t, "bufferevent_socket_new", e->bev != NULL);
	e->on_read = prio_on_read;
	prio_a = event_new(t->base, -1, 0, prio_a_cb, NULL);
	bc_expect(t, "event_new", prio_a != NULL);
	bc_expect_int(t, "event_priority_set(1)", event_priority_set(prio_a, 1), 0);
	prio_a_left = 3;
	bufferevent_trigger(e->bev, EV_READ, BEV_TRIG_IGNORE_WATERMARKS);
	event_active(prio_a, EV_TIMEOUT, 1);
	bc_await(t, "the deferred readcb", bc_count(e, 'R') >= 1 && prio_a_left <= 0);
	bc_expect_str(t, "order: the priority-1 event three times, then the readcb (priority 2)", prio_log, "AAAR");
	bc_free(e);
	close(sv[1]);
	event_free(prio_a);
}
