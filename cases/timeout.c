/* Area F: enable/disable and timeouts. Most cases run over a bc_link (socket, pair,
 * pass-through filter; with and without deferred callbacks). Timeouts are tens of ms;
 * a lower bound on an elapsed time allows a few ms for libevent's cached loop time,
 * "nothing happens" windows are at least twice the timeout. */
#include <string.h>
#include <unistd.h>

#include "bevconf.h"

#define TMO 25     /* ms: the timeout under test */
#define SLACK 5    /* ms: how early (by the case's own clock) a timeout may seem to fire */
#define QUIET 70   /* ms: a window in which a TMO timeout that should not fire would */

static struct timeval ms_tv(int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	return tv;
}

static size_t in_len(const struct bc_end *e)
{
	return evbuffer_get_length(bufferevent_get_input(e->bev));
}

static size_t out_len(const struct bc_end *e)
{
	return evbuffer_get_length(bufferevent_get_output(e->bev));
}

/* When each eventcb of an end ran, on the case's clock (kept in e->user). */
struct stamps {
	double at[16];
	unsigned n;
	void (*then)(struct bc_end *e, short what);
};

static void stamp_event(struct bc_end *e, short what)
{
	struct stamps *s = e->user;
	if (s->n < 16)
		s->at[s->n++] = bc_now_ms();
	if (s->then)
		s->then(e, what);
}

static void stamp(struct bc_end *e, struct stamps *s)
{
	memset(s, 0, sizeof *s);
	e->user = s;
	e->on_event = stamp_event;
}

/* What drain_input removed, in order. */
static struct bc_bytes drained;

static void drain_input(struct bc_end *e)
{
	bc_read_input(e->t, e->bev, &drained, SIZE_MAX);
}

static void set_read_timeout(struct bc_ctx *t, struct bc_end *e, int ms)
{
	struct timeval tv = ms_tv(ms);
	bc_expect_int(t, "bufferevent_set_timeouts(read)", bufferevent_set_timeouts(e->bev, &tv, NULL), 0);
}

/* ---- F1, F2: EV_READ is off by default ---- */
void enable_read_default(struct bc_ctx *t)
{
	struct bc_link l;
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
	struct bc_end *e = l.e;
	bc_expect_enabled(t, "en of a new bufferevent", bufferevent_get_enabled(e->bev), EV_WRITE);
	bc_link_send(t, &l, "0123456789", 10);
	bc_settle(t);
	bc_expect_int(t, "input length while EV_READ is off", in_len(e), 0);
	bc_expect_shape(t, e, "");

	bc_expect_int(t, "bufferevent_enable(EV_READ)", bufferevent_enable(e->bev, EV_READ), 0);
	bc_expect_enabled(t, "en after enable(EV_READ)", bufferevent_get_enabled(e->bev), EV_READ | EV_WRITE);
	bc_await(t, "a readcb once EV_READ is enabled", bc_count(e, 'R') >= 1);
	bc_settle(t);
	bc_expect_shape(t, e, "R");
	bc_expect_int(t, "in at readcb: everything sent", bc_nth(e, 'R', 0)->in, 10);
	struct bc_bytes got = { 0 };
	bc_read_input(t, e->bev, &got, SIZE_MAX);
	bc_expect_bytes(t, "the input", &got, "0123456789");
	bc_bytes_free(&got);
	bc_link_close(t, &l);
}

