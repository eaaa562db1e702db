/* bev_model.c: the model behind bufferevent_tape, and the core of its C reproducers.
 *
 * A socket bufferevent over a socketpair (the other end is the "peer"), and a bufferevent
 * pair, driven by operations: writes, reads, enable/disable, watermarks, timeouts, loop
 * passes, frees and scripted syscall results (runtime/fault.h: short writes, EAGAIN,
 * EINTR, ECONNRESET, EPIPE, EOF); and what goes between and around them: moving (or
 * referencing) one bufferevent's input into another's output, a XOR filter over a
 * bufferevent (its results chosen per step), flushes in every mode, rate limits,
 * THREADSAFE bufferevents (evthread_use_pthreads) and frees with deferred callbacks
 * pending. Each operation is one function below (the "operations" part), run as
 * STEP(n, BOP_<NAME>, slot, call): bufferevent_tape.c decodes a tape into these calls,
 * and bev_repro.c writes the same calls into a reproducer's main(), with this file's text
 * before it. It uses only libevent's public API, libc and, when BEVCONF_FAULTS is 1,
 * runtime/fault.h's scripted syscalls.
 *
 * Invariants, checked after every operation and inside every callback:
 *   - four byte streams (bev->peer, peer->bev, pair0->pair1, pair1->pair0): what goes in
 *     is recorded per stream (the tape's own pattern, or the bytes moved there from
 *     another stream's input), and every byte read is the next one expected (nothing
 *     lost, duplicated or reordered; through a filter, XORed with its key exactly once),
 *     and sent == received + queued in the outputs + in the socket (FIONREAD) + queued in
 *     the inputs (a filter's and its underlying's), for every live stream;
 *   - callbacks: nothing after bufferevent_free; event flags are one of the contract's
 *     combinations (READING or WRITING with EOF, ERROR or TIMEOUT); without deferred
 *     callbacks, an EOF/error/timeout on a direction disables it, and arrives once until
 *     the direction is enabled again (a filter relays its underlying's event without
 *     disabling itself, K4: once per direction); the read callback runs only with the input at or
 *     above the low watermark and the write callback with the output at or below it;
 *   - the input never grows past the read high watermark (or its length when the mark
 *     was set lower, or after a flush, which ignores it);
 *   - a filter is called with BEV_NORMAL, or with the mode of the flush in progress, and
 *     a non-NORMAL flush of a filter returns 1 exactly when its filter returned BEV_OK;
 *     a pair flush returns 0 (-1 once the partner is freed, H6);
 *   - with a rate limit on the socket bufferevent, what it has read (written) since never
 *     exceeds the bucket (checked when the implementation meters: get_max_to_read/write
 *     is within the burst). */
#define _GNU_SOURCE
#if BEVCONF_REPRO /* a reproducer runs only some of the operations */
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-const-variable"
#endif
#ifndef BEVCONF_FAULTS
#define BEVCONF_FAULTS 1 /* the scripted syscalls are linked in (a reproducer without them: 0) */
#endif
#if BEVCONF_FAULTS
#include "fault.h"
#endif

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define NB 3        /* 0: socket bufferevent, 1 and 2: the pair */
#define MAXOPS 96
#define MAXIO 4096
#define QCAP (1u << 19) /* bytes a stream may have in flight (its expected-byte ring) */
#define MAXCFG 8        /* rate-limit configurations per input (kept until the teardown) */
#define TICK_SEC 3600   /* a rate-limit tick: buckets refill at most once within an input */

enum { S_OUT, S_IN, S_P01, S_P10, NSTREAM }; /* bev->peer, peer->bev, pair0->1, pair1->0 */

/* The operations: bufferevent_ops.def. BOP_COUNT is the number of rows; row k is byte k. */
enum {
#define X(name, byte, str, needs_bev) BOP_##name = byte,
#include "bufferevent_ops.def"
#undef X
};
enum {
#define X(name, byte, str, needs_bev) BOP_ROW_##name,
#include "bufferevent_ops.def"
#undef X
	BOP_COUNT
};
#define X(name, byte, str, needs_bev) _Static_assert((int)BOP_##name == (int)BOP_ROW_##name, \
	"bufferevent_ops.def: " #name " must say the byte of its row (bytes are fixed: new rows go last)");
#include "bufferevent_ops.def"
#undef X
static const char *const opnames[BOP_COUNT] = {
#define X(name, byte, str, needs_bev) [byte] = str,
#include "bufferevent_ops.def"
#undef X
};
static const unsigned char needs_bev[BOP_COUNT] = {
#define X(name, byte, str, needs_bev) [byte] = needs_bev,
#include "bufferevent_ops.def"
#undef X
};

/* One direction of a slot's filter: every byte it moves is XORed with key. */
struct xform {
	unsigned char key;
	size_t chunk;                          /* at most this many bytes per call */
	enum bufferevent_filter_result result; /* what every call returns (BEV_ERROR: moves nothing) */
	int flush_mode;                        /* the mode of the flush in progress, -1: none */
};

