/* Area L: what libevent 2.1.12's sample/time-test.c relies on: a struct event the program
 * owns (<event2/event_struct.h>), prepared with event_assign, as a timer re-added by its own
 * callback or (-p) a persistent one, run under event_base_dispatch (samples.h). Without
 * that header this file does not compile and its cases SKIP. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <event2/event_struct.h>

#include "samples.h"

#define CANARY 0x5a5a5a5a

/* A program's structure with an event inside; the canaries catch a write past it. */
struct owner {
	unsigned before;
	struct event ev;
	unsigned after;
};

static int calls_a, calls_b;
static void *arg_a, *arg_b;
static void count_a(evutil_socket_t fd, short what, void *arg) { (void)fd, (void)what; calls_a++; arg_a = arg; }
static void count_b(evutil_socket_t fd, short what, void *arg) { (void)fd, (void)what; calls_b++; arg_b = arg; }

/* ---- L1: event_assign on a program's own struct event ---- */
void sample_assign(struct bc_ctx *t)
{
	char sizes[64];
	snprintf(sizes, sizeof sizes, "%zu > sizeof(struct event) = %zu", event_get_struct_event_size(),
		 sizeof(struct event));
	if (event_get_struct_event_size() > sizeof(struct event))
		bc_fail(t, "event_get_struct_event_size() against the header's struct event", sizes,
			"at most sizeof(struct event)");

	struct owner o;
	memset(&o, 0xa5, sizeof o);
	o.before = o.after = CANARY;
	bc_expect_int(t, "event_assign(timer, event_self_cbarg())",
		      event_assign(&o.ev, t->base, -1, 0, count_a, event_self_cbarg()), 0);
	bc_expect(t, "nothing written before the struct", o.before == CANARY);
	bc_expect(t, "nothing written after the struct", o.after == CANARY);
	bc_expect(t, "event_initialized", event_initialized(&o.ev));
	bc_expect_int(t, "event_pending of a fresh event", event_pending(&o.ev, EV_TIMEOUT | EV_READ | EV_WRITE | EV_SIGNAL, NULL), 0);
	bc_expect(t, "event_get_base", event_get_base(&o.ev) == t->base);
	bc_expect_int(t, "event_get_fd", event_get_fd(&o.ev), -1);
	bc_expect_int(t, "event_get_events", event_get_events(&o.ev), 0);
	bc_expect(t, "event_get_callback", event_get_callback(&o.ev) == count_a);
	bc_expect(t, "event_self_cbarg() stands for the event itself", event_get_callback_arg(&o.ev) == &o.ev);

	/* It runs: added with no time, it fires in the next pass, with the event as its arg. */
	struct timeval zero = { 0, 0 };
	bc_expect_int(t, "event_add", event_add(&o.ev, &zero), 0);
	bc_await(t, "the assigned timer's callback", calls_a == 1);
	bc_expect(t, "its arg", arg_a == &o.ev);

	/* Neither pending nor active any more: it may be assigned again, to something else. */
	int marker;
	bc_expect_int(t, "evtimer_assign on the same struct",
		      evtimer_assign(&o.ev, t->base, count_b, &marker), 0);
	bc_expect(t, "event_get_callback after the new assignment", event_get_callback(&o.ev) == count_b);
	bc_expect_int(t, "event_add", event_add(&o.ev, &zero), 0);
	bc_await(t, "the new callback", calls_b == 1);
	bc_expect(t, "the new callback's arg", arg_b == &marker);
	bc_settle(t);
	bc_expect_int(t, "calls of the old callback", calls_a, 1);
	bc_expect_int(t, "calls of the new callback", calls_b, 1);

	bc_expect_int(t, "evsignal_assign(SIGUSR1)", evsignal_assign(&o.ev, t->base, SIGUSR1, count_a, NULL), 0);
	bc_expect_int(t, "event_get_events of a signal event", event_get_events(&o.ev), EV_SIGNAL | EV_PERSIST);
	bc_expect_int(t, "event_get_signal", event_get_signal(&o.ev), SIGUSR1);
	int saved = bc_stderr_silence(t); /* libevent warns */
	int r = event_assign(&o.ev, t->base, SIGUSR1, EV_SIGNAL | EV_READ, count_a, NULL);
	bc_stderr_restore(saved);
	bc_expect_int(t, "event_assign(EV_SIGNAL|EV_READ)", r, -1);
	bc_expect(t, "canaries intact at the end", o.before == CANARY && o.after == CANARY);
}

/* ---- L2, L3: time-test.c, a 2 s timer (here 30 ms), re-added by its callback or (-p) persistent ---- */
#define TT_PERIOD_MS 30
#define TT_CALLS 3

