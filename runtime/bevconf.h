/* bevconf.h: what a case sees. A case is a function `void fn(struct bc_ctx *t)`
 * declared once in cases/cases.def; it runs in its own forked process with a fresh
 * event_base (t->base) whose backend the runner has already verified. */
#ifndef BEVCONF_H
#define BEVCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "fault.h"

#define BC_MAX_ENDS 8
#define BC_MAX_EVENTS 4096

/* One recorded callback: R(eadcb), W(ritecb) or E(ventcb). */
struct bc_event {
	char kind;
	short what;      /* eventcb flags; 0 for R and W */
	size_t in, out;  /* input/output lengths at the moment of the call */
	short enabled;   /* bufferevent_get_enabled() at the moment of the call */
	int err;         /* EVUTIL_SOCKET_ERROR() at the moment of the call */
};

struct bc_ctx;

/* A bufferevent under observation: the recorder's callbacks are installed on it and
 * the optional hooks below run after each record, so a case can react (drain, free). */
struct bc_end {
	struct bc_ctx *t;
	struct bufferevent *bev;
	const char *name;
	void (*on_read)(struct bc_end *e);
	void (*on_write)(struct bc_end *e);
	void (*on_event)(struct bc_end *e, short what);
	bool drain_on_read;      /* remove the input into `received` on every readcb */
	struct bc_bytes *received;
	void *user;
	bool freed;              /* set by bc_free: any later callback fails the case */
};

/* A growable byte string the harness owns (independent of the implementation's evbuffer). */
struct bc_bytes {
	unsigned char *data;
	size_t len, cap;
	bool eof;
};

struct bc_ctx {
	struct event_base *base;
	intptr_t param;           /* the variant parameter from the case list */
	const char *id;
	struct bc_end ends[BC_MAX_ENDS];
	int nends;
	struct { struct bc_end *end; struct bc_event ev; } trace[BC_MAX_EVENTS];
	unsigned ntrace;
	struct event *owned[8];   /* harness events the runner frees before the base */
	int nowned;
};

/* ---- trace recorder (trace.c) ---- */
/* Install the recording callbacks on bev under a short name used in traces. */
struct bc_end *bc_watch(struct bc_ctx *t, struct bufferevent *bev, const char *name);
/* bufferevent_socket_new(t->base, fd, opts) + bc_watch. */
struct bc_end *bc_socket_end(struct bc_ctx *t, evutil_socket_t fd, int opts, const char *name);
/* bufferevent_free(e->bev), remembering that no callback may follow. */
void bc_free(struct bc_end *e);
/* Number of recorded callbacks of `kind` ('R','W','E' or 0 for any) on e. */
unsigned bc_count(const struct bc_end *e, char kind);
/* The n-th (0-based) callback of `kind` on e, or NULL. */
const struct bc_event *bc_nth(const struct bc_end *e, char kind, unsigned n);
/* "R W E(READING|EOF)": the kinds and event flags of e's callbacks, in order. */
const char *bc_shape(const struct bc_end *e);
/* Human-readable rendering of flags: "READING|EOF", "R|W". */
const char *bc_what_str(short what);
const char *bc_enabled_str(short en);

/* ---- assertions (trace.c) ----
 * One argument order everywhere: (t, label, actual, expected).
 *   label     the readable check, shown as "check" in the console and results.jsonl
 *   actual    the value under test; the expression, as written, is shown too ("expr")
 *   expected  what it must be
 * bc_expect and bc_await take (t, label, cond): the condition is the actual.
 * Each is a macro that also passes its location, BC_WHERE ("cases/write.c:27"). A failed
 * assertion ends the case with label, expected vs actual, location, expression and the
 * trace; in a QUIRK case it ends as "differs from libevent" (reported, not counted). */
#define BC_STR_(x) #x
#define BC_XSTR_(x) BC_STR_(x)
#define BC_WHERE __FILE__ ":" BC_XSTR_(__LINE__)
/* Integers; strings (NULL shows as "(null)"); eventcb flags ("READING|EOF");
 * bufferevent_get_enabled() values ("R|W"); errno values ("32 (Broken pipe)"). */