struct bev {
	struct bufferevent *b;
	struct bufferevent *under; /* b is a filter over this one (freed with it), or NULL */
	struct xform in, out;      /* the filter's directions (keys 0 without a filter) */
	int freed, deferred, consume;
	int relayed; /* events may come from a deferred or pair underlying: coalesced, not disabling */
	int read_done, write_done; /* EOF/error/timeout seen, direction not re-enabled since */
	int under_read_done, under_write_done; /* a filter relayed its underlying's event */
	size_t rlow, rhigh, wlow;
	size_t rlow_floor, wlow_ceil; /* read/write low mark a callback may still see */
	size_t hi_limit;
	int rerun_queued; /* a readcb returned at the read high watermark (E6): one re-run queued */
};

/* A rate limit on the socket bufferevent, per direction: since `base` bytes had gone
 * through the socket, at most allow + slack may (slack: one refill at a tick boundary). */
struct bucket {
	unsigned long base;
	size_t allow, slack;
};

static struct {
	struct event_base *base;
	int sv[2];
	struct bev v[NB];
	unsigned long sent[NSTREAM], got[NSTREAM];
	/* refs[s]: streams whose input multicast chains in stream s's buffers may reference
	 * (evbuffer_add_buffer_reference into a pair side's output), as a bit mask */
	unsigned refs[NSTREAM];
	int peer_shut;
	int step, code, waits, faults;
	const char *call; /* the step's call, as its STEP line says */
	struct ev_token_bucket_cfg *cfg[MAXCFG];
	int ncfg;
	int rate_limited, metered; /* the socket bufferevent has a limit; the implementation meters */
	struct bucket rd, wr;
	unsigned char buf[MAXIO];
} T;

/* What each stream should deliver: byte k of stream s is expect[s][k % QCAP] (a stream
 * never has more than QCAP bytes in flight). Outside T, which is cleared per input, and
 * mapped rather than static or malloc'd: LeakSanitizer scans globals and heap blocks for
 * pointers on every leak check, and 2 MiB of stream bytes halved the exec/s. */
static unsigned char (*expect)[QCAP];
static unsigned char filter_buf[1 << 15]; /* the largest filter chunk */

static unsigned char pat(int stream, unsigned long k)
{
	return (unsigned char)((k * 7 + k / 251 + (unsigned long)stream * 61) % 251);
}

/* A broken invariant. The fuzzer aborts with its report (the finding's signature is its
 * first line); a reproducer (BEVCONF_REPRO) prints the step and exits 1. */
__attribute__((noreturn, format(printf, 2, 3)))
static void fail(const char *what, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
#if BEVCONF_REPRO
	if (T.code >= 0)
		printf("step %d: %s: ", T.step, T.call);
	else
		printf("teardown: ");
	printf("%s: ", what);
	vprintf(fmt, ap);
	printf("\nthe bug is present (libevent %s)\n", event_get_version());
	exit(1);
#else
	fprintf(stderr, "bevconf-fuzz: FAIL bufferevent_tape: %s: %s\n", T.code >= 0 ? opnames[T.code] : "finish", what);
	fprintf(stderr, "  step %d\n  ", T.step);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	abort();
#endif
}

static unsigned char expected(int s, unsigned long k)
{
	return expect[s][k % QCAP];
}

static size_t stream_room(int s)
{
	return QCAP - (T.sent[s] - T.got[s]);
}

/* n bytes enter stream s (XORed with key: a filter they will pass through). The caller
 * checked stream_room. */
static void stream_put(int s, const unsigned char *d, size_t n, unsigned char key)
{
	for (size_t i = 0; i < n; i++)
		expect[s][(T.sent[s] + i) % QCAP] = d[i] ^ key;
	T.sent[s] += n;
}

/* Bytes arriving on a stream (through a filter with key) must be the next ones it carries. */
static void arrive(int s, unsigned char key, const unsigned char *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (d[i] != (expected(s, T.got[s] + i) ^ key))
			fail("byte lost, duplicated or reordered", "stream %d byte %lu: %02x, expected %02x",
				s, T.got[s] + i, d[i], expected(s, T.got[s] + i) ^ key);
	T.got[s] += n;
}

static int in_stream(int i) { return i == 0 ? S_IN : i == 1 ? S_P10 : S_P01; }
static int out_stream(int i) { return i == 0 ? S_OUT : i == 1 ? S_P01 : S_P10; }

/* What a slot holds in its output (input): the filter's and its underlying's. */
static size_t queued_out(const struct bev *v)
{
	return evbuffer_get_length(bufferevent_get_output(v->b)) +
		(v->under ? evbuffer_get_length(bufferevent_get_output(v->under)) : 0);
}

static size_t queued_in(const struct bev *v)
{
	return evbuffer_get_length(bufferevent_get_input(v->b)) +
		(v->under ? evbuffer_get_length(bufferevent_get_input(v->under)) : 0);
}

/* After the input was drained outside the watermark logic: the mark holds from here. */
static void reset_hi_limit(struct bev *v)
{
	size_t len = evbuffer_get_length(bufferevent_get_input(v->b));
	v->hi_limit = v->rhigh > len ? v->rhigh : len;
}

