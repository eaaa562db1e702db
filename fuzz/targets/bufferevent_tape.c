/* bufferevent_tape: the fuzz target over bev_model.c's operations (what they do and the
 * invariants checked is that file's header).
 *
 * A tape is a setup byte (setup()'s SETUP_* bits), then operations of 4 bytes each: code
 * (bufferevent_ops.def, byte % BOP_COUNT), slot (% 3: 0 the socket bufferevent, 1 and 2
 * the pair), a, b; each case of the switch below says what a and b mean. At most MAXOPS
 * operations run. BEVCONF_FUZZ_REPRO=<file> writes the decoded steps as a C reproducer
 * (bev_repro.c): each case hands it the call as C text, made of the same values. */
#include "bev_model.c"
#include "bev_repro.h"

static unsigned u8(const uint8_t **p, size_t *n)
{
	if (!*n)
		return 0;
	--*n;
	return *(*p)++;
}

/* A size byte: 0-223 as itself, then 128-byte steps up to 4096. */
static size_t iosize(unsigned b)
{
	return b < 224 ? b : (size_t)(b - 223) * 128;
}

/* ---- the values of the decoded calls, as C ---- */

/* One of a few rotating buffers: a call's text uses at most four names. */
static char *name_buf(void)
{
	static char slot[4][96];
	static int next;
	char *s = slot[next++ % 4];
	s[0] = 0;
	return s;
}

/* The names of the bits set in v, joined with " | ", or "0". */
static const char *bit_names(unsigned v, const unsigned *bits, const char *const *names, size_t n)
{
	char *s = name_buf();
	for (size_t k = 0; k < n; k++)
		if (v & bits[k])
			snprintf(s + strlen(s), 96 - strlen(s), "%s%s", *s ? " | " : "", names[k]);
	return *s ? s : "0";
}

#define NAMES(v, ...) bit_names((v), (const unsigned[]){ __VA_ARGS__ }, names, sizeof names / sizeof names[0])

static const char *events(short what)
{
	static const char *const names[] = { "EV_READ", "EV_WRITE" };
	return NAMES((unsigned)what, EV_READ, EV_WRITE);
}

static const char *bev_events(short what)
{
	static const char *const names[] = { "BEV_EVENT_EOF", "BEV_EVENT_READING", "BEV_EVENT_WRITING" };
	return NAMES((unsigned)what, BEV_EVENT_EOF, BEV_EVENT_READING, BEV_EVENT_WRITING);
}

static const char *bev_options(int opts)
{
	static const char *const names[] = { "BEV_OPT_CLOSE_ON_FREE", "BEV_OPT_DEFER_CALLBACKS",
		"BEV_OPT_THREADSAFE", "BEV_OPT_UNLOCK_CALLBACKS" };
	return NAMES((unsigned)opts, BEV_OPT_CLOSE_ON_FREE, BEV_OPT_DEFER_CALLBACKS, BEV_OPT_THREADSAFE,
		BEV_OPT_UNLOCK_CALLBACKS);
}

static const char *trigger_options(int opts)
{
	static const char *const names[] = { "BEV_TRIG_DEFER_CALLBACKS", "BEV_TRIG_IGNORE_WATERMARKS" };
	return NAMES((unsigned)opts, BEV_TRIG_DEFER_CALLBACKS, BEV_TRIG_IGNORE_WATERMARKS);
}

static const char *setup_options(unsigned opts)
{
	static const char *const names[] = { "SETUP_POLL", "SETUP_SOCKET_DEFER", "SETUP_PAIR_DEFER",
		"SETUP_CONSUME0", "SETUP_CONSUME0 << 1", "SETUP_CONSUME0 << 2", "SETUP_SOCKET_SAFE", "SETUP_PAIR_SAFE" };
	return NAMES(opts, SETUP_POLL, SETUP_SOCKET_DEFER, SETUP_PAIR_DEFER, SETUP_CONSUME0, SETUP_CONSUME0 << 1,
		SETUP_CONSUME0 << 2, SETUP_SOCKET_SAFE, SETUP_PAIR_SAFE);
}

static const char *errno_name(int err)
{
	return err == EAGAIN ? "EAGAIN" : err == EINTR ? "EINTR" : err == ECONNRESET ? "ECONNRESET" : "EPIPE";
}

static const char *const result_names[] = { [BEV_OK] = "BEV_OK", [BEV_NEED_MORE] = "BEV_NEED_MORE",
	[BEV_ERROR] = "BEV_ERROR" };
static const char *const mode_names[] = { [BEV_NORMAL] = "BEV_NORMAL", [BEV_FLUSH] = "BEV_FLUSH",
	[BEV_FINISHED] = "BEV_FINISHED" };

