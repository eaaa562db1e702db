/* bufferevent_tape: a socket bufferevent over a socketpair (the other end driven by the
 * tape as the "peer") and a bufferevent pair, driven by a tape of writes, reads,
 * enable/disable, watermarks, timeouts, loop passes, frees and scripted syscall results
 * (runtime/fault.h: short writes, EAGAIN, EINTR, ECONNRESET, EPIPE, EOF).
 *
 * Invariants, checked after every operation and inside every callback:
 *   - four byte streams (bev->peer, peer->bev, pair0->pair1, pair1->pair0) each carry a
 *     cyclic pattern; every byte read is the next one expected (nothing lost, duplicated
 *     or reordered), and sent == received + queued in the output + in the socket (FIONREAD)
 *     + queued in the input, for every live stream;
 *   - callbacks: nothing after bufferevent_free; event flags are one of the contract's
 *     combinations (READING or WRITING with EOF, ERROR or TIMEOUT); without deferred
 *     callbacks, an EOF/error/timeout on a direction disables it, and arrives once until
 *     the direction is enabled again; the read callback runs only with the input at or
 *     above the low watermark and the write callback with the output at or below it;
 *   - the input never grows past the read high watermark (or its length when the mark
 *     was set lower). */
#define _GNU_SOURCE
#include "fault.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define NB 3        /* 0: socket bufferevent, 1 and 2: the pair */
#define MAXOPS 96
#define MAXIO 4096

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
#define X(name, byte, str, needs_bev) _Static_assert(BOP_##name == BOP_ROW_##name, \
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

struct bev {
	struct bufferevent *b;
	int freed, deferred, consume;
	int read_done, write_done; /* EOF/error/timeout seen, direction not re-enabled since */
	size_t rlow, rhigh, wlow;
	size_t rlow_floor, wlow_ceil; /* read/write low mark a callback may still see */
	size_t hi_limit;
	int rerun_queued; /* a readcb returned at the read high watermark (E6): one re-run queued */
};

static struct {
	struct event_base *base;
	int sv[2];
	struct bev v[NB];
	unsigned long sent[NSTREAM], got[NSTREAM];
	int peer_shut;
	int step, code, waits, faults;
	unsigned char buf[MAXIO];
} T;

static unsigned char pat(int stream, unsigned long k)
{
	return (unsigned char)((k * 7 + k / 251 + (unsigned long)stream * 61) % 251);
}