static void consume(int i)
{
	struct bev *v = &T.v[i];
	size_t n;
	while ((n = bufferevent_read(v->b, T.buf, sizeof T.buf)) > 0)
		arrive(in_stream(i), v->in.key, T.buf, n);
	reset_hi_limit(v);
}

static struct bev *cb_bev(void *arg, const char *cbname)
{
	struct bev *v = arg;
	if (v->freed)
		fail("callback after free", "%s callback of bufferevent %d", cbname, (int)(v - T.v));
	return v;
}

static void readcb(struct bufferevent *b, void *arg)
{
	struct bev *v = cb_bev(arg, "read");
	size_t len = evbuffer_get_length(bufferevent_get_input(b));
	/* libevent may defer a read callback itself (bufferevent_inbuf_wm_check), and it then
	 * runs after later watermark changes: compare with the mark before the last change.
	 * That re-run (contract E6: a readcb that returns with in >= H, EV_READ enabled, is
	 * queued again as a deferred callback) is not checked against the low watermark when it
	 * runs (bufferevent_run_deferred_callbacks_*: only readcb_pending), so when the input is
	 * drained outside callbacks meanwhile (bufferevent_read), it comes with in < L, even 0
	 * (soak finding 443cefe5b57f). An inline readcb always has in >= L, so a call below the
	 * mark is that re-run: allowed once per queued re-run. */
	if (!v->deferred && len < v->rlow_floor) {
		if (!v->rerun_queued)
			fail("read callback below the low watermark", "bufferevent %d: input %zu, low %zu",
				(int)(v - T.v), len, v->rlow_floor);
		v->rerun_queued = 0;
	}
	if (v->consume)
		consume((int)(v - T.v));
	/* bufferevent_inbuf_wm_check right after this callback returns (E6). */
	if (v->rhigh && (bufferevent_get_enabled(b) & EV_READ) &&
	    evbuffer_get_length(bufferevent_get_input(b)) >= v->rhigh)
		v->rerun_queued = 1;
}

static void writecb(struct bufferevent *b, void *arg)
{
	struct bev *v = cb_bev(arg, "write");
	size_t len = evbuffer_get_length(bufferevent_get_output(b));
	if (!v->deferred && len > v->wlow_ceil)
		fail("write callback above the low watermark", "bufferevent %d: output %zu, low %zu",
			(int)(v - T.v), len, v->wlow_ceil);
}

static void eventcb(struct bufferevent *b, short what, void *arg)
{
	struct bev *v = cb_bev(arg, "event");
	short dir = what & (BEV_EVENT_READING | BEV_EVENT_WRITING);
	short kind = what & ~dir;
	/* Deferred events are coalesced: a deferred call may carry the union of several; a
	 * filter relays a deferred (or pair) underlying's calls as they come. */
	if (v->deferred || v->relayed) {
		if (!dir || !kind || (kind & ~(BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)))
			fail("event flags outside the contract", "bufferevent %d (deferred): what=0x%x",
				(int)(v - T.v), what);
		return;
	}
	if ((dir != BEV_EVENT_READING && dir != BEV_EVENT_WRITING) ||
	    (kind != BEV_EVENT_EOF && kind != BEV_EVENT_ERROR && kind != BEV_EVENT_TIMEOUT))
		fail("event flags outside the contract", "bufferevent %d: what=0x%x", (int)(v - T.v), what);
	int *done = dir == BEV_EVENT_READING ? &v->read_done : &v->write_done;
	short ev = dir == BEV_EVENT_READING ? EV_READ : EV_WRITE;
	/* A filter relays its underlying's events with its own direction left on (K4); the
	 * underlying's direction is off for good after one, so that comes once per direction.
	 * The filter's own timeouts disable it first. Any event with the direction on is thus
	 * relayed, and so is any but a first timeout with it off. (The underlying's timeouts
	 * are cleared when the filter is made, but one that expired before and waits in the
	 * active queue, a loop pass having broken off first, still comes.) */
	if (v->under && ((bufferevent_get_enabled(b) & ev) || kind != BEV_EVENT_TIMEOUT || *done)) {
		int *seen = dir == BEV_EVENT_READING ? &v->under_read_done : &v->under_write_done;
		if (*seen)
			fail("second event relayed from the underlying", "bufferevent %d: what=0x%x",
				(int)(v - T.v), what);
		*seen = 1;
		return;
	}
	if (*done)
		fail("second EOF/error/timeout without re-enabling", "bufferevent %d: what=0x%x",
			(int)(v - T.v), what);
	*done = 1;
	if (bufferevent_get_enabled(b) & ev)
		fail("direction still enabled after EOF/error/timeout", "bufferevent %d: what=0x%x",
			(int)(v - T.v), what);
}

static size_t inflight(int fd)
{
	int n = 0;
	if (ioctl(fd, FIONREAD, &n) != 0)
		return 0;
	return (size_t)n;
}

/* Bytes through the socket in each direction, from the stream counts. */
static unsigned long socket_read(void) { return T.sent[S_IN] - inflight(T.sv[0]); }
static unsigned long socket_written(void) { return T.got[S_OUT] + inflight(T.sv[1]); }