#define bc_expect_int(t, label, actual, expected) \
	bc_expect_int_((t), BC_WHERE, #actual, (label), (actual), (expected))
#define bc_expect_str(t, label, actual, expected) \
	bc_expect_str_((t), BC_WHERE, #actual, (label), (actual), (expected))
#define bc_expect_what(t, label, actual, expected) \
	bc_expect_what_((t), BC_WHERE, #actual, (label), (actual), (expected))
#define bc_expect_enabled(t, label, actual, expected) \
	bc_expect_enabled_((t), BC_WHERE, #actual, (label), (actual), (expected))
#define bc_expect_errno(t, label, actual, expected) \
	bc_expect_errno_((t), BC_WHERE, #actual, (label), (actual), (expected))
/* cond holds now; else expected "true", actual "false: <cond>". */
#define bc_expect(t, label, cond) \
	do { if (!(cond)) bc_fail_((t), BC_WHERE, #cond, (label), "false: " #cond, "true"); } while (0)
/* The deadline for anything that should happen (a callback, bytes at the peer). */
#define BC_DEADLINE_MS 1000
/* Wait until cond holds, within BC_DEADLINE_MS, or fail (expected "true within 1000 ms"):
 * how a case waits for what should happen. A longer deadline is written out:
 * bc_expect(t, label, bc_wait_until(t, ms, cond)). */
#define bc_await(t, label, cond) \
	do { if (!bc_wait_until((t), BC_DEADLINE_MS, cond)) \
		bc_fail_((t), BC_WHERE, #cond, (label), "false: " #cond, \
			 "true within " BC_XSTR_(BC_DEADLINE_MS) " ms"); } while (0)
/* Fail now, for a condition the case has tested itself: actual and expected are strings;
 * no expression is shown. */
#define bc_fail(t, label, actual, expected) \
	bc_fail_((t), BC_WHERE, NULL, (label), (actual), (expected))
/* Same as bc_fail; reads better in a QUIRK case. */
#define bc_quirk_differs(t, label, actual, expected) \
	bc_fail_((t), BC_WHERE, NULL, (label), (actual), (expected))
/* Two keep their natural shapes: */
/* The callbacks recorded on e, as bc_shape renders them, are `expected` ("" for none);
 * the label is "callbacks on <e's name>". */
#define bc_expect_shape(t, e, expected) \
	bc_expect_shape_((t), BC_WHERE, "bc_shape(" #e ")", (e), (expected))
/* b holds exactly n bytes of the cyclic pattern of bc_pattern (implemented in sock.c). */
#define bc_expect_pattern(t, label, b, n) \
	bc_expect_pattern_((t), BC_WHERE, #b, (label), (b), (n))
/* What the macros call, with `where` and `expr` (NULL: none) first. A helper that checks on
 * its caller's behalf can be a macro too and pass its own BC_WHERE on (eb_expect_bytes). */
void bc_fail_(struct bc_ctx *t, const char *where, const char *expr, const char *label,
	      const char *actual, const char *expected) __attribute__((noreturn));
void bc_expect_int_(struct bc_ctx *t, const char *where, const char *expr, const char *label,
		    long long actual, long long expected);
void bc_expect_str_(struct bc_ctx *t, const char *where, const char *expr, const char *label,
		    const char *actual, const char *expected);
void bc_expect_what_(struct bc_ctx *t, const char *where, const char *expr, const char *label,
		     short actual, short expected);
void bc_expect_enabled_(struct bc_ctx *t, const char *where, const char *expr, const char *label,
			short actual, short expected);
void bc_expect_errno_(struct bc_ctx *t, const char *where, const char *expr, const char *label,
		      int actual, int expected);
void bc_expect_shape_(struct bc_ctx *t, const char *where, const char *expr, const struct bc_end *e,
		      const char *expected);
void bc_expect_pattern_(struct bc_ctx *t, const char *where, const char *expr, const char *label,
			const struct bc_bytes *b, size_t n);

/* ---- event-driven waiting (wait.c) ---- */
/* One loop pass that never blocks: EVLOOP_ONCE|EVLOOP_NONBLOCK. */
void bc_pass(struct bc_ctx *t);
void bc_passes(struct bc_ctx *t, int n);
/* Deadline machinery behind bc_wait_until; not for direct use. */
void bc_deadline_begin_(struct bc_ctx *t, int ms);
bool bc_deadline_step_(struct bc_ctx *t);
void bc_deadline_end_(struct bc_ctx *t);
/* Run blocking loop passes until cond holds or ms pass; yields the final value of cond.
 * To wait for what must happen, or fail, use bc_await (with the assertions above). */
#define bc_wait_until(t, ms, cond) ({ \
	bc_deadline_begin_((t), (ms)); \
	while (!(cond) && bc_deadline_step_(t)) {} \
	bc_deadline_end_(t); \
	(bool)(cond); })
/* Run the loop for ms of wall time: only for asserting that nothing happens (or for
 * timeout rules), never to wait for something that should happen. */
void bc_run_for(struct bc_ctx *t, int ms);
/* After the callback under test: a few non-blocking passes and a short quiet run, so a
 * repeated or late callback shows in the trace. */
void bc_settle(struct bc_ctx *t);
/* Monotonic milliseconds. */
double bc_now_ms(void);

/* ---- sockets and bytes (sock.c) ---- */
/* Non-blocking AF_UNIX stream pair. */
void bc_socketpair(struct bc_ctx *t, evutil_socket_t sv[2]);
/* A listening TCP socket on 127.0.0.1, port chosen by the kernel; *sin gets the address. */
evutil_socket_t bc_loopback_listener(struct bc_ctx *t, struct sockaddr_in *sin);
/* A TCP socket bound to 127.0.0.1 but not listening: connecting there is refused,
 * asynchronously, as long as the returned fd stays open. */
evutil_socket_t bc_refusing_port(struct bc_ctx *t, struct sockaddr_in *sin);
/* Blocking accept with a deadline (poll), for raw peers. */
evutil_socket_t bc_accept(struct bc_ctx *t, evutil_socket_t lfd, int ms);
/* Write all of buf to a raw (non-blocking) fd; fails the case if the kernel will not take it. */
void bc_send(struct bc_ctx *t, evutil_socket_t fd, const void *buf, size_t n);
/* Read what is available on a raw fd without blocking; sets b->eof on end of stream. */
size_t bc_recv_avail(evutil_socket_t fd, struct bc_bytes *b);
/* Keep reading a raw fd from the loop into b (EV_READ|EV_PERSIST) until EOF. */
void bc_peer_reader(struct bc_ctx *t, evutil_socket_t fd, struct bc_bytes *b);
/* Whether the number fd is in use, by anything. Not a test of "closed by the implementation":
 * once closed, the number comes back at once for the next descriptor opened (an eventfd of
 * the event library, the case's next socket), so use bc_fd_identity and bc_fd_same. */
bool bc_fd_is_open(evutil_socket_t fd);
/* The identity of an open fd (the file it refers to: st_dev and st_ino; every socket has
 * its own inode). Take it while the fd is surely open (fails the case otherwise); later,
 * bc_fd_same(id) is true iff id.fd still refers to that same file: false once it was closed,
 * even if the number now names something else. */
struct bc_fd_id {
	evutil_socket_t fd;
	unsigned long long dev, ino;
};
struct bc_fd_id bc_fd_identity(struct bc_ctx *t, evutil_socket_t fd);
bool bc_fd_same(struct bc_fd_id id);
/* fd is open and a socket of that domain and type (SOCK_STREAM...): for a socket the
 * implementation created and the harness never saw open, so has no identity of (D7). */
bool bc_fd_holds_socket(evutil_socket_t fd, int domain, int type);
/* Send the process's stderr to /dev/null, for a call that makes the implementation warn
 * on purpose (any implementation: no logging API needed); bc_stderr_restore undoes it. */
int bc_stderr_silence(struct bc_ctx *t);
void bc_stderr_restore(int saved);

void bc_bytes_add(struct bc_bytes *b, const void *p, size_t n);
void bc_bytes_free(struct bc_bytes *b);
/* b holds exactly the bytes of the string s; a failure shows both with unprintable bytes
 * as \xNN (a stream that went wrong holds anything). */
#define bc_expect_bytes(t, label, b, s) bc_expect_bytes_((t), BC_WHERE, #b, (label), (b), (s))
void bc_expect_bytes_(struct bc_ctx *t, const char *where, const char *expr, const char *label,
		      const struct bc_bytes *b, const char *s);
/* The same for the n bytes at p (a case's own array). */
#define bc_expect_buf(t, label, p, n, s) do { \
	struct bc_bytes v_ = { (unsigned char *)(p), (n), (n), false }; \
	bc_expect_bytes_((t), BC_WHERE, #p, (label), &v_, (s)); } while (0)
/* Move up to max bytes (SIZE_MAX: all there is) of bev's input to the end of b with
 * bufferevent_read alone, the core API every implementation has, in pieces of 1, 2, ...
 * 16 bytes, so most removals are partial; returns the count. Each call must return
 * min(n, input length), or the case fails here. */
#define bc_read_input(t, bev, b, max) bc_read_input_((t), BC_WHERE, (bev), (b), (max))
size_t bc_read_input_(struct bc_ctx *t, const char *where, struct bufferevent *bev, struct bc_bytes *b,
		      size_t max);
/* The cyclic test pattern: byte i of the stream is pattern(i); period 251 (prime), so a
 * lost, duplicated or reordered chunk of any size but a multiple of 251 shows. */
void bc_pattern(unsigned char *buf, size_t n, size_t offset);
/* Index of the first byte of b that breaks the pattern from offset 0, or -1. */
long bc_pattern_mismatch(const unsigned char *buf, size_t n, size_t offset);
/* bc_expect_pattern (with the assertions above): b holds exactly n bytes of the pattern. */

/* ---- errno witness for deferred callbacks (witness.c) ---- */
/* A deferred eventcb runs after the failing syscall, later in the loop, so a value merely
 * left in errno could pass for a restored one. The witness is a second deferred
 * bufferevent whose next write fails with `err`: create it just before the pass in which
 * the case's own syscall fails; both eventcbs then run after both failures, and one of
 * them sees the other's errno unless the implementation saves and restores it per
 * callback. bc_errno_witness_check waits for the witness's eventcb, checks its errno and
 * frees it. */
struct bc_end *bc_errno_witness(struct bc_ctx *t, int err, evutil_socket_t *peer);
void bc_errno_witness_check(struct bc_ctx *t, struct bc_end *w, int err, evutil_socket_t peer);

/* ---- bufferevent kinds (kinds.c) ---- */
/* A case written against a bc_link runs over every kind its rows name: a socket
 * bufferevent on an AF_UNIX pair (the default), one side of a bufferevent_pair
 * (BC_PAIR), or a pass-through bufferevent_filter over a socket bufferevent (BC_FILTER). */
struct bc_link {
	struct bc_end *e;            /* the bufferevent under test, recorded */
	evutil_socket_t fd;          /* socket/filter: the fd under e (for fault scripts); pair: -1 */
	evutil_socket_t peer;        /* socket/filter: the raw far end; pair: -1 */
	struct bufferevent *partner; /* pair: the far end, EV_READ enabled, not recorded */
	struct bufferevent *under;   /* filter: the underlying socket bufferevent */
};
/* Create the kind named by t->param with options `opts` (plus BC_DEFER's flag). */
void bc_link_open(struct bc_ctx *t, struct bc_link *l, int opts, const char *name);
/* The far end sends n bytes toward e. */
void bc_link_send(struct bc_ctx *t, struct bc_link *l, const void *p, size_t n);
/* Move what has reached the far end into b; returns the count. */
size_t bc_link_recv(struct bc_ctx *t, struct bc_link *l, struct bc_bytes *b);
/* The far end ends its stream: shutdown(SHUT_WR) for sockets and filters,
 * bufferevent_flush(partner, EV_WRITE, BEV_FINISHED) for a pair. */
void bc_link_finish(struct bc_ctx *t, struct bc_link *l);
/* Free e (unless the case already did) and the far end. */
void bc_link_close(struct bc_ctx *t, struct bc_link *l);
const char *bc_kind_name(const struct bc_ctx *t);

/* Variant parameters carried in a case row (t->param). */
#define BC_DEFER 0x1000  /* add BEV_OPT_DEFER_CALLBACKS */
#define BC_PAIR 0x2000   /* run over a bufferevent_pair side */
#define BC_FILTER 0x4000 /* run over a pass-through filter */
static inline int bc_opts(const struct bc_ctx *t, int base_opts)
{
	return base_opts | ((t->param & BC_DEFER) ? BEV_OPT_DEFER_CALLBACKS : 0);
}
static inline int bc_param(const struct bc_ctx *t) { return (int)(t->param & 0xfff); }

#endif
