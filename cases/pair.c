/* Area H: bufferevent_pair. Both sides are recorded ("a" and "b"); nothing here touches a
 * socket. A pair moves bytes synchronously, inside the API call that makes a transfer
 * possible, and runs every callback deferred. */
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

/* A new pair, both sides recorded; BC_DEFER in the row adds BEV_OPT_DEFER_CALLBACKS. */
static void open_pair(struct bc_ctx *t, struct bc_end **a, struct bc_end **b)
{
	struct bufferevent *p[2] = { NULL, NULL };
	bc_expect_int(t, "bufferevent_pair_new", bufferevent_pair_new(t->base, bc_opts(t, 0), p), 0);
	*a = bc_watch(t, p[0], "a");
	*b = bc_watch(t, p[1], "b");
}

static void close_pair(struct bc_end *a, struct bc_end *b)
{
	if (!a->freed)
		bc_free(a);
	if (!b->freed)
		bc_free(b);
}

static void write_pattern(struct bc_ctx *t, struct bc_end *e, size_t n, size_t offset)
{
	unsigned char buf[4096];
	bc_pattern(buf, n, offset);
	bc_expect_int(t, "bufferevent_write", bufferevent_write(e->bev, buf, n), 0);
}

/* ---- H1: a new pair ---- */
void pair_new(struct bc_ctx *t)
{
	struct bc_end *a, *b;
	open_pair(t, &a, &b);
	bc_expect_enabled(t, "en of side 0", bufferevent_get_enabled(a->bev), EV_WRITE);
	bc_expect_enabled(t, "en of side 1", bufferevent_get_enabled(b->bev), EV_WRITE);
	bc_expect(t, "get_partner(side 0) is side 1", bufferevent_pair_get_partner(a->bev) == b->bev);
	bc_expect(t, "get_partner(side 1) is side 0", bufferevent_pair_get_partner(b->bev) == a->bev);
	bc_expect_int(t, "getfd(side 0)", bufferevent_getfd(a->bev), -1);
	bc_expect_int(t, "getfd(side 1)", bufferevent_getfd(b->bev), -1);

	/* Deferred callbacks are always on: a trigger without options runs nothing inline. */
	bufferevent_trigger(a->bev, EV_WRITE, 0);
	bufferevent_trigger_event(b->bev, BEV_EVENT_EOF, 0);
	bc_expect_str(t, "callbacks inside bufferevent_trigger/trigger_event", bc_shape(a), "");
	bc_expect_str(t, "callbacks inside bufferevent_trigger_event", bc_shape(b), "");
	bc_await(t, "the triggered callbacks", bc_count(a, 'W') && bc_count(b, 'E'));
	bc_settle(t);
	bc_expect_shape(t, a, "W");
	bc_expect_shape(t, b, "E(EOF)");
	close_pair(a, b);
}

/* ---- H2: the transfer happens inside bufferevent_write; callbacks come from the loop ---- */
void pair_transfer_sync(struct bc_ctx *t)
{
	struct bc_end *a, *b;
	open_pair(t, &a, &b);
	bufferevent_enable(b->bev, EV_READ);
	bc_expect_int(t, "bufferevent_write(a, \"hello\")", bufferevent_write(a->bev, "hello", 5), 0);
	bc_expect_int(t, "b's input straight after the write", in_len(b), 5);
	bc_expect_int(t, "a's output straight after the write", out_len(a), 0);
	bc_expect_int(t, "bufferevent_write(a, \"world\")", bufferevent_write(a->bev, "world", 5), 0);
	bc_expect_int(t, "b's input straight after the second write", in_len(b), 10);
	bc_expect_str(t, "callbacks on a inside bufferevent_write", bc_shape(a), "");
	bc_expect_str(t, "callbacks on b inside bufferevent_write", bc_shape(b), "");

	bc_await(t, "readcb on b and writecb on a", bc_count(b, 'R') && bc_count(a, 'W'));
	bc_settle(t);
	bc_expect_shape(t, b, "R");
	bc_expect_shape(t, a, "W");
	bc_expect_int(t, "in at b's readcb", bc_nth(b, 'R', 0)->in, 10);
	bc_expect_int(t, "out at a's writecb", bc_nth(a, 'W', 0)->out, 0);
	char buf[16] = { 0 };
	bc_expect_int(t, "bufferevent_read(b)", bufferevent_read(b->bev, buf, sizeof buf), 10);
	bc_expect_buf(t, "bytes at b", buf, strnlen(buf, sizeof buf), "helloworld");
	close_pair(a, b);
}