static void check_bucket(const struct bucket *k, unsigned long moved, const char *what)
{
	if (moved - k->base > k->allow + k->slack)
		fail(what, "%lu bytes since the limit was set, bucket %zu (+ one refill %zu)",
			moved - k->base, k->allow, k->slack);
}

static void check_rate_limit(void)
{
	if (!T.rate_limited || !T.metered || T.v[0].freed)
		return;
	check_bucket(&T.rd, socket_read(), "rate-limited reads exceed the bucket");
	check_bucket(&T.wr, socket_written(), "rate-limited writes exceed the bucket");
}

static void check_streams(void)
{
	struct bev *s = &T.v[0], *p0 = &T.v[1], *p1 = &T.v[2];
	if (!s->freed) {
		size_t out = queued_out(s);
		size_t wire = inflight(T.sv[1]);
		if (T.sent[S_OUT] != T.got[S_OUT] + wire + out)
			fail("bytes written do not add up", "sent %lu = peer got %lu + in socket %zu + output %zu",
				T.sent[S_OUT], T.got[S_OUT], wire, out);
		size_t in = queued_in(s);
		wire = inflight(T.sv[0]);
		if (T.sent[S_IN] != T.got[S_IN] + wire + in)
			fail("bytes read do not add up", "peer sent %lu = got %lu + in socket %zu + input %zu",
				T.sent[S_IN], T.got[S_IN], wire, in);
	}
	if (!p0->freed && !p1->freed) {
		for (int d = 0; d < 2; d++) {
			struct bev *a = d ? p1 : p0, *b = d ? p0 : p1;
			int st = d ? S_P10 : S_P01;
			size_t out = queued_out(a), in = queued_in(b);
			if (T.sent[st] != T.got[st] + out + in)
				fail("pair bytes do not add up", "stream %d: sent %lu = got %lu + output %zu + input %zu",
					st, T.sent[st], T.got[st], out, in);
			if (!out && !in)
				T.refs[st] = 0; /* both buffers empty: no chain of the stream is left */
		}
	}
	check_rate_limit();
	for (int i = 0; i < NB; i++) {
		struct bev *v = &T.v[i];
		if (v->freed || !v->rhigh)
			continue;
		size_t len = evbuffer_get_length(bufferevent_get_input(v->b));
		if (len > v->hi_limit)
			fail("input grew past the high watermark", "bufferevent %d: %zu > %zu (high %zu)", i,
				len, v->hi_limit, v->rhigh);
	}
}

static void breaker(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	event_base_loopbreak(arg);
}

/* One pass of the loop. A readcb that returns at the read high watermark is queued
 * again at once, forever (contract E6; fuzz/findings/nonblock-loop-spins.tape), so
 * EVLOOP_NONBLOCK alone may never return: a zero timer calls loopbreak, which libevent
 * checks between callbacks. */
static void loop_pass(void)
{
	static const struct timeval zero = { 0, 0 };
	event_base_once(T.base, -1, EV_TIMEOUT, breaker, T.base, &zero);
	event_base_loop(T.base, EVLOOP_NONBLOCK);
}

static void bev_free(int i)
{
	T.v[i].freed = 1;
	bufferevent_free(T.v[i].b); /* a filter takes its underlying with it (CLOSE_ON_FREE) */
}

/* ---- moving one bufferevent's input into another's output ---- */

/* Is the graph "stream s's buffers hold multicast chains referencing stream t's input"
 * cyclic? A buffer holding chains that reference itself, directly or through others, is
 * never freed (F3, fuzz/findings/multicast-cycle-leak.tape): the tape avoids that. */
static int refs_cyclic(const unsigned *refs)
{
	unsigned reach[NSTREAM];
	memcpy(reach, refs, sizeof reach);
	for (int round = 0; round < NSTREAM; round++)
		for (int s = 0; s < NSTREAM; s++)
			for (int t = 0; t < NSTREAM; t++)
				if (reach[s] & (1u << t))
					reach[s] |= reach[t];
	for (int s = 0; s < NSTREAM; s++)
		if (reach[s] & (1u << s))
			return 1;
	return 0;
}

/* Slot i's input into slot j's output, as a proxy forwards: evbuffer_add_buffer, or
 * evbuffer_add_buffer_reference (the input keeps its bytes). The model moves first: a
 * callback inside the call may read either stream. */
