/* Area E: read watermarks (the write low watermark belongs to area A), over socket, pair
 * and filter bufferevents (struct bc_link). What has not reached the bufferevent yet is
 * measured below it: FIONREAD on the socket, plus the underlying's input for a filter, or
 * the partner's output for a pair. */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "bevconf.h"

static size_t in_len(struct bc_end *e)
{
	return evbuffer_get_length(bufferevent_get_input(e->bev));
}

/* Bytes the far end sent that have not reached e's input yet: in the kernel (socket), in
 * the kernel or the underlying's input (filter), in the partner's output (pair). */
static long held(struct bc_link *l)
{
	if (l->partner)
		return (long)evbuffer_get_length(bufferevent_get_output(l->partner));
	int n = -1;
	if (ioctl(l->fd, FIONREAD, &n) != 0)
		return -1;
	if (l->under)
		n += (int)evbuffer_get_length(bufferevent_get_input(l->under));
	return n;
}

static void link_send_pattern(struct bc_ctx *t, struct bc_link *l, size_t n, size_t offset)
{
	unsigned char buf[4096];
	bc_pattern(buf, n, offset);
	bc_link_send(t, l, buf, n);
}

/* libevent re-runs a readcb that leaves in >= H straight away, inside the same loop
 * pass, for as long as that holds (wm.read.high.spin): not even EVLOOP_ONCE|NONBLOCK
 * returns. Breaking the loop from readcb keeps every pass finite; an implementation
 * without the re-run is unaffected. */
static void break_if_at_high(struct bc_end *e)
{
	size_t hi = 0;
	bufferevent_getwatermark(e->bev, EV_READ, NULL, &hi);
	if (hi && in_len(e) >= hi)
		event_base_loopbreak(e->t->base);
}

/* A reading end (EV_READ|EV_WRITE enabled) of the row's kind; its far end sends. */
static struct bc_end *link_reader(struct bc_ctx *t, struct bc_link *l)
{
	bc_link_open(t, l, BEV_OPT_CLOSE_ON_FREE, "bev");
	l->e->on_read = break_if_at_high;
	bufferevent_enable(l->e->bev, EV_READ);
	return l->e;
}

/* ---- E1, E2: defaults and the getter ---- */
void wm_defaults(struct bc_ctx *t)
{
	struct bc_link l;
	struct bc_end *e = link_reader(t, &l);
	size_t lo = 99, hi = 99;

	bc_expect_int(t, "getwatermark(EV_READ)", bufferevent_getwatermark(e->bev, EV_READ, &lo, &hi), 0);
	bc_expect_int(t, "default read low", (long long)lo, 0);
	bc_expect_int(t, "default read high", (long long)hi, 0);
	lo = hi = 99;
	bc_expect_int(t, "getwatermark(EV_WRITE)", bufferevent_getwatermark(e->bev, EV_WRITE, &lo, &hi), 0);
	bc_expect_int(t, "default write low", (long long)lo, 0);
	bc_expect_int(t, "default write high", (long long)hi, 0);

	bc_expect_int(t, "getwatermark(EV_READ|EV_WRITE)",
		      bufferevent_getwatermark(e->bev, EV_READ | EV_WRITE, &lo, &hi), -1);
	bc_expect_int(t, "getwatermark(0)", bufferevent_getwatermark(e->bev, 0, &lo, &hi), -1);
	bc_expect_int(t, "getwatermark(EV_READ|EV_TIMEOUT)",
		      bufferevent_getwatermark(e->bev, EV_READ | EV_TIMEOUT, &lo, &hi), -1);

	/* E2: one call with EV_READ|EV_WRITE sets both pairs. */
	bufferevent_setwatermark(e->bev, EV_READ | EV_WRITE, 7, 300);
	lo = hi = 0;
	bufferevent_getwatermark(e->bev, EV_READ, &lo, &hi);
	bc_expect_int(t, "read low after setting both", (long long)lo, 7);
	bc_expect_int(t, "read high after setting both", (long long)hi, 300);
	lo = hi = 0;
	bufferevent_getwatermark(e->bev, EV_WRITE, &lo, &hi);
	bc_expect_int(t, "write low after setting both", (long long)lo, 7);
	bc_expect_int(t, "write high after setting both", (long long)hi, 300);
	bc_expect_shape(t, e, "");
	bc_link_close(t, &l);
}