/* ---- H3: data waits while b does not read or a does not write ---- */
void pair_transfer_hold(struct bc_ctx *t)
{
	struct bc_end *a, *b;
	open_pair(t, &a, &b);
	write_pattern(t, a, 10, 0);
	bc_passes(t, 3);
	bc_expect_int(t, "a's output while b has EV_READ off", out_len(a), 10);
	bc_expect_int(t, "b's input while b has EV_READ off", in_len(b), 0);
	bc_expect_shape(t, a, "");
	bc_expect_shape(t, b, "");

	bufferevent_enable(b->bev, EV_READ);
	bc_expect_int(t, "b's input straight after enable(b, EV_READ)", in_len(b), 10);
	bc_expect_int(t, "a's output straight after enable(b, EV_READ)", out_len(a), 0);
	bc_expect_str(t, "callbacks inside bufferevent_enable", bc_shape(b), "");
	bc_await(t, "readcb on b, writecb on a", bc_count(b, 'R') && bc_count(a, 'W'));

	/* The other way round: a stops writing, data waits; enable(a, EV_WRITE) releases it. */
	bufferevent_disable(a->bev, EV_WRITE);
	write_pattern(t, a, 10, 10);
	bc_passes(t, 3);
	bc_expect_int(t, "a's output with a's EV_WRITE off", out_len(a), 10);
	bc_expect_int(t, "b's input with a's EV_WRITE off", in_len(b), 10);
	bufferevent_enable(a->bev, EV_WRITE);
	bc_expect_int(t, "b's input straight after enable(a, EV_WRITE)", in_len(b), 20);
	bc_expect_int(t, "a's output straight after enable(a, EV_WRITE)", out_len(a), 0);
	bc_await(t, "second readcb and writecb", bc_count(b, 'R') >= 2 && bc_count(a, 'W') >= 2);
	bc_settle(t);
	bc_expect_shape(t, b, "R R");
	bc_expect_shape(t, a, "W W");
	unsigned char buf[20];
	bc_expect_int(t, "bufferevent_read(b)", bufferevent_read(b->bev, buf, 20), 20);
	bc_expect(t, "b holds both writes in order", bc_pattern_mismatch(buf, 20, 0) < 0);
	close_pair(a, b);
}

/* ---- H4: b's read high watermark limits the transfer; a drain pulls more at once ---- */
static void drain_record(struct bc_end *e)
{
	bc_read_input(e->t, e->bev, (struct bc_bytes *)e->user, SIZE_MAX);
}

void pair_highwm(struct bc_ctx *t)
{
	struct bc_end *a, *b;
	open_pair(t, &a, &b);
	bufferevent_setwatermark(b->bev, EV_READ, 0, 20);
	bufferevent_enable(b->bev, EV_READ);
	write_pattern(t, a, 100, 0);
	bc_expect_int(t, "b's input straight after writing 100 (H=20)", in_len(b), 20);
	bc_expect_int(t, "a's output straight after writing 100 (H=20)", out_len(a), 80);
	bc_expect_enabled(t, "b's en while held at H", bufferevent_get_enabled(b->bev), EV_READ | EV_WRITE);

	bc_expect_int(t, "evbuffer_drain(b's input, 5)", evbuffer_drain(bufferevent_get_input(b->bev), 5), 0);
	bc_expect_int(t, "b's input straight after draining 5", in_len(b), 20);
	bc_expect_int(t, "a's output straight after draining 5", out_len(a), 75);
	bc_expect_str(t, "callbacks inside the drain", bc_shape(b), "");

	/* Now let b's readcb drain: everything comes through, never more than H at a time. */
	struct bc_bytes got = { 0 };
	unsigned char first[15];
	bc_expect_int(t, "evbuffer_remove", evbuffer_remove(bufferevent_get_input(b->bev), first, 15), 15);
	bc_expect(t, "b's input held stream bytes 5..20", bc_pattern_mismatch(first, 15, 5) < 0);
	bc_expect_int(t, "b's input refilled after removing 15", in_len(b), 20);
	unsigned char rest[5];
	evbuffer_remove(bufferevent_get_input(b->bev), rest, 5);
	bc_expect(t, "then stream bytes 20..25", bc_pattern_mismatch(rest, 5, 20) < 0);
	b->user = &got;
	b->on_read = drain_record;
	bc_await(t, "the rest through b's readcb", got.len >= 75 && out_len(a) == 0);
	bc_settle(t);
	for (unsigned i = 0; i < bc_count(b, 'R'); i++)
		bc_expect(t, "in <= H=20 at every readcb", bc_nth(b, 'R', i)->in <= 20);
	bc_expect_int(t, "bytes through readcb", got.len, 75);
	bc_expect(t, "stream bytes 25..100 in order", bc_pattern_mismatch(got.data, got.len, 25) < 0);
	bc_expect_int(t, "eventcb calls", bc_count(b, 'E') + bc_count(a, 'E'), 0);
	close_pair(a, b);
	bc_bytes_free(&got);
}