static void move_input(int i, int j, int by_ref)
{
	struct bev *v = &T.v[i], *w = &T.v[j];
	if (w->freed)
		return;
	struct evbuffer *src = bufferevent_get_input(v->b), *dst = bufferevent_get_output(w->b);
	int s = in_stream(i), d = out_stream(j);
	size_t n = evbuffer_get_length(src);
	/* Chains stay chains only into a pair side's output (a socket writes them, a filter
	 * copies), and only an unfiltered input holds any (a filter's input has its copies). */
	unsigned refs[NSTREAM];
	memcpy(refs, T.refs, sizeof refs);
	if (j != 0 && !w->under)
		refs[d] |= by_ref ? 1u << s : v->under ? 0 : T.refs[s];
	if (refs_cyclic(refs))
		return;
	size_t after = T.sent[d] - T.got[d] + n - (s == d && !by_ref ? n : 0);
	if (after > QCAP)
		return;
	/* Forward, byte by byte: with s == d the ring only overwrites bytes already copied. */
	unsigned long from = T.got[s], at = T.sent[d];
	for (size_t k = 0; k < n; k++)
		expect[d][(at + k) % QCAP] = expected(s, from + k) ^ v->in.key ^ w->out.key;
	unsigned before[NSTREAM];
	memcpy(before, T.refs, sizeof before);
	T.sent[d] += n;
	if (!by_ref)
		T.got[s] += n;
	memcpy(T.refs, refs, sizeof refs);
	size_t dst_len = evbuffer_get_length(dst);
	int r = by_ref ? evbuffer_add_buffer_reference(dst, src) : evbuffer_add_buffer(dst, src);
	if (r != 0) {
		/* libevent refuses to reference a source holding multicast chains (I54) */
		if (!by_ref || v->under || !before[s])
			fail("evbuffer_add_buffer failed", "%s from bufferevent %d's input (%zu bytes) into %d's output",
				by_ref ? "reference" : "move", i, n, j);
		if (evbuffer_get_length(dst) != dst_len || evbuffer_get_length(src) != n)
			fail("a refused add_buffer_reference changed a buffer", "source %zu -> %zu, destination %zu -> %zu",
				n, evbuffer_get_length(src), dst_len, evbuffer_get_length(dst));
		T.sent[d] -= n;
		memcpy(T.refs, before, sizeof before);
		return;
	}
	if (!by_ref)
		reset_hi_limit(v);
}

/* ---- the filter ---- */

/* Moves up to chunk bytes (never more than dst_limit) from src to dst, each XORed with
 * the key, and returns the result the tape chose; BEV_ERROR moves nothing (so what K11
 * says stays where it was). */
static enum bufferevent_filter_result xor_move(struct xform *x, struct evbuffer *src, struct evbuffer *dst,
	ev_ssize_t limit, enum bufferevent_flush_mode mode)
{
	if (mode != BEV_NORMAL && (int)mode != x->flush_mode)
		fail("filter called with a mode no flush asked for", "mode %d, flush in progress %d",
			(int)mode, x->flush_mode);
	if (x->result == BEV_ERROR)
		return BEV_ERROR;
	size_t n = evbuffer_get_length(src);
	if (n > x->chunk)
		n = x->chunk;
	if (limit >= 0 && (size_t)limit < n)
		n = (size_t)limit;
	else if (limit < -1)
		n = 0;
	if (evbuffer_remove(src, filter_buf, n) != (int)n)
		fail("filter: evbuffer_remove fell short", "%zu bytes", n);
	for (size_t k = 0; k < n; k++)
		filter_buf[k] ^= x->key;
	if (evbuffer_add(dst, filter_buf, n) != 0)
		fail("filter: evbuffer_add failed", "%zu bytes", n);
	return x->result;
}

static enum bufferevent_filter_result filter_in(struct evbuffer *src, struct evbuffer *dst,
	ev_ssize_t limit, enum bufferevent_flush_mode mode, void *ctx)
{
	return xor_move(&((struct bev *)ctx)->in, src, dst, limit, mode);
}

static enum bufferevent_filter_result filter_out(struct evbuffer *src, struct evbuffer *dst,
	ev_ssize_t limit, enum bufferevent_flush_mode mode, void *ctx)
{
	return xor_move(&((struct bev *)ctx)->out, src, dst, limit, mode);
}

/* Wrap slot i's bufferevent in a filter (once): the output's bytes XORed with key, the
 * input's with key ^ 0xa5, at most chunk bytes per call (at most filter_buf: smaller
 * chunks only slow the loop down, a 4096-byte write through 1-byte chunks being 4096 calls
 * and writecbs). The slot is the filter from then on, with fresh watermarks. */
static void filter_new(int i, unsigned char key, int opts, size_t chunk)
{
	struct bev *v = &T.v[i];
	if (v->under)
		return;
	struct xform x = { .key = key, .chunk = chunk < sizeof filter_buf ? chunk : sizeof filter_buf,
		.result = BEV_OK, .flush_mode = -1 };
	v->out = x;
	x.key ^= 0xa5;
	v->in = x;
	/* Timeouts become the filter's own: with the underlying's cleared, the filter relays
	 * at most one event per direction (eventcb). */
	bufferevent_set_timeouts(v->b, NULL, NULL);
	struct bufferevent *f = bufferevent_filter_new(v->b, filter_in, filter_out, opts, NULL, v);
	if (!f)
		fail("bufferevent_filter_new failed", "over bufferevent %d, options 0x%x", i, opts);
	int under_deferred = v->deferred;
	struct bev fresh = { .b = f, .under = v->b, .in = v->in, .out = v->out, .consume = v->consume,
		.deferred = !!(opts & BEV_OPT_DEFER_CALLBACKS), .relayed = under_deferred || i != 0 };
	*v = fresh;
	bufferevent_setcb(f, readcb, writecb, eventcb, v);
}