/* ---- F1: enable ORs in, disable clears, get_enabled reports ---- */
void enable_flags(struct bc_ctx *t)
{
	struct bc_link l;
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
	struct bufferevent *b = l.e->bev;
	bc_expect_int(t, "enable(EV_READ)", bufferevent_enable(b, EV_READ), 0);
	bc_expect_enabled(t, "en after enable(EV_READ)", bufferevent_get_enabled(b), EV_READ | EV_WRITE);
	bc_expect_int(t, "enable(EV_READ) again", bufferevent_enable(b, EV_READ), 0);
	bc_expect_enabled(t, "en after enabling EV_READ twice", bufferevent_get_enabled(b), EV_READ | EV_WRITE);
	bc_expect_int(t, "disable(EV_WRITE)", bufferevent_disable(b, EV_WRITE), 0);
	bc_expect_enabled(t, "en after disable(EV_WRITE)", bufferevent_get_enabled(b), EV_READ);
	bc_expect_int(t, "disable(EV_WRITE) again", bufferevent_disable(b, EV_WRITE), 0);
	bc_expect_enabled(t, "en after disabling EV_WRITE twice", bufferevent_get_enabled(b), EV_READ);
	bc_expect_int(t, "disable(EV_READ|EV_WRITE)", bufferevent_disable(b, EV_READ | EV_WRITE), 0);
	bc_expect_enabled(t, "en after disable(EV_READ|EV_WRITE)", bufferevent_get_enabled(b), 0);
	bc_expect_int(t, "enable(EV_READ|EV_WRITE)", bufferevent_enable(b, EV_READ | EV_WRITE), 0);
	bc_expect_enabled(t, "en after enable(EV_READ|EV_WRITE)", bufferevent_get_enabled(b), EV_READ | EV_WRITE);
	bc_expect_int(t, "disable(EV_READ)", bufferevent_disable(b, EV_READ), 0);
	bc_expect_enabled(t, "en after disable(EV_READ)", bufferevent_get_enabled(b), EV_WRITE);
	bc_link_close(t, &l);
}

/* ---- F3: with EV_WRITE off, writes queue; enabling sends them ---- */
void enable_write_off(struct bc_ctx *t)
{
	struct bc_link l;
	struct bc_bytes got = { 0 };
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
	struct bc_end *e = l.e;
	bc_expect_int(t, "disable(EV_WRITE)", bufferevent_disable(e->bev, EV_WRITE), 0);
	bc_expect_int(t, "bufferevent_write with EV_WRITE off", bufferevent_write(e->bev, "0123456789", 10), 0);
	bc_expect_int(t, "output length right after the write", out_len(e), 10);
	bc_settle(t);
	bc_link_recv(t, &l, &got);
	bc_expect_int(t, "bytes at the far end while EV_WRITE is off", got.len, 0);
	bc_expect_int(t, "output length while EV_WRITE is off", out_len(e), 10);
	bc_expect_shape(t, e, "");

	bc_expect_int(t, "enable(EV_WRITE)", bufferevent_enable(e->bev, EV_WRITE), 0);
	bc_await(t, "the bytes at the far end and a writecb",
		 (bc_link_recv(t, &l, &got), got.len >= 10) && bc_count(e, 'W') >= 1);
	bc_settle(t);
	bc_link_recv(t, &l, &got);
	bc_expect_int(t, "bytes at the far end", got.len, 10);
	bc_expect(t, "the far end got the queued bytes", memcmp(got.data, "0123456789", 10) == 0);
	bc_expect_shape(t, e, "W");
	bc_expect_int(t, "out at writecb", bc_nth(e, 'W', 0)->out, 0);
	bc_link_close(t, &l);
	bc_bytes_free(&got);
}

/* ---- F4, F11: read timeout ---- */
void timeout_read(struct bc_ctx *t)
{
	struct bc_link l;
	struct stamps s;
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
	struct bc_end *e = l.e;
	stamp(e, &s);
	bufferevent_enable(e->bev, EV_READ);
	double t0 = bc_now_ms();
	set_read_timeout(t, e, TMO);
	bc_await(t, "an eventcb for the read timeout", bc_count(e, 'E') >= 1);
	bc_expect(t, "the read timeout fires no earlier than its period", s.at[0] - t0 >= TMO - SLACK);
	bc_run_for(t, QUIET);
	bc_expect_shape(t, e, "E(READING|TIMEOUT)");
	bc_expect_enabled(t, "en inside the timeout eventcb (EV_READ already off)", bc_nth(e, 'E', 0)->enabled, EV_WRITE);
	bc_expect_enabled(t, "en after the timeout", bufferevent_get_enabled(e->bev), EV_WRITE);

	/* Re-enabling starts a full new period. */
	double t1 = bc_now_ms();
	bufferevent_enable(e->bev, EV_READ);
	bc_await(t, "a second read timeout after re-enabling", bc_count(e, 'E') >= 2);
	bc_expect(t, "the second timeout comes a full period after the re-enable", s.at[1] - t1 >= TMO - SLACK);
	bc_settle(t);
	bc_expect_shape(t, e, "E(READING|TIMEOUT) E(READING|TIMEOUT)");
	bc_link_close(t, &l);
}