/* ---- H5: low watermark on b; a's writecb after every transfer that empties it ---- */
void pair_lowwm(struct bc_ctx *t)
{
	struct bc_end *a, *b;
	open_pair(t, &a, &b);
	bufferevent_setwatermark(b->bev, EV_READ, 4, 0);
	bufferevent_enable(b->bev, EV_READ);
	bufferevent_write(a->bev, "ab", 2);
	bc_await(t, "a's writecb after the first transfer", bc_count(a, 'W') >= 1);
	bc_settle(t);
	bc_expect_int(t, "b's input", in_len(b), 2);
	bc_expect_shape(t, b, "");
	bufferevent_write(a->bev, "cd", 2);
	bc_await(t, "b's readcb at in=4", bc_count(b, 'R') >= 1 && bc_count(a, 'W') >= 2);
	bc_settle(t);
	bc_expect_shape(t, b, "R");
	bc_expect_int(t, "in at b's readcb", bc_nth(b, 'R', 0)->in, 4);
	bc_expect_shape(t, a, "W W");
	struct bc_bytes got = { 0 };
	bc_read_input(t, b->bev, &got, SIZE_MAX);
	bc_expect_bytes(t, "b's input: both transfers in order", &got, "abcd");
	bc_bytes_free(&got);
	close_pair(a, b);
}

/* ---- H6: freeing one side ---- */
void pair_free_one(struct bc_ctx *t)
{
	struct bc_end *a, *b;
	open_pair(t, &a, &b);
	bufferevent_enable(a->bev, EV_READ);
	bufferevent_enable(b->bev, EV_READ);
	bc_free(a);
	bc_expect(t, "get_partner(survivor) straight after the free", bufferevent_pair_get_partner(b->bev) == NULL);
	bc_settle(t);
	bc_expect_str(t, "callbacks on the survivor after its partner's free", bc_shape(b), "");

	bc_expect_int(t, "bufferevent_write(survivor)", bufferevent_write(b->bev, "xyz", 3), 0);
	bc_expect_int(t, "bufferevent_write(survivor) again", bufferevent_write(b->bev, "uvw", 3), 0);
	bc_settle(t);
	bc_expect_int(t, "the survivor's output piles up", out_len(b), 6);
	bc_expect_str(t, "callbacks on the survivor after writing", bc_shape(b), "");
	bc_expect_int(t, "flush(survivor, EV_WRITE, BEV_NORMAL)", bufferevent_flush(b->bev, EV_WRITE, BEV_NORMAL), -1);
	bc_expect_int(t, "flush(survivor, EV_WRITE, BEV_FLUSH)", bufferevent_flush(b->bev, EV_WRITE, BEV_FLUSH), -1);
	bc_expect_int(t, "flush(survivor, EV_READ|EV_WRITE, BEV_FINISHED)",
		      bufferevent_flush(b->bev, EV_READ | EV_WRITE, BEV_FINISHED), -1);
	bc_settle(t);
	bc_expect_str(t, "callbacks on the survivor after flushing", bc_shape(b), "");
	bc_free(b);
}