/* What slot i's filter returns from now on, on its input (EV_READ) and output (EV_WRITE). */
static void filter_result(int i, enum bufferevent_filter_result result, short dirs)
{
	struct bev *v = &T.v[i];
	if (!v->under)
		return;
	if (dirs & EV_READ)
		v->in.result = result;
	if (dirs & EV_WRITE)
		v->out.result = result;
}

/* ---- flush ---- */

static void bev_flush(int i, short what, enum bufferevent_flush_mode mode)
{
	struct bev *v = &T.v[i];
	v->in.flush_mode = v->out.flush_mode = (int)mode;
	int r = bufferevent_flush(v->b, what, mode);
	v->in.flush_mode = v->out.flush_mode = -1;
	if (v->under) {
		/* K10: outside BEV_NORMAL the filter is called at least once per direction asked for */
		int ok = ((what & EV_READ) && v->in.result == BEV_OK) || ((what & EV_WRITE) && v->out.result == BEV_OK);
		if (mode != BEV_NORMAL ? r != ok : r != 0 && r != 1)
			fail("filter flush returned the wrong value", "bufferevent %d, iotype %d, mode %d: %d, expected %d",
				i, what, (int)mode, r, ok);
	} else if (i != 0) {
		/* H6/H10: 0; -1 once the partner is gone (which a free with deferred callbacks
		 * pending postpones to the loop, so a freed partner may still answer 0) */
		if (r != 0 && !(r == -1 && T.v[3 - i].freed))
			fail("pair flush returned the wrong value", "bufferevent %d, iotype %d, mode %d: %d",
				i, what, (int)mode, r);
	}
	for (int k = 0; k < NB; k++) /* a flush ignores the read high watermark (H11, K10) */
		if (!T.v[k].freed)
			reset_hi_limit(&T.v[k]);
}

/* ---- rate limits ---- */

static void bucket_set(struct bucket *k, unsigned long now, size_t rate, size_t burst, int reinit)
{
	if (reinit) { /* libevent only clips the bucket to the new burst */
		size_t left = k->allow + k->slack - (now - k->base);
		k->allow = left < burst ? left : burst;
	} else {
		k->allow = rate;
	}
	k->base = now;
	k->slack = rate;
}

static void rate_limit_off(int i)
{
	if (bufferevent_set_rate_limit(T.v[i].b, NULL) != 0)
		fail("bufferevent_set_rate_limit(NULL) failed", "bufferevent %d", i);
	if (i == 0 && !T.v[i].under)
		T.rate_limited = 0;
}

/* Read rate rr and write rate wr a tick of TICK_SEC, bursts twice the rates. Only socket
 * bufferevents meter, so only a limit set on the socket bufferevent itself is checked. */
static void rate_limit(int i, size_t rr, size_t wr)
{
	struct bev *v = &T.v[i];
	if (T.ncfg == MAXCFG)
		return;
	static const struct timeval tick = { TICK_SEC, 0 };
	struct ev_token_bucket_cfg *cfg = ev_token_bucket_cfg_new(rr, 2 * rr, wr, 2 * wr, &tick);
	if (!cfg)
		fail("ev_token_bucket_cfg_new failed", "rates %zu, %zu", rr, wr);
	T.cfg[T.ncfg++] = cfg; /* used, not copied: freed after the bufferevents */
	if (bufferevent_set_rate_limit(v->b, cfg) != 0)
		fail("bufferevent_set_rate_limit failed", "bufferevent %d", i);
	if (i != 0 || v->under)
		return;
	bucket_set(&T.rd, socket_read(), rr, 2 * rr, T.rate_limited);
	bucket_set(&T.wr, socket_written(), wr, 2 * wr, T.rate_limited);
	T.rate_limited = 1;
	/* An implementation that keeps the limit without metering (ref) reports its usual maximum. */
	T.metered = bufferevent_get_max_to_read(v->b) <= (ev_ssize_t)(2 * rr) &&
		bufferevent_get_max_to_write(v->b) <= (ev_ssize_t)(2 * wr);
}

/* ---- free with deferred callbacks pending ---- */

/* Queue deferred callbacks (bufferevent_trigger(io), then bufferevent_trigger_event(event)
 * when event is not 0, with trigger options opts), then free the bufferevent before the
 * loop runs them: none may reach it. */
static void trigger_free(int i, short io, short event, int opts)
{
	struct bev *v = &T.v[i];
	if (io)
		bufferevent_trigger(v->b, io, opts);
	if (event)
		bufferevent_trigger_event(v->b, event, opts);
	bev_free(i);
}

/* ---- the other operations ---- */

static void bev_write(int i, size_t k)
{
	struct bev *v = &T.v[i];
	int s = out_stream(i);
	if (k > stream_room(s))
		return;
	for (size_t j = 0; j < k; j++)
		T.buf[j] = pat(s, T.sent[s] + j);
	stream_put(s, T.buf, k, v->out.key); /* before: a callback inside may read */
	if (bufferevent_write(v->b, T.buf, k) != 0)
		fail("bufferevent_write failed", "bufferevent %d, %zu bytes", i, k);
}