__attribute__((noreturn, format(printf, 2, 3)))
static void fail(const char *what, const char *fmt, ...)
{
	fprintf(stderr, "bevconf-fuzz: FAIL bufferevent_tape: %s: %s\n", T.code >= 0 ? opnames[T.code] : "finish", what);
	fprintf(stderr, "  step %d\n  ", T.step);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

/* Bytes arriving on a stream must be the next ones of its pattern. */
static void arrive(int s, const unsigned char *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (d[i] != pat(s, T.got[s] + i))
			fail("byte lost, duplicated or reordered", "stream %d byte %lu: %02x, expected %02x",
				s, T.got[s] + i, d[i], pat(s, T.got[s] + i));
	T.got[s] += n;
}

static int in_stream(int i) { return i == 0 ? S_IN : i == 1 ? S_P10 : S_P01; }
static int out_stream(int i) { return i == 0 ? S_OUT : i == 1 ? S_P01 : S_P10; }

static void consume(int i)
{
	struct bev *v = &T.v[i];
	size_t n;
	while ((n = bufferevent_read(v->b, T.buf, sizeof T.buf)) > 0)
		arrive(in_stream(i), T.buf, n);
	size_t len = evbuffer_get_length(bufferevent_get_input(v->b));
	v->hi_limit = v->rhigh > len ? v->rhigh : len;
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
	/* Deferred events are coalesced: a deferred call may carry the union of several. */
	if (v->deferred) {
		if (!dir || !kind || (kind & ~(BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)))
			fail("event flags outside the contract", "bufferevent %d (deferred): what=0x%x",
				(int)(v - T.v), what);
		return;
	}
	if ((dir != BEV_EVENT_READING && dir != BEV_EVENT_WRITING) ||
	    (kind != BEV_EVENT_EOF && kind != BEV_EVENT_ERROR && kind != BEV_EVENT_TIMEOUT))
		fail("event flags outside the contract", "bufferevent %d: what=0x%x", (int)(v - T.v), what);
	int *done = dir == BEV_EVENT_READING ? &v->read_done : &v->write_done;
	if (*done)
		fail("second EOF/error/timeout without re-enabling", "bufferevent %d: what=0x%x",
			(int)(v - T.v), what);
	*done = 1;
	short ev = dir == BEV_EVENT_READING ? EV_READ : EV_WRITE;
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

static void check_streams(void)
{
	struct bev *s = &T.v[0], *p0 = &T.v[1], *p1 = &T.v[2];
	if (!s->freed) {
		size_t out = evbuffer_get_length(bufferevent_get_output(s->b));
		size_t wire = inflight(T.sv[1]);
		if (T.sent[S_OUT] != T.got[S_OUT] + wire + out)
			fail("bytes written do not add up", "sent %lu = peer got %lu + in socket %zu + output %zu",
				T.sent[S_OUT], T.got[S_OUT], wire, out);
		size_t in = evbuffer_get_length(bufferevent_get_input(s->b));
		wire = inflight(T.sv[0]);
		if (T.sent[S_IN] != T.got[S_IN] + wire + in)
			fail("bytes read do not add up", "peer sent %lu = got %lu + in socket %zu + input %zu",
				T.sent[S_IN], T.got[S_IN], wire, in);
	}
	if (!p0->freed && !p1->freed) {
		for (int d = 0; d < 2; d++) {
			struct bev *a = d ? p1 : p0, *b = d ? p0 : p1;
			int st = d ? S_P10 : S_P01;
			size_t out = evbuffer_get_length(bufferevent_get_output(a->b));
			size_t in = evbuffer_get_length(bufferevent_get_input(b->b));
			if (T.sent[st] != T.got[st] + out + in)
				fail("pair bytes do not add up", "stream %d: sent %lu = got %lu + output %zu + input %zu",
					st, T.sent[st], T.got[st], out, in);
		}
	}
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

static unsigned u8(const uint8_t **p, size_t *n)
{
	if (!*n)
		return 0;
	--*n;
	return *(*p)++;
}

static size_t iosize(unsigned b)
{
	return b < 224 ? b : (size_t)(b - 223) * 128;
}

static void setup(unsigned opts)
{
	memset(&T, 0, sizeof T);
	bc_fault_reset();
	struct event_config *cfg = event_config_new();
	event_config_avoid_method(cfg, (opts & 1) ? "epoll" : "poll");
	T.base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (!T.base || socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, T.sv) != 0)
		abort();
	T.v[0].deferred = !!(opts & 2);
	/* libevent's bufferevent_pair_new always adds BEV_OPT_DEFER_CALLBACKS, so the
	 * inline-callback checks never apply to the pair; bit 2 still asks for it explicitly. */
	T.v[1].deferred = T.v[2].deferred = 1;
	int pair_defer = !!(opts & 4);
	T.v[0].b = bufferevent_socket_new(T.base, T.sv[0],
		BEV_OPT_CLOSE_ON_FREE | (T.v[0].deferred ? BEV_OPT_DEFER_CALLBACKS : 0));
	struct bufferevent *pair[2];
	if (!T.v[0].b || bufferevent_pair_new(T.base, pair_defer ? BEV_OPT_DEFER_CALLBACKS : 0, pair))
		abort();
	T.v[1].b = pair[0];
	T.v[2].b = pair[1];
	for (int i = 0; i < NB; i++) {
		bufferevent_setcb(T.v[i].b, readcb, writecb, eventcb, &T.v[i]);
		T.v[i].consume = (opts >> (3 + i)) & 1;
	}
}

static void teardown(void)
{
	for (int i = 0; i < NB; i++)
		if (!T.v[i].freed) {
			T.v[i].freed = 1;
			bufferevent_free(T.v[i].b);
		}
	/* Let deferred callbacks and frees finish (a callback still pending when the base is
	 * freed keeps its bufferevent alive: a leak of the harness's making). */
	for (int k = 0; k < 4; k++)
		loop_pass();
	event_base_free(T.base);
	close(T.sv[1]);
	bc_fault_reset();
	memset(&T, 0, sizeof T); /* so LeakSanitizer does not count freed objects as reachable */
}

static void quiet(int severity, const char *msg)
{
	(void)severity, (void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int once;
	if (!once) {
		signal(SIGPIPE, SIG_IGN); /* libevent writes without MSG_NOSIGNAL */
		event_set_log_callback(quiet);
		once = 1;
	}
	const uint8_t *p = data;
	size_t n = size;
	setup(u8(&p, &n));
	for (T.step = 0; T.step < MAXOPS && n; T.step++) {
		T.code = (int)(u8(&p, &n) % BOP_COUNT);
		int i = (int)(u8(&p, &n) % NB);
		struct bev *v = &T.v[i];
		unsigned a = u8(&p, &n), b = u8(&p, &n);
		if (getenv("BEVCONF_FUZZ_VERBOSE"))
			fprintf(stderr, "  step %d: %s bev=%d a=%u b=%u\n", T.step, opnames[T.code], i, a, b);
		if (v->freed && needs_bev[T.code])
			continue;
		switch (T.code) {
		case BOP_WRITE: { /* bufferevent_write */
			size_t k = iosize(a);
			int s = out_stream(i);
			for (size_t j = 0; j < k; j++)
				T.buf[j] = pat(s, T.sent[s] + j);
			if (bufferevent_write(v->b, T.buf, k) != 0)
				fail("bufferevent_write failed", "bufferevent %d, %zu bytes", i, k);
			T.sent[s] += k;
			break;
		}
		case BOP_READ: { /* bufferevent_read */
			size_t k = bufferevent_read(v->b, T.buf, iosize(a));
			arrive(in_stream(i), T.buf, k);
			size_t len = evbuffer_get_length(bufferevent_get_input(v->b));
			v->hi_limit = v->rhigh > len ? v->rhigh : len;
			break;
		}
		case BOP_PEER_WRITE: { /* the peer writes */
			if (T.v[0].freed)
				break;
			size_t k = iosize(a);
			for (size_t j = 0; j < k; j++)
				T.buf[j] = pat(S_IN, T.sent[S_IN] + j);
			ssize_t w = send(T.sv[1], T.buf, k, MSG_NOSIGNAL);
			if (w > 0)
				T.sent[S_IN] += (size_t)w;
			break;
		}
		case BOP_PEER_READ: { /* the peer reads */
			ssize_t r = recv(T.sv[1], T.buf, iosize(a) ? iosize(a) : 1, 0);
			if (r > 0)
				arrive(S_OUT, T.buf, (size_t)r);
			break;
		}
		case BOP_ENABLE:
		case BOP_DISABLE: { /* enable / disable */
			short what = (short)((a & 1 ? EV_READ : 0) | (a & 2 ? EV_WRITE : 0));
			int r = T.code == BOP_ENABLE ? bufferevent_enable(v->b, what) : bufferevent_disable(v->b, what);
			if (r != 0)
				fail("enable/disable failed", "bufferevent %d what=%d", i, what);
			if (T.code == BOP_ENABLE) {
				if (what & EV_READ)
					v->read_done = 0;
				if (what & EV_WRITE)
					v->write_done = 0;
			}
			break;
		}
		case BOP_SETWATERMARK: { /* watermarks */
			size_t low = iosize(a) / 2, high = b & 1 ? low + iosize(b) / 2 + 1 : 0;
			if (a & 1) {
				bufferevent_setwatermark(v->b, EV_READ, low, high);
				v->rlow_floor = v->rlow < low ? v->rlow : low; /* the previous mark or the new one */
				v->rlow = low;
				v->rhigh = high;
				size_t len = evbuffer_get_length(bufferevent_get_input(v->b));
				v->hi_limit = high > len ? high : len;
			} else {
				bufferevent_setwatermark(v->b, EV_WRITE, low, 0);
				v->wlow_ceil = v->wlow > low ? v->wlow : low;
				v->wlow = low;
			}
			break;
		}
		case BOP_SET_TIMEOUTS: { /* timeouts, 1-4 ms or none */
			struct timeval rt = { 0, 1000 * (long)(a % 4 + 1) }, wt = { 0, 1000 * (long)(b % 4 + 1) };
			bufferevent_set_timeouts(v->b, a & 4 ? &rt : NULL, b & 4 ? &wt : NULL);
			break;
		}
		case BOP_LOOP: /* loop passes that never wait */
			for (unsigned k = 0; k <= a % 4; k++)
				loop_pass();
			break;
		case BOP_LOOP_WAIT: { /* a loop that waits 2 ms (timeouts can fire); at most 3 per input */
			if (T.waits++ >= 3)
				break;
			struct timeval tv = { 0, 2000 };
			event_base_loopexit(T.base, &tv);
			event_base_loop(T.base, 0);
			for (int k = 0; k < NB; k++) { /* deferred callbacks have run: current marks apply */
				T.v[k].rlow_floor = T.v[k].rlow;
				T.v[k].wlow_ceil = T.v[k].wlow;
			}
			break;
		}
		case BOP_FAULT_WRITE: { /* scripted write results on the socket bufferevent's fd */
			static const int errs[] = { EAGAIN, EINTR, ECONNRESET, EPIPE };
			if (T.faults++ >= 40) /* the fault layer holds 64 rules */
				break;
			if (a % 6 < 4)
				bc_fault_fail(T.sv[0], BC_WRITE, errs[a % 6], (int)(b % 3 + 1));
			else if (a % 6 == 4)
				bc_fault_cap(T.sv[0], b % 64);
			else
				bc_fault_return(T.sv[0], BC_WRITE, 0, 1);
			break;
		}
		case BOP_FAULT_READ: { /* scripted read results */
			static const int errs[] = { EAGAIN, EINTR, ECONNRESET };
			if (T.faults++ >= 40)
				break;
			if (a % 4 < 3)
				bc_fault_fail(T.sv[0], BC_READ, errs[a % 4], (int)(b % 3 + 1));
			else
				bc_fault_return(T.sv[0], BC_READ, 0, 1);
			break;
		}
		case BOP_PEER_SHUTDOWN: /* the peer shuts its writing side: a real EOF */
			if (!T.peer_shut)
				shutdown(T.sv[1], SHUT_WR);
			T.peer_shut = 1;
			break;
		case BOP_FREE: /* free */
			v->freed = 1;
			bufferevent_free(v->b);
			break;
		case BOP_CONSUME:
			v->consume = a & 1;
			break;
		}
		check_streams();
	}
	T.code = -1;
	teardown();
	return 0;
}