/* ---- H7: data already moved survives the sender's free ---- */
void pair_free_sender(struct bc_ctx *t)
{
	struct bc_end *a, *b;
	open_pair(t, &a, &b);
	bufferevent_enable(b->bev, EV_READ);
	write_pattern(t, a, 10, 0);
	bc_free(a);
	bc_await(t, "b's readcb after the sender's free", bc_count(b, 'R') >= 1);
	bc_settle(t);
	bc_expect_shape(t, b, "R");
	bc_expect_int(t, "in at b's readcb", bc_nth(b, 'R', 0)->in, 10);
	unsigned char buf[10];
	bc_expect_int(t, "bufferevent_read(b)", bufferevent_read(b->bev, buf, 10), 10);
	bc_expect(t, "the bytes in order", bc_pattern_mismatch(buf, 10, 0) < 0);
	bc_free(b);
}

/* ---- H8-H10: bufferevent_flush on a pair ----
 * param: mode (BC_FLUSH_NORMAL/_FLUSH/_FINISHED) | iotype (BC_IO_READ, BC_IO_WRITE). b (the partner) has
 * EV_READ on; a holds 10 bytes for b (a's EV_WRITE off) and b holds 7 for a (a's EV_READ
 * off), so only the flush can move them. */
void pair_flush(struct bc_ctx *t)
{
	int mode = bc_flush_mode(t, bc_param(t) & 0xf), io = bc_iotype(bc_param(t));
	struct bc_end *a, *b;
	open_pair(t, &a, &b);
	bufferevent_enable(b->bev, EV_READ);
	bufferevent_disable(a->bev, EV_WRITE);
	write_pattern(t, a, 10, 0);
	write_pattern(t, b, 7, 0);
	bc_passes(t, 3);
	bc_expect_int(t, "a's output before the flush", out_len(a), 10);
	bc_expect_int(t, "b's output before the flush", out_len(b), 7);
	bc_expect_shape(t, a, "");
	bc_expect_shape(t, b, "");

	/* bufferevent.h documents 1 when data was produced; libevent's pair returns 0 anyway
	 * (pair.flush.finished.unread checks that): either is accepted here. */
	int r = bufferevent_flush(a->bev, io, mode);
	bc_expect(t, "bufferevent_flush(a, ...) returns 0 or 1", r == 0 || r == 1);
	bool moves = mode != BEV_NORMAL;
	bool fwd = moves && (io & EV_WRITE), back = moves && (io & EV_READ);
	bc_expect_int(t, "b's input straight after the flush", in_len(b), fwd ? 10 : 0);
	bc_expect_int(t, "a's output straight after the flush", out_len(a), fwd ? 0 : 10);
	bc_expect_int(t, "a's input straight after the flush", in_len(a), back ? 7 : 0);
	bc_expect_int(t, "b's output straight after the flush", out_len(b), back ? 0 : 7);
	bc_expect_str(t, "callbacks on a inside the flush", bc_shape(a), "");
	bc_expect_str(t, "callbacks on b inside the flush", bc_shape(b), "");
	bc_settle(t);

	/* Expected traces: a transfer toward X gives X a readcb and its source a writecb;
	 * BEV_FINISHED adds an eventcb on b. */
	char wa[32] = "", wb[32] = "";
	if (back)
		strcat(wa, "R");
	if (fwd)
		strcat(wb, "R");
	if (fwd)
		strcat(wa, *wa ? " W" : "W");
	if (back)
		strcat(wb, *wb ? " W" : "W");
	if (mode == BEV_FINISHED) {
		short what = BEV_EVENT_EOF | ((io & EV_READ) ? BEV_EVENT_WRITING : 0) |
			     ((io & EV_WRITE) ? BEV_EVENT_READING : 0);
		char ev[48];
		snprintf(ev, sizeof ev, "%sE(%s)", *wb ? " " : "", bc_what_str(what));
		strcat(wb, ev);
	}
	bc_expect_shape(t, a, wa);
	bc_expect_shape(t, b, wb);
	if (fwd)
		bc_expect_int(t, "in at b's readcb", bc_nth(b, 'R', 0)->in, 10);
	if (back)
		bc_expect_int(t, "in at a's readcb", bc_nth(a, 'R', 0)->in, 7);
	struct bc_bytes got_b = { 0 }, got_a = { 0 };
	bc_read_input(t, b->bev, &got_b, SIZE_MAX);
	bc_read_input(t, a->bev, &got_a, SIZE_MAX);
	bc_expect_pattern(t, "b's input: what the flush moved from a", &got_b, fwd ? 10 : 0);
	bc_expect_pattern(t, "a's input: what the flush pulled from b", &got_a, back ? 7 : 0);
	bc_bytes_free(&got_b);
	bc_bytes_free(&got_a);
	/* Nothing is disabled by the flush or the EOF it reports. */
	bc_expect_enabled(t, "a's en after the flush", bufferevent_get_enabled(a->bev), 0);
	bc_expect_enabled(t, "b's en after the flush", bufferevent_get_enabled(b->bev), EV_READ | EV_WRITE);
	close_pair(a, b);
}