/* Run a step: call as it runs, then its C text for the reproducer (formatted only when one
 * is being written: not on the fuzzer's hot path). */
#define DO(call, ...) do { \
	if (writing) \
		repro_step(T.step, code, i, __VA_ARGS__); \
	STEP(T.step, code, i, call); \
} while (0)

static void quiet(int severity, const char *msg)
{
	(void)severity, (void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int once;
	if (!once) {
		event_set_log_callback(quiet);
		model_init();
		once = 1;
	}
	const uint8_t *p = data;
	size_t n = size;
	unsigned opts = u8(&p, &n);
	int writing = repro_begin(size);
	if (writing)
		repro_setup(setup_options(opts));
	setup(opts);
	for (T.step = 0; T.step < MAXOPS && n; T.step++) {
		int code = (int)(u8(&p, &n) % BOP_COUNT);
		int i = (int)(u8(&p, &n) % NB);
		unsigned a = u8(&p, &n), b = u8(&p, &n);
		if (getenv("BEVCONF_FUZZ_VERBOSE"))
			fprintf(stderr, "  step %d: %s bev=%d a=%u b=%u\n", T.step, opnames[code], i, a, b);
		switch (code) {
		case BOP_WRITE: { /* a: size */
			size_t k = iosize(a);
			DO(bev_write(i, k), "bev_write(%d, %zu)", i, k);
			break;
		}
		case BOP_READ: { /* a: size */
			size_t k = iosize(a);
			DO(bev_read(i, k), "bev_read(%d, %zu)", i, k);
			break;
		}
		case BOP_PEER_WRITE: { /* a: size */
			size_t k = iosize(a);
			DO(peer_write(k), "peer_write(%zu)", k);
			break;
		}
		case BOP_PEER_READ: { /* a: size (0: 1) */
			size_t k = iosize(a) ? iosize(a) : 1;
			DO(peer_read(k), "peer_read(%zu)", k);
			break;
		}
		case BOP_ENABLE:
		case BOP_DISABLE: { /* a: bit 0 EV_READ, bit 1 EV_WRITE */
			short what = (short)((a & 1 ? EV_READ : 0) | (a & 2 ? EV_WRITE : 0));
			if (code == BOP_ENABLE)
				DO(bev_enable(i, what), "bev_enable(%d, %s)", i, events(what));
			else
				DO(bev_disable(i, what), "bev_disable(%d, %s)", i, events(what));
			break;
		}
		case BOP_SETWATERMARK: { /* a: low (size / 2), bit 0: read; b: bit 0 a high mark (low + size / 2 + 1) */
			short what = a & 1 ? EV_READ : EV_WRITE;
			size_t low = iosize(a) / 2, high = (a & 1) && (b & 1) ? low + iosize(b) / 2 + 1 : 0;
			DO(bev_setwatermark(i, what, low, high), "bev_setwatermark(%d, %s, %zu, %zu)", i, events(what), low, high);
			break;
		}
		case BOP_SET_TIMEOUTS: { /* a (b): bit 2 a read (write) timeout of a % 4 + 1 ms */
			int rt = a & 4 ? (int)(a % 4 + 1) : 0, wt = b & 4 ? (int)(b % 4 + 1) : 0;
			DO(bev_set_timeouts(i, rt, wt), "bev_set_timeouts(%d, %d, %d)", i, rt, wt);
			break;
		}
		case BOP_LOOP: { /* a % 4 + 1 passes */
			int k = (int)(a % 4 + 1);
			DO(loop_passes(k), "loop_passes(%d)", k);
			break;
		}
		case BOP_LOOP_WAIT:
			DO(loop_wait(), "loop_wait()");
			break;
		case BOP_FAULT_WRITE: { /* a % 6: EAGAIN, EINTR, ECONNRESET, EPIPE b % 3 + 1 times; a cap of b % 64; 0 once */
			static const int errs[] = { EAGAIN, EINTR, ECONNRESET, EPIPE };
			int times = (int)(b % 3 + 1);
			size_t cap = b % 64;
			if (a % 6 < 4)
				DO(script_error(BC_WRITE, errs[a % 6], times), "script_error(BC_WRITE, %s, %d)", errno_name(errs[a % 6]), times);
			else if (a % 6 == 4)
				DO(script_write_cap(cap), "script_write_cap(%zu)", cap);
			else
				DO(script_zero(BC_WRITE), "script_zero(BC_WRITE)");
			break;
		}
		case BOP_FAULT_READ: { /* a % 4: EAGAIN, EINTR, ECONNRESET b % 3 + 1 times; EOF once */
			static const int errs[] = { EAGAIN, EINTR, ECONNRESET };
			int times = (int)(b % 3 + 1);
			if (a % 4 < 3)
				DO(script_error(BC_READ, errs[a % 4], times), "script_error(BC_READ, %s, %d)", errno_name(errs[a % 4]), times);
			else
				DO(script_zero(BC_READ), "script_zero(BC_READ)");
			break;
		}
		case BOP_PEER_SHUTDOWN:
			DO(peer_shutdown(), "peer_shutdown()");
			break;
		case BOP_FREE:
			DO(bev_free(i), "bev_free(%d)", i);
			break;
		case BOP_CONSUME: /* a bit 0: on */
			DO(set_consume(i, (int)(a & 1)), "set_consume(%d, %d)", i, (int)(a & 1));
			break;
		case BOP_MOVE_INPUT: { /* a % 3: the slot whose output gets the input; a / 3 odd: by reference */
			int j = (int)(a % NB), by_ref = (int)((a / NB) & 1);
			DO(move_input(i, j, by_ref), "move_input(%d, %d, %d)", i, j, by_ref);
			break;
		}
		case BOP_FILTER: { /* a: key; b: bit 0 DEFER_CALLBACKS, bit 1 THREADSAFE, bit 2 UNLOCK_CALLBACKS
		                    * (with both); chunk 16 << (b >> 4) */
			int defer = b & 1, safe = (b >> 1) & 1;
			int fopts = BEV_OPT_CLOSE_ON_FREE | (defer ? BEV_OPT_DEFER_CALLBACKS : 0) |
				(safe ? BEV_OPT_THREADSAFE : 0) | ((b & 4) && defer && safe ? BEV_OPT_UNLOCK_CALLBACKS : 0);
			size_t chunk = (size_t)16 << (b >> 4);
			DO(filter_new(i, (unsigned char)a, fopts, chunk), "filter_new(%d, 0x%02x, %s, %zu)", i, a,
				bev_options(fopts), chunk);
			break;
		}
		case BOP_FILTER_RESULT: { /* a % 3: OK, NEED_MORE, ERROR; b % 4: 1 input only, 2 output only */
			static const enum bufferevent_filter_result results[] = { BEV_OK, BEV_NEED_MORE, BEV_ERROR };
			short dirs = b % 4 == 1 ? EV_READ : b % 4 == 2 ? EV_WRITE : EV_READ | EV_WRITE;
			enum bufferevent_filter_result r = results[a % 3];
			DO(filter_result(i, r, dirs), "filter_result(%d, %s, %s)", i, result_names[r], events(dirs));
			break;
		}
		case BOP_FLUSH: { /* a % 3: EV_READ, EV_WRITE, both; b % 3: NORMAL, FLUSH, FINISHED */
			static const short io[] = { EV_READ, EV_WRITE, EV_READ | EV_WRITE };
			static const enum bufferevent_flush_mode modes[] = { BEV_NORMAL, BEV_FLUSH, BEV_FINISHED };
			short what = io[a % 3];
			enum bufferevent_flush_mode mode = modes[b % 3];
			DO(bev_flush(i, what, mode), "bev_flush(%d, %s, %s)", i, events(what), mode_names[mode]);
			break;
		}
		case BOP_RATE_LIMIT: { /* a == 0: none; else read rate size a, write rate size b + 1 */
			size_t rr = iosize(a), wr = iosize(b) + 1;
			if (!a)
				DO(rate_limit_off(i), "rate_limit_off(%d)", i);
			else
				DO(rate_limit(i, rr, wr), "rate_limit(%d, %zu, %zu)", i, rr, wr);
			break;
		}
		case BOP_TRIGGER_FREE: { /* a: bit 0 readcb, bit 1 writecb, bit 2 eventcb with EOF, while
		                          * writing when bit 3; b bit 0: ignoring the watermarks */
			short io = (short)((a & 1 ? EV_READ : 0) | (a & 2 ? EV_WRITE : 0));
			short ev = a & 4 ? (short)(BEV_EVENT_EOF | (a & 8 ? BEV_EVENT_WRITING : BEV_EVENT_READING)) : 0;
			int topts = BEV_TRIG_DEFER_CALLBACKS | (b & 1 ? BEV_TRIG_IGNORE_WATERMARKS : 0);
			DO(trigger_free(i, io, ev, topts), "trigger_free(%d, %s, %s, %s)", i, events(io), bev_events(ev),
				trigger_options(topts));
			break;
		}
		}
	}
	teardown();
	repro_end();
	return 0;
}