/* ---- E3: read low watermark ---- */
void wm_read_low(struct bc_ctx *t)
{
	struct bc_link l;
	unsigned char p[10];
	bc_pattern(p, sizeof p, 0);
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
	struct bc_end *e = l.e;
	bufferevent_setwatermark(e->bev, EV_READ, 10, 0);
	bufferevent_enable(e->bev, EV_READ);

	bc_link_send(t, &l, p, 5);
	bc_await(t, "5 bytes read into the input", in_len(e) == 5);
	bc_passes(t, 3);
	bc_expect_int(t, "readcb calls with in=5 < low=10", bc_count(e, 'R'), 0);

	bc_link_send(t, &l, p + 5, 5);
	bc_await(t, "a readcb once in reaches 10", bc_count(e, 'R') >= 1);
	bc_passes(t, 3);
	bc_expect_int(t, "readcb calls", bc_count(e, 'R'), 1);
	bc_expect_int(t, "in at readcb", bc_nth(e, 'R', 0)->in, 10);
	bc_expect_enabled(t, "en at readcb", bc_nth(e, 'R', 0)->enabled, EV_READ | EV_WRITE);
	bc_expect_shape(t, e, "R");
	struct bc_bytes got = { 0 };
	bc_read_input(t, e->bev, &got, SIZE_MAX);
	bc_expect_pattern(t, "the input: both sends in order", &got, 10);
	bc_bytes_free(&got);
	bc_link_close(t, &l);
}

/* ---- E4: reading stops at the high watermark; E5: resumes after a drain outside callbacks ---- */
void wm_read_high_stop(struct bc_ctx *t)
{
	struct bc_link l;
	struct bc_end *e = link_reader(t, &l);
	bufferevent_setwatermark(e->bev, EV_READ, 0, 20);
	link_send_pattern(t, &l, 100, 0);

	bc_await(t, "a first readcb", bc_count(e, 'R') >= 1);
	bc_expect_int(t, "in at the first readcb", bc_nth(e, 'R', 0)->in, 20);
	/* A few more passes: nothing more may arrive (libevent re-runs readcb
	 * here, see wm.read.high.spin; that is not this case's business). */
	bc_passes(t, 5);
	bc_expect_int(t, "input length while at the high watermark", in_len(e), 20);
	bc_expect_int(t, "bytes still held below", held(&l), 80);
	bc_expect_enabled(t, "bufferevent_get_enabled while suspended", bufferevent_get_enabled(e->bev),
			  EV_READ | EV_WRITE);
	for (unsigned i = 0; i < bc_count(e, 'R'); i++)
		bc_expect_int(t, "in at every readcb", bc_nth(e, 'R', i)->in, 20);
	bc_expect_int(t, "eventcb calls", bc_count(e, 'E'), 0);

	/* Drain 15 outside any callback: reading resumes on its own and refills to 20. */
	bc_expect_int(t, "evbuffer_drain(input, 15)", evbuffer_drain(bufferevent_get_input(e->bev), 15), 0);
	bc_await(t, "input refilled to 20, 65 bytes still held below",
		 in_len(e) == 20 && held(&l) == 65);
	bc_passes(t, 3);
	bc_expect_int(t, "input length after the refill", in_len(e), 20);
	bc_expect_int(t, "bytes held below after the refill", held(&l), 65);

	unsigned char buf[20];
	bc_expect_int(t, "evbuffer_remove", evbuffer_remove(bufferevent_get_input(e->bev), buf, 20), 20);
	bc_expect(t, "input holds stream bytes 15..35 in order",
		  bc_pattern_mismatch(buf, 5, 15) < 0 && bc_pattern_mismatch(buf + 5, 15, 20) < 0);
	bc_link_close(t, &l);
}