static struct time_test {
	struct bc_ctx *t;
	struct sample_guard guard;
	int event_is_persistent; /* the sample's global */
	int calls;
	evutil_socket_t fd[TT_CALLS];
	short what[TT_CALLS];
	void *arg[TT_CALLS];
	int pending_in_cb[TT_CALLS];  /* event_pending(EV_TIMEOUT) when the callback starts */
	int pending_readded[TT_CALLS];
	double added_ms;              /* the loop's clock at the event_add that armed the timer */
	double first_added_ms;        /* ... at the first event_add */
	double at_ms[TT_CALLS];       /* the wall clock when each call starts */
	double armed_ms[TT_CALLS];    /* added_ms for each call */
} tt;

static void timeout_cb(evutil_socket_t fd, short event, void *arg)
{
	struct event *timeout = arg;
	int k = tt.calls++;
	if (k >= TT_CALLS)
		return;
	tt.at_ms[k] = sample_wall_ms();
	tt.armed_ms[k] = tt.added_ms;
	tt.fd[k] = fd;
	tt.what[k] = event;
	tt.arg[k] = arg;
	tt.pending_in_cb[k] = event_pending(timeout, EV_TIMEOUT, NULL);
	if (tt.calls == TT_CALLS) { /* the sample goes on forever; this one stops here */
		event_del(timeout);
		sample_guard_end(&tt.guard);
		return;
	}
	if (!tt.event_is_persistent) {
		struct timeval tv;
		evutil_timerclear(&tv);
		tv.tv_usec = TT_PERIOD_MS * 1000;
		tt.added_ms = sample_loop_ms(event_get_base(timeout));
		event_add(timeout, &tv);
		tt.pending_readded[k] = event_pending(timeout, EV_TIMEOUT, NULL);
	}
}

void sample_time_test(struct bc_ctx *t)
{
	memset(&tt, 0, sizeof tt);
	tt.t = t;
	tt.event_is_persistent = bc_param(t);
	int flags = tt.event_is_persistent ? EV_PERSIST : 0;
	struct owner o;
	o.before = o.after = CANARY;
	bc_expect_int(t, "event_assign(&timeout, base, -1, flags, timeout_cb, &timeout)",
		      event_assign(&o.ev, t->base, -1, flags, timeout_cb, (void *)&o.ev), 0);
	struct timeval tv;
	evutil_timerclear(&tv);
	tv.tv_usec = TT_PERIOD_MS * 1000;
	tt.added_ms = tt.first_added_ms = sample_loop_ms(t->base);
	bc_expect_int(t, "event_add(&timeout, 30 ms)", event_add(&o.ev, &tv), 0);

	sample_guard_start(t, &tt.guard);
	int rc = event_base_dispatch(t->base);
	bool guard_fired = tt.guard.fired;
	sample_guard_end(&tt.guard);

	bc_expect_int(t, "timer callbacks", tt.calls, TT_CALLS);
	bc_expect(t, "the run ended before the 2 s guard", !guard_fired);
	for (int k = 0; k < TT_CALLS; k++) {
		char label[96], actual[64], expected[64];
		bc_expect_int(t, "the callback's fd", tt.fd[k], -1);
		bc_expect_what(t, "the callback's what", tt.what[k], EV_TIMEOUT);
		bc_expect(t, "the callback's arg is the program's struct event", tt.arg[k] == &o.ev);
		/* Early? One-shot: T after the add that armed it. Persistent: k+1 periods after
		 * the one add (a late call may shorten the next period). */
		double from = tt.event_is_persistent ? tt.first_added_ms : tt.armed_ms[k];
		double want = tt.event_is_persistent ? (k + 1) * TT_PERIOD_MS : TT_PERIOD_MS;
		snprintf(label, sizeof label, "call %d: ms since the event_add it counts from", k + 1);
		snprintf(actual, sizeof actual, "%.2f", tt.at_ms[k] - from);
		snprintf(expected, sizeof expected, "at least %.0f (less %.0f of clock slack)", want,
			 SAMPLE_CLOCK_SLACK_MS);
		if (tt.at_ms[k] - from < want - SAMPLE_CLOCK_SLACK_MS)
			bc_fail(t, label, actual, expected);
		if (tt.event_is_persistent)
			bc_expect(t, "a persistent timer is still pending inside its callback", tt.pending_in_cb[k]);
		else
			bc_expect_int(t, "a one-shot timer is not pending inside its callback", tt.pending_in_cb[k], 0);
		if (!tt.event_is_persistent && k + 1 < TT_CALLS)
			bc_expect(t, "pending again once its callback re-adds it", tt.pending_readded[k]);
	}
	bc_expect_int(t, "event_base_dispatch once the timer is gone", rc, 1);
	bc_expect_int(t, "event_pending at the end", event_pending(&o.ev, EV_TIMEOUT, NULL), 0);
	bc_expect(t, "canaries intact", o.before == CANARY && o.after == CANARY);
}