/* ---- H8 (QUIRK): BEV_FINISHED ignores the partner's EV_READ ---- */
void pair_flush_unread(struct bc_ctx *t)
{
	struct bc_end *a, *b;
	open_pair(t, &a, &b);
	write_pattern(t, a, 10, 0); /* b has EV_READ off: held */
	bc_expect_int(t, "a's output before the flush", out_len(a), 10);
	bc_expect_int(t, "bufferevent_flush(a, EV_WRITE, BEV_FINISHED) (0 although it moved data)",
		      bufferevent_flush(a->bev, EV_WRITE, BEV_FINISHED), 0);
	bc_expect_int(t, "b's input after the flush, though b does not read", in_len(b), 10);
	bc_settle(t);
	bc_expect_shape(t, b, "R E(READING|EOF)");
	bc_expect_enabled(t, "en at b's readcb", bc_nth(b, 'R', 0)->enabled, EV_WRITE);
	bc_expect_enabled(t, "en at b's EOF eventcb", bc_nth(b, 'E', 0)->enabled, EV_WRITE);
	bc_expect_shape(t, a, "W");
	close_pair(a, b);
}

/* ---- H8/H10 (QUIRK): a flush with nothing to move still runs readcb (in=0) and writecb ---- */
void pair_flush_empty(struct bc_ctx *t)
{
	struct bc_end *a, *b;
	open_pair(t, &a, &b);
	bufferevent_enable(b->bev, EV_READ);
	bc_expect_int(t, "bufferevent_flush(a, EV_WRITE, BEV_FLUSH)", bufferevent_flush(a->bev, EV_WRITE, BEV_FLUSH), 0);
	bc_settle(t);
	bc_expect_shape(t, b, "R");
	bc_expect_int(t, "in at b's readcb", bc_nth(b, 'R', 0)->in, 0);
	bc_expect_shape(t, a, "W");
	close_pair(a, b);
}

/* ---- H11 (QUIRK): a flush moves only up to b's high watermark unless b is already at it ---- */
void pair_flush_highwm(struct bc_ctx *t)
{
	struct bc_end *a, *b;
	open_pair(t, &a, &b);
	bufferevent_setwatermark(b->bev, EV_READ, 0, 20); /* b's EV_READ off: no readcb re-run */
	write_pattern(t, a, 100, 0);
	bc_expect_int(t, "flush #1", bufferevent_flush(a->bev, EV_WRITE, BEV_FLUSH), 0);
	bc_expect_int(t, "b's input after a flush below H=20", in_len(b), 20);
	bc_expect_int(t, "a's output after a flush below H=20", out_len(a), 80);
	bc_expect_int(t, "flush #2", bufferevent_flush(a->bev, EV_WRITE, BEV_FLUSH), 0);
	bc_expect_int(t, "b's input after a flush at H=20", in_len(b), 100);
	bc_expect_int(t, "a's output after a flush at H=20", out_len(a), 0);
	close_pair(a, b);
}