/* ---- E4, E5: a readcb that drains everything sees in = H each time ---- */
void wm_read_high_drain_in_cb(struct bc_ctx *t)
{
	struct bc_link l;
	struct bc_end *e = link_reader(t, &l);
	struct bc_bytes got = { 0 };
	e->drain_on_read = true;
	e->received = &got;
	bufferevent_setwatermark(e->bev, EV_READ, 0, 30);
	link_send_pattern(t, &l, 100, 0);

	bc_await(t, "all 100 bytes through readcb", got.len >= 100);
	bc_passes(t, 3);
	bc_expect_pattern(t, "bytes drained in readcb", &got, 100);
	bc_expect_shape(t, e, "R R R R");
	static const size_t want[] = { 30, 30, 30, 10 };
	for (unsigned i = 0; i < 4; i++)
		bc_expect_int(t, "in at readcb (30,30,30,10)", bc_nth(e, 'R', i)->in, want[i]);
	bc_expect_int(t, "bytes left below", held(&l), 0);
	bc_link_close(t, &l);
	bc_bytes_free(&got);
}

/* ---- E7: changing H with data already in the input ---- */
void wm_read_high_lower_raise(struct bc_ctx *t)
{
	struct bc_link l;
	struct bc_end *e = link_reader(t, &l);
	link_send_pattern(t, &l, 50, 0);
	bc_await(t, "50 bytes in the input", in_len(e) == 50);

	bufferevent_setwatermark(e->bev, EV_READ, 0, 30); /* below the current input */
	link_send_pattern(t, &l, 50, 50);
	bc_passes(t, 5);
	bc_expect_int(t, "input length after lowering H to 30 below in=50", in_len(e), 50);
	bc_expect_int(t, "bytes held below", held(&l), 50);
	bc_expect_enabled(t, "bufferevent_get_enabled while suspended", bufferevent_get_enabled(e->bev),
			  EV_READ | EV_WRITE);
	unsigned r_before = bc_count(e, 'R');

	bufferevent_setwatermark(e->bev, EV_READ, 0, 80); /* above it: resume up to 80 */
	bc_await(t, "input refilled after raising H to 80", in_len(e) >= 80);
	bc_expect_int(t, "input length after raising H to 80", in_len(e), 80);
	bc_await(t, "a readcb for the refill", bc_count(e, 'R') > r_before);
	bc_expect_int(t, "in at the refill readcb", bc_nth(e, 'R', r_before)->in, 80);

	bufferevent_setwatermark(e->bev, EV_READ, 0, 0); /* unlimited: the rest comes in */
	bc_await(t, "everything read after H=0", in_len(e) >= 100);
	bc_expect_int(t, "input length after H=0", in_len(e), 100);
	bc_expect_int(t, "bytes left below", held(&l), 0);

	unsigned char buf[100];
	evbuffer_remove(bufferevent_get_input(e->bev), buf, 100);
	bc_expect(t, "input holds the stream in order", bc_pattern_mismatch(buf, 100, 0) < 0);
	bc_expect_int(t, "eventcb calls", bc_count(e, 'E'), 0);
	bc_link_close(t, &l);
}