static void bev_read(int i, size_t k)
{
	struct bev *v = &T.v[i];
	size_t got = bufferevent_read(v->b, T.buf, k);
	arrive(in_stream(i), v->in.key, T.buf, got);
	reset_hi_limit(v);
}

/* The peer writes k bytes (send: what the socket takes). */
static void peer_write(size_t k)
{
	if (T.v[0].freed || k > stream_room(S_IN))
		return;
	for (size_t j = 0; j < k; j++)
		T.buf[j] = pat(S_IN, T.sent[S_IN] + j);
	ssize_t w = send(T.sv[1], T.buf, k, MSG_NOSIGNAL);
	if (w > 0)
		stream_put(S_IN, T.buf, (size_t)w, 0);
}

/* The peer reads up to k bytes. */
static void peer_read(size_t k)
{
	ssize_t r = recv(T.sv[1], T.buf, k, 0);
	if (r > 0)
		arrive(S_OUT, 0, T.buf, (size_t)r);
}

/* The peer shuts its writing side: a real EOF. */
static void peer_shutdown(void)
{
	if (!T.peer_shut)
		shutdown(T.sv[1], SHUT_WR);
	T.peer_shut = 1;
}

static void bev_enable(int i, short what)
{
	struct bev *v = &T.v[i];
	if (bufferevent_enable(v->b, what) != 0)
		fail("enable/disable failed", "bufferevent %d what=%d", i, what);
	if (what & EV_READ)
		v->read_done = 0;
	if (what & EV_WRITE)
		v->write_done = 0;
}

static void bev_disable(int i, short what)
{
	if (bufferevent_disable(T.v[i].b, what) != 0)
		fail("enable/disable failed", "bufferevent %d what=%d", i, what);
}

static void bev_setwatermark(int i, short what, size_t low, size_t high)
{
	struct bev *v = &T.v[i];
	bufferevent_setwatermark(v->b, what, low, high);
	if (what == EV_READ) {
		v->rlow_floor = v->rlow < low ? v->rlow : low; /* the previous mark or the new one */
		v->rlow = low;
		v->rhigh = high;
		size_t len = evbuffer_get_length(bufferevent_get_input(v->b));
		v->hi_limit = high > len ? high : len;
	} else {
		v->wlow_ceil = v->wlow > low ? v->wlow : low;
		v->wlow = low;
	}
}

/* Read and write timeouts in milliseconds, 0: none. */
static void bev_set_timeouts(int i, int read_ms, int write_ms)
{
	struct timeval rt = { 0, 1000L * read_ms }, wt = { 0, 1000L * write_ms };
	bufferevent_set_timeouts(T.v[i].b, read_ms ? &rt : NULL, write_ms ? &wt : NULL);
}

/* k loop passes that never wait */
static void loop_passes(int k)
{
	while (k-- > 0)
		loop_pass();
}

/* A loop that waits 2 ms (timeouts can fire); at most 3 per run. */
static void loop_wait(void)
{
	if (T.waits++ >= 3)
		return;
	struct timeval tv = { 0, 2000 };
	event_base_loopexit(T.base, &tv);
	event_base_loop(T.base, 0);
	for (int k = 0; k < NB; k++) { /* deferred callbacks have run: current marks apply */
		T.v[k].rlow_floor = T.v[k].rlow;
		T.v[k].wlow_ceil = T.v[k].wlow;
	}
}

#if BEVCONF_FAULTS
/* Scripted results of the socket bufferevent's syscalls (fault.h), at most 40 per run: the
 * fault layer holds 64 rules. */
static int fault_room(void)
{
	return T.faults++ < 40;
}

/* The next `times` write-class (read-class) calls fail with err. */
static void script_error(enum bc_call call, int err, int times)
{
	if (fault_room())
		bc_fault_fail(T.sv[0], call, err, times);
}

/* Every write-class call writes at most max bytes (0: no cap). */
static void script_write_cap(size_t max)
{
	if (fault_room())
		bc_fault_cap(T.sv[0], max);
}

/* The next write-class (read-class) call returns 0: nothing written (EOF). */
static void script_zero(enum bc_call call)
{
	if (fault_room())
		bc_fault_return(T.sv[0], call, 0, 1);
}
#endif

/* Slot i's read callback drains its input, or not. */
static void set_consume(int i, int on)
{
	T.v[i].consume = on;
}

/* ---- a run ---- */

/* setup()'s options */
enum {
	SETUP_POLL = 1,           /* poll instead of epoll */
	SETUP_SOCKET_DEFER = 2,   /* the socket bufferevent defers callbacks */
	SETUP_PAIR_DEFER = 4,     /* the pair asks for deferred callbacks too */
	SETUP_CONSUME0 = 8,       /* slot 0 (1, 2: twice, four times this) drains its input in its readcb */
	SETUP_SOCKET_SAFE = 0x40, /* the socket bufferevent is THREADSAFE */
	SETUP_PAIR_SAFE = 0x80,   /* the pair is */
};