/* ---- H12: pair timeouts ---- */
void pair_timeout_read(struct bc_ctx *t)
{
	const int ms = 40;
	struct bc_end *a, *b;
	open_pair(t, &a, &b);
	struct timeval tv = { 0, ms * 1000 };
	bufferevent_set_timeouts(b->bev, &tv, NULL);
	/* A transfer half way through the timeout restarts the timer. On a machine too busy
	 * to come back within the timeout the first try times out before the transfer: the
	 * setup is then repeated (those timeouts are not what this case checks). */
	unsigned e0 = 0;
	for (int attempt = 0;; attempt++) {
		bufferevent_enable(b->bev, EV_READ);
		bc_run_for(t, ms / 2);
		if (bc_count(b, 'E') == e0)
			break;
		e0 = bc_count(b, 'E');
		bc_expect(t, "harness: back from the loop within the read timeout", attempt < 5);
	}
	bufferevent_write(a->bev, "x", 1);
	double t1 = bc_now_ms();
	bc_await(t, "a read timeout on b", bc_count(b, 'E') > e0);
	double t2 = bc_now_ms();
	bc_settle(t);
	bc_expect_int(t, "readcb calls on b", bc_count(b, 'R'), 1);
	bc_expect_int(t, "eventcb calls on b after the transfer", bc_count(b, 'E') - e0, 1);
	bc_expect_what(t, "eventcb flags", bc_nth(b, 'E', e0)->what, BEV_EVENT_READING | BEV_EVENT_TIMEOUT);
	/* libevent's clock is coarse (a few ms): a timer restarted by the transfer fires
	 * ~40 ms after it, one left alone at most ~20 ms after it. */
	bc_expect(t, "the transfer restarted the read timer (fired >= 30 ms after it)", t2 - t1 >= ms * 3 / 4);
	bc_expect_enabled(t, "en at the timeout", bc_nth(b, 'E', e0)->enabled, EV_WRITE);
	bc_expect_enabled(t, "b's en after the timeout", bufferevent_get_enabled(b->bev), EV_WRITE);
	close_pair(a, b);
}

/* Write timer: started by enable(EV_WRITE) (param 0) or set_timeouts (param 1) while the
 * output holds data; b does not read, so the data waits and the timer runs out. */
void pair_timeout_write(struct bc_ctx *t)
{
	const int ms = 30;
	struct bc_end *a, *b;
	open_pair(t, &a, &b);
	struct timeval tv = { 0, ms * 1000 };
	bufferevent_disable(a->bev, EV_WRITE);
	write_pattern(t, a, 10, 0);
	if (bc_param(t) == 0)
		bufferevent_set_timeouts(a->bev, NULL, &tv); /* EV_WRITE off: not started */
	bc_run_for(t, 2 * ms);
	bc_expect_str(t, "callbacks on a before the timer is started", bc_shape(a), "");
	double t0 = bc_now_ms();
	if (bc_param(t) == 0)
		bufferevent_enable(a->bev, EV_WRITE);
	else {
		bufferevent_enable(a->bev, EV_WRITE);
		bufferevent_set_timeouts(a->bev, NULL, &tv);
	}
	bc_await(t, "a write timeout on a", bc_count(a, 'E') >= 1);
	double dt = bc_now_ms() - t0;
	bc_settle(t);
	bc_expect(t, "not before the timeout (coarse clock: 3/4 of it)", dt >= ms * 3 / 4);
	bc_expect_shape(t, a, "E(WRITING|TIMEOUT)");
	bc_expect_int(t, "out at the timeout", bc_nth(a, 'E', 0)->out, 10);
	bc_expect_enabled(t, "en at the timeout", bc_nth(a, 'E', 0)->enabled, 0);
	bc_expect_shape(t, b, "");
	close_pair(a, b);
}

/* H12 (QUIRK): queuing data with bufferevent_write does not start a pair's write timer. */
void pair_timeout_write_not_by_write(struct bc_ctx *t)
{
	const int ms = 30;
	struct bc_end *a, *b;
	open_pair(t, &a, &b);
	struct timeval tv = { 0, ms * 1000 };
	bufferevent_set_timeouts(a->bev, NULL, &tv); /* output empty: not started */
	write_pattern(t, a, 10, 0);                   /* b does not read: the data waits */
	bc_run_for(t, 3 * ms);
	bc_expect_str(t, "callbacks on a 3 timeouts after bufferevent_write", bc_shape(a), "");
	bc_expect_int(t, "a's output", out_len(a), 10);
	close_pair(a, b);
}