/* ---- F5, F11: write timeout on an output the far end never takes ---- */
void timeout_write(struct bc_ctx *t)
{
	struct bc_link l;
	struct stamps s;
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
	struct bc_end *e = l.e;
	stamp(e, &s);
	bufferevent_enable(e->bev, EV_READ);
	size_t n = 10;
	static unsigned char big[1 << 20];
	if (l.partner)
		bufferevent_disable(l.partner, EV_READ); /* the partner takes nothing */
	else
		n = sizeof big; /* more than an AF_UNIX socket buffer holds: the fd turns unwritable */
	bc_pattern(big, n, 0);
	bc_expect_int(t, "bufferevent_write", bufferevent_write(e->bev, big, n), 0);
	struct timeval tw = ms_tv(TMO);
	bc_expect_int(t, "bufferevent_set_timeouts(NULL, write)", bufferevent_set_timeouts(e->bev, NULL, &tw), 0);
	double t0 = bc_now_ms();
	bc_await(t, "an eventcb for the write timeout", bc_count(e, 'E') >= 1);
	bc_expect(t, "the write timeout fires no earlier than its period", s.at[0] - t0 >= TMO - SLACK);
	size_t left = out_len(e);
	bc_run_for(t, QUIET);
	bc_expect_shape(t, e, "E(WRITING|TIMEOUT)");
	const struct bc_event *ev = bc_nth(e, 'E', 0);
	bc_expect_enabled(t, "en inside the timeout eventcb (EV_WRITE already off)", ev->enabled, EV_READ);
	bc_expect(t, "the unsent output is still there inside the eventcb", ev->out > 0);
	bc_expect_int(t, "output length after the timeout: kept, nothing more written", out_len(e), left);
	bc_expect(t, "output kept", left > 0);
	bc_link_close(t, &l);
}

/* ---- F10: timeouts without an fd ---- */
void timeout_nofd(struct bc_ctx *t)
{
	struct bc_end *e = bc_socket_end(t, -1, bc_opts(t, 0), "bev");
	bc_expect_int(t, "bufferevent_getfd", bufferevent_getfd(e->bev), -1);
	bufferevent_enable(e->bev, EV_READ | EV_WRITE);
	bc_expect_int(t, "bufferevent_write", bufferevent_write(e->bev, "abc", 3), 0);
	/* One timeout after the other: armed together, a stalled machine could let both
	 * expire in one loop pass, and deferred callbacks would then merge them (G9). */
	struct timeval tr = ms_tv(TMO), tw = ms_tv(TMO);
	bc_expect_int(t, "bufferevent_set_timeouts(read)", bufferevent_set_timeouts(e->bev, &tr, NULL), 0);
	bc_await(t, "the read timeout eventcb", bc_count(e, 'E') >= 1);
	bc_expect_int(t, "bufferevent_set_timeouts(write)", bufferevent_set_timeouts(e->bev, NULL, &tw), 0);
	bc_await(t, "the write timeout eventcb", bc_count(e, 'E') >= 2);
	bc_run_for(t, QUIET);
	bc_expect_shape(t, e, "E(READING|TIMEOUT) E(WRITING|TIMEOUT)");
	bc_expect_enabled(t, "en inside the read timeout", bc_nth(e, 'E', 0)->enabled, EV_WRITE);
	bc_expect_enabled(t, "en inside the write timeout", bc_nth(e, 'E', 1)->enabled, 0);
	bc_expect_int(t, "output kept", out_len(e), 3);
	bc_free(e);
}

/* ---- F6: every read restarts the read timer ---- */
/* Bytes every 10 ms must keep a 60 ms read timeout away. The case's own sends are timed
 * by the loop, so a stalled machine could space two of them by more than the timeout:
 * an attempt where two sends (or the start and the first send) lie more than half the
 * timeout apart proves nothing and is repeated, up to 5 times. */