/* ---- E10: no read timeout while the high watermark holds reading ---- */
void wm_read_high_no_timeout(struct bc_ctx *t)
{
	struct bc_link l;
	struct bc_end *e = link_reader(t, &l);
	/* Keep the recorder's write and event callbacks but no readcb, so libevent's
	 * readcb re-run at the high watermark (wm.read.high.spin) cannot busy the loop. */
	bufferevent_event_cb ecb;
	bufferevent_data_cb rcb, wcb;
	void *arg;
	bufferevent_getcb(e->bev, &rcb, &wcb, &ecb, &arg);
	bufferevent_setcb(e->bev, NULL, wcb, ecb, arg);

	const int ms = 40;
	struct timeval tv = { 0, ms * 1000 };
	bufferevent_setwatermark(e->bev, EV_READ, 0, 20);
	link_send_pattern(t, &l, 100, 0);
	/* Armed once the data is there: a stalled machine cannot let it fire first. */
	bufferevent_set_timeouts(e->bev, &tv, NULL);
	bc_await(t, "input filled to the high watermark", in_len(e) >= 20);

	bc_run_for(t, 3 * ms);
	bc_expect_int(t, "eventcb calls while suspended by the high watermark", bc_count(e, 'E'), 0);
	bc_expect_int(t, "input length", in_len(e), 20);
	bc_expect_int(t, "bytes still held below", held(&l), 80);

	/* Control: once unlimited, the rest is read and the idle timeout does fire. */
	bufferevent_setwatermark(e->bev, EV_READ, 0, 0);
	bc_await(t, "a read timeout after resuming", bc_count(e, 'E') >= 1);
	bc_expect_int(t, "input length at the timeout", bc_nth(e, 'E', 0)->in, 100);
	bc_expect_what(t, "eventcb flags", bc_nth(e, 'E', 0)->what, BEV_EVENT_READING | BEV_EVENT_TIMEOUT);
	struct bc_bytes got = { 0 };
	bc_read_input(t, e->bev, &got, SIZE_MAX);
	bc_expect_pattern(t, "the input: all 100 bytes in order", &got, 100);
	bc_bytes_free(&got);
	bc_link_close(t, &l);
}

/* ---- E6 (QUIRK): readcb re-run while it leaves in >= H ---- */
/* bc_quirk_differs unless ok, with `actual` shown as a number; a macro like the
 * assertions, so the difference is reported at the caller's line, on `ok`. */