/* ---- H13 (QUIRK): the sender's write timer survives the transfer ---- */
void pair_timeout_write_stale(struct bc_ctx *t)
{
	const int ms = 30;
	struct bc_end *a, *b;
	open_pair(t, &a, &b);
	write_pattern(t, a, 10, 0);
	struct timeval tv = { 0, ms * 1000 };
	bufferevent_set_timeouts(a->bev, NULL, &tv); /* armed: output non-empty */
	bufferevent_enable(b->bev, EV_READ);          /* takes the data at once */
	bc_expect_int(t, "a's output after b enabled reading", out_len(a), 0);
	bc_await(t, "a (stale) write timeout on a", bc_count(a, 'E') >= 1);
	bc_settle(t);
	bc_expect_shape(t, a, "W E(WRITING|TIMEOUT)");
	bc_expect_int(t, "out at the stale timeout", bc_nth(a, 'E', 0)->out, 0);
	bc_expect_enabled(t, "a's en after it", bufferevent_get_enabled(a->bev), 0);
	/* The consequence: a's EV_WRITE is off, so later writes stay in a. */
	write_pattern(t, a, 5, 10);
	bc_expect_int(t, "a's output after a later write", out_len(a), 5);
	bc_expect_int(t, "b's input", in_len(b), 10);
	close_pair(a, b);
}

/* ---- H14: freeing a side inside its own readcb ---- */
static void free_self(struct bc_end *e)
{
	bc_free(e);
}

void pair_free_in_readcb(struct bc_ctx *t)
{
	struct bc_end *a, *b;
	open_pair(t, &a, &b);
	bufferevent_enable(b->bev, EV_READ);
	bufferevent_enable(a->bev, EV_READ);
	b->on_read = free_self;
	bufferevent_write(a->bev, "ping", 4);
	bufferevent_write(b->bev, "pong", 4); /* moves to a at once; b's writecb is pending too */
	bc_await(t, "b's readcb (which frees b)", b->freed);
	bc_settle(t);
	bc_expect_shape(t, b, "R");
	bc_expect(t, "get_partner(a) after b freed itself", bufferevent_pair_get_partner(a->bev) == NULL);
	bc_expect_int(t, "a's input (moved before the free)", in_len(a), 4);
	struct bc_bytes got = { 0 };
	bc_read_input(t, a->bev, &got, SIZE_MAX);
	bc_expect_bytes(t, "a's input", &got, "pong");
	bc_bytes_free(&got);
	bc_expect_int(t, "bufferevent_write(a) after", bufferevent_write(a->bev, "more", 4), 0);
	bc_settle(t);
	bc_expect_int(t, "a's output piles up", out_len(a), 4);
	bc_free(a);
}

/* ---- A11: both sides' buffers are frozen at the bufferevent's end, before and after transfers ---- */
static void expect_frozen(struct bc_ctx *t, struct bc_end *e, const char *when)
{
	char label[160];
	struct evbuffer *in = bufferevent_get_input(e->bev), *out = bufferevent_get_output(e->bev);
	size_t n_in = evbuffer_get_length(in), n_out = evbuffer_get_length(out);
	snprintf(label, sizeof label, "evbuffer_add on %s's input (end frozen) %s", e->name, when);
	bc_expect_int(t, label, evbuffer_add(in, "x", 1), -1);
	snprintf(label, sizeof label, "%s's input length after the refused add %s", e->name, when);
	bc_expect_int(t, label, evbuffer_get_length(in), n_in);
	if (n_out) {
		snprintf(label, sizeof label, "evbuffer_drain on %s's output (front frozen) %s", e->name, when);
		bc_expect_int(t, label, evbuffer_drain(out, 1), -1);
		snprintf(label, sizeof label, "%s's output length after the refused drain %s", e->name, when);
		bc_expect_int(t, label, evbuffer_get_length(out), n_out);
	}
}

void pair_frozen(struct bc_ctx *t)
{
	struct bc_end *a, *b;
	open_pair(t, &a, &b);
	write_pattern(t, a, 4, 0); /* neither side reads yet: held in the outputs */
	write_pattern(t, b, 4, 0);
	expect_frozen(t, a, "on a new pair");
	expect_frozen(t, b, "on a new pair");
	bufferevent_enable(b->bev, EV_READ); /* a -> b */
	bufferevent_enable(a->bev, EV_READ); /* b -> a */
	bc_expect_int(t, "b's input after the transfers", in_len(b), 4);
	bc_expect_int(t, "a's input after the transfers", in_len(a), 4);
	bufferevent_disable(a->bev, EV_WRITE);
	bufferevent_disable(b->bev, EV_WRITE);
	write_pattern(t, a, 3, 4);
	write_pattern(t, b, 3, 4);
	expect_frozen(t, a, "after a transfer each way");
	expect_frozen(t, b, "after a transfer each way");
	bc_settle(t);
	struct bc_bytes ga = { 0 }, gb = { 0 };
	bc_read_input(t, a->bev, &ga, SIZE_MAX);
	bc_read_input(t, b->bev, &gb, SIZE_MAX);
	bc_expect_pattern(t, "a's input: b's first write, nothing added", &ga, 4);
	bc_expect_pattern(t, "b's input: a's first write, nothing added", &gb, 4);
	bc_bytes_free(&ga);
	bc_bytes_free(&gb);
	close_pair(a, b);
}

