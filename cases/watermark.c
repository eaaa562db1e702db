/* Area E: read watermarks of a socket bufferevent (the write low watermark belongs to
 * area A). The peer is the raw end of an AF_UNIX pair; what is still waiting in the
 * kernel is measured with FIONREAD on the bufferevent's own fd. */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "bevconf.h"

/* Bytes the kernel holds for the bufferevent: what it has not read yet. */
static long kernel_pending(struct bc_end *e)
{
	int n = -1;
	if (ioctl(bufferevent_getfd(e->bev), FIONREAD, &n) != 0)
		return -1;
	return n;
}

static size_t in_len(struct bc_end *e)
{
	return evbuffer_get_length(bufferevent_get_input(e->bev));
}

static void send_pattern(struct bc_ctx *t, evutil_socket_t fd, size_t n, size_t offset)
{
	unsigned char buf[4096];
	bc_pattern(buf, n, offset);
	bc_send(t, fd, buf, n);
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

/* A reading end on sv[0] (EV_READ|EV_WRITE enabled) and its raw peer sv[1]. */
static struct bc_end *reader(struct bc_ctx *t, evutil_socket_t sv[2])
{
	bc_socketpair(t, sv);
	struct bc_end *e = bc_socket_end(t, sv[0], bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	e->on_read = break_if_at_high;
	return e;
}

static void done(struct bc_end *e, evutil_socket_t peer)
{
	bc_free(e);
	close(peer);
}

/* ---- E1, E2: defaults and the getter ---- */
void wm_defaults(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	struct bc_end *e = reader(t, sv);
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
	done(e, sv[1]);
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
	bc_expect(t, bc_wait_until(t, 1000, in_len(e) == 5), "5 bytes read into the input");
	bc_passes(t, 3);
	bc_expect_int(t, "readcb calls with in=5 < low=10", bc_count(e, 'R'), 0);

	bc_link_send(t, &l, p + 5, 5);
	bc_expect(t, bc_wait_until(t, 1000, bc_count(e, 'R') >= 1), "a readcb once in reaches 10");
	bc_passes(t, 3);
	bc_expect_int(t, "readcb calls", bc_count(e, 'R'), 1);
	bc_expect_int(t, "in at readcb", bc_nth(e, 'R', 0)->in, 10);
	bc_expect_enabled(t, "en at readcb", bc_nth(e, 'R', 0)->enabled, EV_READ | EV_WRITE);
	bc_expect_shape(t, e, "R");
	bc_link_close(t, &l);
}

/* ---- E4: reading stops at the high watermark; E5: resumes after a drain outside callbacks ---- */
void wm_read_high_stop(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	struct bc_end *e = reader(t, sv);
	bufferevent_setwatermark(e->bev, EV_READ, 0, 20);
	bufferevent_enable(e->bev, EV_READ);
	send_pattern(t, sv[1], 100, 0);

	bc_expect(t, bc_wait_until(t, 1000, bc_count(e, 'R') >= 1), "a first readcb");
	bc_expect_int(t, "in at the first readcb", bc_nth(e, 'R', 0)->in, 20);
	/* A few more passes: nothing more may leave the kernel (libevent re-runs readcb
	 * here, see wm.read.high.spin; that is not this case's business). */
	bc_passes(t, 5);
	bc_expect_int(t, "input length while at the high watermark", in_len(e), 20);
	bc_expect_int(t, "bytes still in the kernel", kernel_pending(e), 80);
	bc_expect_enabled(t, "bufferevent_get_enabled while suspended", bufferevent_get_enabled(e->bev),
			  EV_READ | EV_WRITE);
	for (unsigned i = 0; i < bc_count(e, 'R'); i++)
		bc_expect_int(t, "in at every readcb", bc_nth(e, 'R', i)->in, 20);
	bc_expect_int(t, "eventcb calls", bc_count(e, 'E'), 0);

	/* Drain 15 outside any callback: reading resumes on its own and refills to 20. */
	bc_expect_int(t, "evbuffer_drain(input, 15)", evbuffer_drain(bufferevent_get_input(e->bev), 15), 0);
	bc_expect(t, bc_wait_until(t, 1000, in_len(e) == 20 && kernel_pending(e) == 65),
		  "input refilled to 20, 65 bytes left in the kernel");
	bc_passes(t, 3);
	bc_expect_int(t, "input length after the refill", in_len(e), 20);
	bc_expect_int(t, "bytes in the kernel after the refill", kernel_pending(e), 65);

	unsigned char buf[20];
	bc_expect_int(t, "evbuffer_remove", evbuffer_remove(bufferevent_get_input(e->bev), buf, 20), 20);
	bc_expect(t, bc_pattern_mismatch(buf, 5, 15) < 0 && bc_pattern_mismatch(buf + 5, 15, 20) < 0,
		  "input holds stream bytes 15..35 in order");
	done(e, sv[1]);
}

/* ---- E4, E5: a readcb that drains everything sees in = H each time ---- */
void wm_read_high_drain_in_cb(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	struct bc_end *e = reader(t, sv);
	struct bc_bytes got = { 0 };
	e->drain_on_read = true;
	e->received = &got;
	bufferevent_setwatermark(e->bev, EV_READ, 0, 30);
	bufferevent_enable(e->bev, EV_READ);
	send_pattern(t, sv[1], 100, 0);

	bc_expect(t, bc_wait_until(t, 1000, got.len >= 100), "all 100 bytes through readcb");
	bc_passes(t, 3);
	bc_expect_pattern(t, "bytes drained in readcb", &got, 100);
	bc_expect_shape(t, e, "R R R R");
	static const size_t want[] = { 30, 30, 30, 10 };
	for (unsigned i = 0; i < 4; i++)
		bc_expect_int(t, "in at readcb (30,30,30,10)", bc_nth(e, 'R', i)->in, want[i]);
	bc_expect_int(t, "bytes left in the kernel", kernel_pending(e), 0);
	done(e, sv[1]);
	bc_bytes_free(&got);
}

/* ---- E7: changing H with data already in the input ---- */
void wm_read_high_lower_raise(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	struct bc_end *e = reader(t, sv);
	bufferevent_enable(e->bev, EV_READ);
	send_pattern(t, sv[1], 50, 0);
	bc_expect(t, bc_wait_until(t, 1000, in_len(e) == 50), "50 bytes in the input");

	bufferevent_setwatermark(e->bev, EV_READ, 0, 30); /* below the current input */
	send_pattern(t, sv[1], 50, 50);
	bc_passes(t, 5);
	bc_expect_int(t, "input length after lowering H to 30 below in=50", in_len(e), 50);
	bc_expect_int(t, "bytes held in the kernel", kernel_pending(e), 50);
	bc_expect_enabled(t, "bufferevent_get_enabled while suspended", bufferevent_get_enabled(e->bev),
			  EV_READ | EV_WRITE);
	unsigned r_before = bc_count(e, 'R');

	bufferevent_setwatermark(e->bev, EV_READ, 0, 80); /* above it: resume up to 80 */
	bc_expect(t, bc_wait_until(t, 1000, in_len(e) >= 80), "input refilled after raising H to 80");
	bc_expect_int(t, "input length after raising H to 80", in_len(e), 80);
	bc_expect(t, bc_count(e, 'R') > r_before, "a readcb for the refill");
	bc_expect_int(t, "in at the refill readcb", bc_nth(e, 'R', r_before)->in, 80);

	bufferevent_setwatermark(e->bev, EV_READ, 0, 0); /* unlimited: the rest comes in */
	bc_expect(t, bc_wait_until(t, 1000, in_len(e) >= 100), "everything read after H=0");
	bc_expect_int(t, "input length after H=0", in_len(e), 100);
	bc_expect_int(t, "bytes left in the kernel", kernel_pending(e), 0);

	unsigned char buf[100];
	evbuffer_remove(bufferevent_get_input(e->bev), buf, 100);
	bc_expect(t, bc_pattern_mismatch(buf, 100, 0) < 0, "input holds the stream in order");
	bc_expect_int(t, "eventcb calls", bc_count(e, 'E'), 0);
	done(e, sv[1]);
}

/* ---- E10: no read timeout while the high watermark holds reading ---- */
void wm_read_high_no_timeout(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	struct bc_end *e = reader(t, sv);
	/* Keep the recorder's write and event callbacks but no readcb, so libevent's
	 * readcb re-run at the high watermark (wm.read.high.spin) cannot busy the loop. */
	bufferevent_event_cb ecb;
	bufferevent_data_cb rcb, wcb;
	void *arg;
	bufferevent_getcb(e->bev, &rcb, &wcb, &ecb, &arg);
	bufferevent_setcb(e->bev, NULL, wcb, ecb, arg);

	const int ms = 40;
	struct timeval tv = { 0, ms * 1000 };
	bufferevent_set_timeouts(e->bev, &tv, NULL);
	bufferevent_setwatermark(e->bev, EV_READ, 0, 20);
	bufferevent_enable(e->bev, EV_READ);
	send_pattern(t, sv[1], 100, 0);
	bc_expect(t, bc_wait_until(t, 1000, in_len(e) >= 20), "input filled to the high watermark");

	bc_run_for(t, 3 * ms);
	bc_expect_int(t, "eventcb calls while suspended by the high watermark", bc_count(e, 'E'), 0);
	bc_expect_int(t, "input length", in_len(e), 20);
	bc_expect_int(t, "bytes still in the kernel", kernel_pending(e), 80);

	/* Control: once unlimited, the rest is read and the idle timeout does fire. */
	bufferevent_setwatermark(e->bev, EV_READ, 0, 0);
	bc_expect(t, bc_wait_until(t, 1000, bc_count(e, 'E') >= 1), "a read timeout after resuming");
	bc_expect_int(t, "input length at the timeout", bc_nth(e, 'E', 0)->in, 100);
	bc_expect_what(t, "eventcb flags", bc_nth(e, 'E', 0)->what, BEV_EVENT_READING | BEV_EVENT_TIMEOUT);
	done(e, sv[1]);
}

/* ---- E6 (QUIRK): readcb re-run while it leaves in >= H ---- */
/* In a QUIRK case every difference from libevent goes through bc_quirk_differs. */
static void quirk_check(struct bc_ctx *t, bool ok, const char *check, const char *expected,
			long long actual)
{
	if (ok)
		return;
	char a[32];
	snprintf(a, sizeof a, "%lld", actual);
	bc_quirk_differs(t, check, expected, a);
}

void wm_read_high_spin(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	struct bc_end *e = reader(t, sv);
	bufferevent_setwatermark(e->bev, EV_READ, 0, 20);
	bufferevent_enable(e->bev, EV_READ);
	send_pattern(t, sv[1], 100, 0);
	bool first = bc_wait_until(t, 1000, bc_count(e, 'R') >= 1);
	quirk_check(t, first, "readcb calls", ">= 1", bc_count(e, 'R'));
	bc_passes(t, 5);
	unsigned n = bc_count(e, 'R');
	bufferevent_disable(e->bev, EV_READ); /* the documented way out of the loop */
	quirk_check(t, n >= 2, "readcb calls in 6 passes with in >= high watermark", ">= 2", n);
	for (unsigned i = 0; i < n && i < BC_MAX_EVENTS; i++)
		quirk_check(t, bc_nth(e, 'R', i)->in == 20, "in at every readcb", "20", bc_nth(e, 'R', i)->in);
	/* libevent still runs the one re-run already queued (with en=W), then stops. */
	bc_passes(t, 3);
	unsigned m = bc_count(e, 'R');
	quirk_check(t, m <= n + 1, "readcb calls after disabling EV_READ (at most the queued one)", "<= n+1",
		    (long long)m - n);
	bc_passes(t, 3);
	quirk_check(t, bc_count(e, 'R') == m, "readcb calls once EV_READ is disabled", "no more", bc_count(e, 'R') - m);
	done(e, sv[1]);
}