static void setup(unsigned opts)
{
	memset(&T, 0, sizeof T);
#if BEVCONF_FAULTS
	bc_fault_reset();
#endif
	struct event_config *cfg = event_config_new();
	event_config_avoid_method(cfg, (opts & SETUP_POLL) ? "epoll" : "poll");
	T.base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (!T.base || socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, T.sv) != 0)
		fail("setup failed", "event_base_new_with_config or socketpair");
	T.v[0].deferred = !!(opts & SETUP_SOCKET_DEFER);
	/* libevent's bufferevent_pair_new always adds BEV_OPT_DEFER_CALLBACKS, so the
	 * inline-callback checks never apply to the pair; SETUP_PAIR_DEFER still asks for it. */
	T.v[1].deferred = T.v[2].deferred = 1;
	int pair_opts = (opts & SETUP_PAIR_DEFER ? BEV_OPT_DEFER_CALLBACKS : 0) |
		(opts & SETUP_PAIR_SAFE ? BEV_OPT_THREADSAFE : 0);
	T.v[0].b = bufferevent_socket_new(T.base, T.sv[0], BEV_OPT_CLOSE_ON_FREE |
		(T.v[0].deferred ? BEV_OPT_DEFER_CALLBACKS : 0) | (opts & SETUP_SOCKET_SAFE ? BEV_OPT_THREADSAFE : 0));
	struct bufferevent *pair[2];
	if (!T.v[0].b || bufferevent_pair_new(T.base, pair_opts, pair))
		fail("setup failed", "bufferevent_socket_new or bufferevent_pair_new");
	T.v[1].b = pair[0];
	T.v[2].b = pair[1];
	for (int i = 0; i < NB; i++) {
		bufferevent_setcb(T.v[i].b, readcb, writecb, eventcb, &T.v[i]);
		T.v[i].consume = !!(opts & (SETUP_CONSUME0 << i));
	}
}

/* One operation: STEP(n, BOP_<NAME>, slot, call). An operation on a freed slot is skipped
 * (bufferevent_ops.def says which need theirs); the invariants are checked after it. */
#define STEP(n, code, i, call) do { if (step_begin(n, code, i, #call)) { call; } check_streams(); } while (0)

static int step_begin(int n, int code, int i, const char *call)
{
	T.step = n;
	T.code = code;
	T.call = call;
	return !(T.v[i].freed && needs_bev[code]);
}

static void teardown(void)
{
	T.code = -1;
	for (int i = 0; i < NB; i++)
		if (!T.v[i].freed)
			bev_free(i);
	/* Let deferred callbacks and frees finish (a callback still pending when the base is
	 * freed keeps its bufferevent alive: a leak of the harness's making). */
	for (int k = 0; k < 4; k++)
		loop_pass();
	event_base_free(T.base);
	for (int k = 0; k < T.ncfg; k++)
		ev_token_bucket_cfg_free(T.cfg[k]);
	close(T.sv[1]);
#if BEVCONF_FAULTS
	bc_fault_reset();
#endif
	memset(&T, 0, sizeof T); /* so LeakSanitizer does not count freed objects as reachable */
}

/* Once per process, before any base: what every run needs. */
static void model_init(void)
{
	signal(SIGPIPE, SIG_IGN); /* libevent writes without MSG_NOSIGNAL */
	/* Lock callbacks, before any base: THREADSAFE bufferevents need them. */
	if (evthread_use_pthreads() != 0)
		fail("evthread_use_pthreads failed", "no lock callbacks");
	expect = mmap(NULL, sizeof *expect * NSTREAM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (expect == MAP_FAILED)
		fail("mmap failed", "%zu bytes for the expected streams", sizeof *expect * NSTREAM);
}

#if BEVCONF_REPRO
/* A reproducer's main() starts with repro_init() and ends with repro_done(). */

/* libevent's assertions end here (event_set_fatal_callback). */
static void on_fatal(int err)
{
	fail("libevent stopped with a fatal error", "0x%x, expected none (the message above says which)", (unsigned)err);
}

/* libevent's allocations (event_set_mem_functions): none may be left after teardown(). */
static long held;
static void *count_malloc(size_t n) { held++; return malloc(n); }
static void *count_realloc(void *p, size_t n) { held += !p; return realloc(p, n); }
static void count_free(void *p) { held -= !!p; free(p); }

static void repro_init(void)
{
	event_set_mem_functions(count_malloc, count_realloc, count_free);
	event_set_fatal_callback(on_fatal);
	setvbuf(stdout, NULL, _IONBF, 0); /* in order with libevent's messages */
	printf("libevent %s\n", event_get_version());
	model_init();
}

static void repro_done(void)
{
	T.code = -1;
	libevent_global_shutdown(); /* the global locks evthread_use_pthreads made */
	if (held)
		fail("libevent still holds allocations", "%ld after every bufferevent and the base were freed, expected 0",
			held);
	puts("every invariant held: the bug is not present");
}
#endif