/* ---- H12/F8: enable(EV_WRITE) with nothing queued starts no write timer ---- */
void pair_timeout_write_empty(struct bc_ctx *t)
{
	const int ms = 30;
	struct bc_end *a, *b;
	open_pair(t, &a, &b);
	struct timeval tv = { 0, ms * 1000 };
	bufferevent_set_timeouts(a->bev, NULL, &tv); /* output empty: not started */
	bufferevent_enable(a->bev, EV_WRITE);        /* still empty: not started either */
	bufferevent_enable(a->bev, EV_READ);
	bc_run_for(t, 3 * ms);
	bc_expect_str(t, "callbacks on a, 3 timeouts after enable(EV_WRITE) on an empty output", bc_shape(a), "");
	bc_expect_enabled(t, "a's en", bufferevent_get_enabled(a->bev), EV_READ | EV_WRITE);
	close_pair(a, b);
}

/* ---- H18: disable stops that direction's timer and leaves the other running ----
 * param 0: the read timer (b); 1: the write timer (a, holding bytes b does not take). */
void pair_timeout_disable(struct bc_ctx *t)
{
	const int ms = 30;
	bool wr = bc_param(t) == 1;
	struct bc_end *a, *b;
	open_pair(t, &a, &b);
	struct timeval tv = { 0, ms * 1000 };
	struct bc_end *e = wr ? a : b;
	short dir = wr ? EV_WRITE : EV_READ, other = wr ? EV_READ : EV_WRITE;
	if (wr) {
		write_pattern(t, a, 10, 0); /* b does not read: the bytes wait */
		bufferevent_set_timeouts(a->bev, NULL, &tv);
	} else {
		bufferevent_set_timeouts(b->bev, &tv, NULL);
	}
	bufferevent_enable(e->bev, dir); /* the timer runs */
	bufferevent_disable(e->bev, dir); /* and stops */
	bc_run_for(t, 3 * ms);
	bc_expect_str(t, "callbacks 3 timeouts after disabling the direction", bc_shape(e), "");

	/* Disabling the other direction leaves the timer alone. */
	bufferevent_enable(e->bev, dir);
	bufferevent_disable(e->bev, other);
	bc_await(t, "the timeout, with the other direction disabled", bc_count(e, 'E') >= 1);
	bc_settle(t);
	bc_expect_shape(t, e, wr ? "E(WRITING|TIMEOUT)" : "E(READING|TIMEOUT)");
	bc_expect_enabled(t, "en after the timeout", bufferevent_get_enabled(e->bev), 0);
	close_pair(a, b);
}

/* ---- H13 (QUIRK): the next transfer into a side with an empty output stops its stale write timer ---- */
void pair_timeout_write_stale_stopped(struct bc_ctx *t)
{
	const int ms = 30;
	struct bc_end *a, *b;
	open_pair(t, &a, &b);
	write_pattern(t, b, 10, 0);
	struct timeval tv = { 0, ms * 1000 };
	bufferevent_set_timeouts(b->bev, NULL, &tv); /* armed: b's output holds bytes */
	bufferevent_enable(a->bev, EV_READ);          /* a takes them: b's timer is now stale */
	bufferevent_enable(b->bev, EV_READ);
	bc_expect_int(t, "b's output after a enabled reading", out_len(b), 0);
	bufferevent_write(a->bev, "x", 1);            /* a transfer into b, b's output empty */
	bc_expect_int(t, "b's input after a's write", in_len(b), 1);
	bc_run_for(t, 3 * ms);
	bc_settle(t);
	bc_expect_int(t, "eventcbs on b after a transfer into it stopped its stale timer", bc_count(b, 'E'), 0);
	bc_expect_enabled(t, "b's en", bufferevent_get_enabled(b->bev), EV_READ | EV_WRITE);
	close_pair(a, b);
}