#define quirk_check(t, check, ok, actual, expected) \
	quirk_check_((t), BC_WHERE, #ok, (check), (ok), (actual), (expected))
static void quirk_check_(struct bc_ctx *t, const char *where, const char *expr, const char *check,
			 bool ok, long long actual, const char *expected)
{
	if (ok)
		return;
	char a[32];
	snprintf(a, sizeof a, "%lld", actual);
	bc_fail_(t, where, expr, check, a, expected);
}

void wm_read_high_spin(struct bc_ctx *t)
{
	struct bc_link l;
	struct bc_end *e = link_reader(t, &l);
	bufferevent_setwatermark(e->bev, EV_READ, 0, 20);
	link_send_pattern(t, &l, 100, 0);
	bool first = bc_wait_until(t, 1000, bc_count(e, 'R') >= 1);
	quirk_check(t, "readcb calls", first, bc_count(e, 'R'), ">= 1");
	bc_passes(t, 5);
	unsigned n = bc_count(e, 'R');
	bufferevent_disable(e->bev, EV_READ); /* the documented way out of the loop */
	quirk_check(t, "readcb calls in 6 passes with in >= high watermark", n >= 2, n, ">= 2");
	for (unsigned i = 0; i < n && i < BC_MAX_EVENTS; i++)
		quirk_check(t, "in at every readcb", bc_nth(e, 'R', i)->in == 20, bc_nth(e, 'R', i)->in, "20");
	/* libevent still runs the one re-run already queued (with en=W), then stops. */
	bc_passes(t, 3);
	unsigned m = bc_count(e, 'R');
	quirk_check(t, "readcb calls after disabling EV_READ (at most the queued one)", m <= n + 1,
		    (long long)m - n, "<= n+1");
	bc_passes(t, 3);
	quirk_check(t, "readcb calls once EV_READ is disabled", bc_count(e, 'R') == m, bc_count(e, 'R') - m, "no more");
	bc_link_close(t, &l);
}

/* ---- E9: the write high watermark of the bufferevent itself limits nothing ---- */
void wm_write_high_ignored(struct bc_ctx *t)
{
	struct bc_link l;
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
	struct bc_end *e = l.e;
	bufferevent_setwatermark(e->bev, EV_WRITE, 0, 10);
	unsigned char p[100];
	bc_pattern(p, sizeof p, 0);
	bc_expect_int(t, "bufferevent_write(100) with write high watermark 10", bufferevent_write(e->bev, p, 100), 0);
	struct bc_bytes got = { 0 };
	bc_await(t, "all 100 bytes at the far end and a writecb",
		 (bc_link_recv(t, &l, &got), got.len >= 100) && bc_count(e, 'W') >= 1);
	bc_settle(t);
	bc_link_recv(t, &l, &got);
	bc_expect_pattern(t, "bytes at the far end", &got, 100);
	bc_expect_shape(t, e, "W");
	bc_expect_int(t, "out at writecb", bc_nth(e, 'W', 0)->out, 0);
	bc_link_close(t, &l);
	bc_bytes_free(&got);
}

/* ---- E10 (QUIRK): pair and filter read timers restart with each transfer, even one
 * that fills the input to the high watermark and so suspends reading ---- */
void wm_read_high_timeout_rearmed(struct bc_ctx *t)
{
	struct bc_link l;
	struct bc_end *e = link_reader(t, &l);
	bufferevent_event_cb ecb;
	bufferevent_data_cb rcb, wcb;
	void *arg;
	bufferevent_getcb(e->bev, &rcb, &wcb, &ecb, &arg);
	bufferevent_setcb(e->bev, NULL, wcb, ecb, arg); /* no readcb re-run (E6) */

	const int ms = 40;
	struct timeval tv = { 0, ms * 1000 };
	bufferevent_set_timeouts(e->bev, &tv, NULL);
	bufferevent_setwatermark(e->bev, EV_READ, 0, 20);
	link_send_pattern(t, &l, 100, 0);
	bc_await(t, "input filled to the high watermark", in_len(e) >= 20);
	double t0 = bc_now_ms();
	bc_expect(t, "a read timeout while held at the high watermark", bc_wait_until(t, 10 * ms, bc_count(e, 'E') >= 1));
	bc_expect(t, "in time", bc_now_ms() - t0 <= 10 * ms);
	bc_settle(t);
	bc_expect_shape(t, e, "E(READING|TIMEOUT)");
	bc_expect_int(t, "in at the timeout", bc_nth(e, 'E', 0)->in, 20);
	bc_expect_int(t, "bytes held below", held(&l), 80);
	bc_expect_enabled(t, "en at the timeout", bc_nth(e, 'E', 0)->enabled, EV_WRITE);
	bc_link_close(t, &l);
}

/* ---- E11 (QUIRK): a filter stalls with bytes left in the underlying's input ----
 * param & 1 == 0: readcb (not deferred) drains the input that hit H;
 * param & 1 == 1: H is removed (0) while the underlying holds bytes. */
static void drain_all(struct bc_end *e)
{
	evbuffer_drain(bufferevent_get_input(e->bev), in_len(e));
}

void wm_read_high_filter_stall(struct bc_ctx *t)
{
	struct bc_link l;
	struct bc_end *e = link_reader(t, &l);
	bool raise = bc_param(t) & 1;
	if (raise) {
		/* in=50 with H=0, then H=30 (suspends), 50 more, H=80 takes 30 of them. */
		link_send_pattern(t, &l, 50, 0);
		bc_await(t, "50 bytes in the input", in_len(e) == 50);
		bufferevent_setwatermark(e->bev, EV_READ, 0, 30);
		link_send_pattern(t, &l, 50, 50);
		bc_passes(t, 3);
		bufferevent_setwatermark(e->bev, EV_READ, 0, 80);
		bc_await(t, "input at 80", in_len(e) >= 80);
		bufferevent_disable(e->bev, EV_READ); /* stop the E6 re-run, then allow all */
		bufferevent_setwatermark(e->bev, EV_READ, 0, 0);
		bufferevent_enable(e->bev, EV_READ);
	} else {
		bufferevent_setwatermark(e->bev, EV_READ, 0, 30);
		e->on_read = drain_all;
		link_send_pattern(t, &l, 100, 0);
		bc_await(t, "a first readcb", bc_count(e, 'R') >= 1);
	}
	bc_run_for(t, 30);
	size_t want_in = raise ? 80 : 0, want_held = raise ? 20 : 70;
	bc_expect_int(t, "input length", in_len(e), want_in);
	bc_expect_int(t, "bytes stuck in the underlying's input", evbuffer_get_length(bufferevent_get_input(l.under)),
		      want_held);
	bc_expect_int(t, "bytes held below", held(&l), want_held);
	bc_link_close(t, &l);
}