void timeout_read_activity(struct bc_ctx *t)
{
	const int tmo = 60, every = 10, sends = 13; /* 130 ms of traffic > 2 x 60 ms */
	for (int attempt = 1;; attempt++) {
		struct bc_link l;
		struct stamps s;
		bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
		struct bc_end *e = l.e;
		stamp(e, &s);
		bc_bytes_free(&drained);
		e->on_read = drain_input;
		bufferevent_enable(e->bev, EV_READ);
		unsigned r0 = bc_count(e, 'R');
		set_read_timeout(t, e, tmo);
		double t0 = bc_now_ms(), prev = t0, worst = 0;
		for (int i = 0; i < sends && bc_count(e, 'E') == 0; i++) {
			bc_run_for(t, every);
			double now = bc_now_ms();
			if (now - prev > worst)
				worst = now - prev;
			prev = now;
			bc_link_send(t, &l, "x", 1);
		}
		bc_wait_until(t, 1000, bc_count(e, 'R') - r0 >= (unsigned)sends || bc_count(e, 'E') > 0);
		if (worst > tmo / 2) {
			bc_link_close(t, &l);
			if (attempt < 5)
				continue;
			bc_fail(t, "a run with sends spaced well under the timeout",
				"the machine stalled the loop in 5 attempts", "gaps <= 30 ms");
		}
		double last = bc_now_ms();
		bc_expect_int(t, "eventcbs while bytes keep arriving", bc_count(e, 'E'), 0);
		bc_expect_int(t, "readcbs: every byte read", bc_count(e, 'R') - r0, sends);
		char sent[16]; /* sends < 16 */
		memset(sent, 'x', sends);
		sent[sends] = '\0';
		bc_expect_bytes(t, "bytes readcb removed: every byte sent", &drained, sent);
		bc_expect(t, "the traffic lasted over twice the timeout", last - t0 >= 2 * tmo);
		/* Once the traffic stops the timeout comes. */
		bc_await(t, "a read timeout once idle", bc_count(e, 'E') >= 1);
		bc_expect(t, "the timeout counts from the last read", s.at[0] - last >= tmo - 2 * SLACK - every);
		bc_settle(t);
		bc_expect_int(t, "eventcbs", bc_count(e, 'E'), 1);
		bc_expect_what(t, "eventcb flags", bc_nth(e, 'E', 0)->what, BEV_EVENT_READING | BEV_EVENT_TIMEOUT);
		bc_link_close(t, &l);
		return;
	}
}

/* ---- F7: the read timeout ignores what is left in the input ---- */
void timeout_read_undrained(struct bc_ctx *t)
{
	struct bc_link l;
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
	struct bc_end *e = l.e;
	bufferevent_enable(e->bev, EV_READ);
	set_read_timeout(t, e, TMO);
	bc_link_send(t, &l, "z", 1);
	bc_await(t, "a read timeout with 1 byte left in the input", bc_count(e, 'E') >= 1);
	bc_settle(t);
	bc_expect_shape(t, e, "R E(READING|TIMEOUT)");
	bc_expect_int(t, "in at readcb", bc_nth(e, 'R', 0)->in, 1);
	bc_expect_int(t, "in inside the timeout eventcb", bc_nth(e, 'E', 0)->in, 1);
	struct bc_bytes got = { 0 };
	bc_read_input(t, e->bev, &got, SIZE_MAX);
	bc_expect_bytes(t, "the byte left in the input", &got, "z");
	bc_bytes_free(&got);
	bc_link_close(t, &l);
}

/* ---- F8: no write timeout while the output is empty ---- */
void timeout_write_idle(struct bc_ctx *t)
{
	struct bc_link l;
	struct bc_bytes got = { 0 };
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
	struct bc_end *e = l.e;
	struct timeval tw = ms_tv(TMO);
	bc_expect_int(t, "bufferevent_set_timeouts(NULL, write)", bufferevent_set_timeouts(e->bev, NULL, &tw), 0);
	bc_run_for(t, QUIET);
	bc_expect_shape(t, e, "");
	/* A write that goes out at once leaves the output empty again: still no timeout. */
	char msg[] = "abc";
	bc_expect_int(t, "bufferevent_write", bufferevent_write(e->bev, msg, 3), 0);
	memset(msg, '#', 3); /* the program's buffer is its own again (A2) */
	bc_await(t, "the bytes at the far end", (bc_link_recv(t, &l, &got), got.len >= 3));
	bc_run_for(t, QUIET);
	bc_link_recv(t, &l, &got);
	bc_expect_bytes(t, "bytes at the far end", &got, "abc");
	bc_expect_enabled(t, "en", bufferevent_get_enabled(e->bev), EV_WRITE);
	bc_expect_int(t, "eventcbs with an empty output", bc_count(e, 'E'), 0);
	bc_link_close(t, &l);
	bc_bytes_free(&got);
}

/* ---- F9: set_timeouts on a pending timer takes effect at once; NULL or {0,0} removes it ---- */
enum { SHORTEN_READ = 1, CLEAR_NULL = 2, CLEAR_ZERO = 3, SHORTEN_WRITE = 4 };

void timeout_change(struct bc_ctx *t)
{
	int mode = bc_param(t);
	struct bc_link l;
	struct stamps s;
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
	struct bc_end *e = l.e;
	stamp(e, &s);
	bufferevent_enable(e->bev, EV_READ);
	if (mode == SHORTEN_READ || mode == SHORTEN_WRITE) {
		struct timeval long_tv = ms_tv(10000), short_tv = ms_tv(TMO);
		static unsigned char big[1 << 20];
		if (mode == SHORTEN_WRITE) {
			bc_expect_int(t, "set_timeouts(NULL, 10 s)", bufferevent_set_timeouts(e->bev, NULL, &long_tv), 0);
			bufferevent_write(e->bev, big, sizeof big);
		} else
			bc_expect_int(t, "set_timeouts(10 s, NULL)", bufferevent_set_timeouts(e->bev, &long_tv, NULL), 0);
		bc_run_for(t, 10); /* the long timer is armed (and the socket filled) */
		double t0 = bc_now_ms();
		bc_expect_int(t, "set_timeouts to the short period",
			      mode == SHORTEN_WRITE ? bufferevent_set_timeouts(e->bev, NULL, &short_tv)
						    : bufferevent_set_timeouts(e->bev, &short_tv, NULL), 0);
		bc_await(t, "the timeout at the new, shorter period", bc_count(e, 'E') >= 1);
		bc_expect(t, "no earlier than the new period", s.at[0] - t0 >= TMO - SLACK);
		bc_settle(t);
		bc_expect_shape(t, e, mode == SHORTEN_WRITE ? "E(WRITING|TIMEOUT)" : "E(READING|TIMEOUT)");
	} else {
		struct timeval zero = { 0, 0 };
		set_read_timeout(t, e, TMO);
		bc_pass(t);
		bc_expect_int(t, "set_timeouts to remove the read timeout",
			      bufferevent_set_timeouts(e->bev, mode == CLEAR_ZERO ? &zero : NULL, NULL), 0);
		bc_run_for(t, QUIET);
		bc_expect_shape(t, e, "");
		bc_expect_enabled(t, "en", bufferevent_get_enabled(e->bev), EV_READ | EV_WRITE);
		/* Reading itself is untouched. */
		bc_link_send(t, &l, "abc", 3);
		bc_await(t, "a readcb", bc_count(e, 'R') >= 1);
		bc_settle(t);
		bc_expect_shape(t, e, "R");
		struct bc_bytes got = { 0 };
		bc_read_input(t, e->bev, &got, SIZE_MAX);
		bc_expect_bytes(t, "the input", &got, "abc");
		bc_bytes_free(&got);
	}
	bc_link_close(t, &l);
}

/* ---- F12: an eventcb that re-enables EV_READ after a read timeout resumes reading ---- */
/* The first read timeout re-enables EV_READ and has the far end send at once: sending
 * later from the case would leave a window in which a stalled machine (valgrind, load)
 * lets the restarted timer expire before the bytes exist. */
static struct bc_link *resume_link;

static void reenable_read(struct bc_end *e, short what)
{
	if ((what & BEV_EVENT_TIMEOUT) && bc_count(e, 'E') == 1) {
		bufferevent_enable(e->bev, EV_READ);
		bc_link_send(e->t, resume_link, "abc", 3);
	}
}

void timeout_read_resume(struct bc_ctx *t)
{
	struct bc_link l;
	struct stamps s;
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
	struct bc_end *e = l.e;
	stamp(e, &s);
	s.then = reenable_read;
	resume_link = &l;
	bc_bytes_free(&drained);
	e->on_read = drain_input;
	bufferevent_enable(e->bev, EV_READ);
	set_read_timeout(t, e, TMO);
	bc_await(t, "a first read timeout", bc_count(e, 'E') >= 1);
	bc_expect_enabled(t, "en inside the first timeout, before the re-enable", bc_nth(e, 'E', 0)->enabled,
			  EV_WRITE);
	bc_await(t, "a readcb after the re-enable", bc_count(e, 'R') >= 1);
	bc_expect_int(t, "in at readcb", bc_nth(e, 'R', 0)->in, 3);
	bc_await(t, "a second read timeout (the timer runs again)", bc_count(e, 'E') >= 2);
	bc_settle(t);
	bc_expect_shape(t, e, "E(READING|TIMEOUT) R E(READING|TIMEOUT)");
	bc_expect_enabled(t, "en after the second timeout", bufferevent_get_enabled(e->bev), EV_WRITE);
	bc_expect_bytes(t, "bytes readcb removed", &drained, "abc");
	bc_link_close(t, &l);
}

/* ---- G3 with F4: freeing inside the timeout eventcb ---- */
static void free_on_timeout(struct bc_end *e, short what)
{
	(void)what;
	bufferevent_trigger(e->bev, EV_READ | EV_WRITE, BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
	bc_free(e);
}

void timeout_free_in_eventcb(struct bc_ctx *t)
{
	struct bc_link l;
	struct bc_bytes got = { 0 };
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
	struct bc_end *e = l.e;
	e->on_event = free_on_timeout;
	bufferevent_enable(e->bev, EV_READ);
	struct timeval tr = ms_tv(TMO), tw = ms_tv(TMO);
	bufferevent_set_timeouts(e->bev, &tr, &tw); /* a write timeout too: nothing may follow the free */
	bc_await(t, "an eventcb that frees", e->freed);
	bc_run_for(t, QUIET); /* no other timer of the freed bufferevent may fire */
	bc_expect_shape(t, e, "E(READING|TIMEOUT)");
	if (l.peer >= 0)
		bc_await(t, "EOF at the peer (CLOSE_ON_FREE)",
			 (bc_recv_avail(l.peer, &got), got.eof));
	bc_link_close(t, &l);
	bc_bytes_free(&got);
}

/* ---- F13 (QUIRK): a filter's enable(EV_WRITE) leaves output queued while it was off ---- */
void enable_write_off_filter(struct bc_ctx *t)
{
	struct bc_link l;
	struct bc_bytes got = { 0 };
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
	struct bc_end *e = l.e;
	bufferevent_disable(e->bev, EV_WRITE);
	bufferevent_write(e->bev, "0123456789", 10);
	bc_settle(t);
	bc_expect_int(t, "bufferevent_enable(EV_WRITE)", bufferevent_enable(e->bev, EV_WRITE), 0);
	bc_settle(t);
	bc_link_recv(t, &l, &got);
	bc_expect_int(t, "bytes at the peer after enable(EV_WRITE): none, the output stays", got.len, 0);
	bc_expect_int(t, "output length after enable(EV_WRITE)", out_len(e), 10);
	bc_expect_shape(t, e, "");
	/* The next write pushes everything. */
	bufferevent_write(e->bev, "!", 1);
	bc_await(t, "11 bytes at the peer", (bc_link_recv(t, &l, &got), got.len >= 11));
	bc_expect(t, "the bytes in order", memcmp(got.data, "0123456789!", 11) == 0);
	bc_link_close(t, &l);
	bc_bytes_free(&got);
}
