/* wait.c: stepping the loop until a condition holds or a deadline passes. Nothing here
 * sleeps: a blocking pass returns when an event fires, and the deadline is itself an
 * event, so the longest a wait can take is its deadline. */
#include <time.h>

#include "bevconf.h"

static struct event *deadline_ev;
static bool deadline_passed;

double bc_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* How one loop pass is made. With EVLOOP_ONCE and EVLOOP_NONBLOCK, by the loop itself.
 * Without them (or when an impl.mk says -DBC_LOOP_IGNORES_FLAGS: its loop takes them and
 * ignores them), a harness timer ends the pass: it fires after the events ready now
 * (at 0 ms) or after one tick of waiting (BC_TICK_MS) and calls event_base_loopexit,
 * so the loop returns once that iteration's callbacks have run. The blocking pass then
 * polls: conditions are checked every tick rather than after each event. */
#if defined(BC_HAVE_EVLOOP_ONCE) && defined(BC_HAVE_EVLOOP_NONBLOCK) && !defined(BC_LOOP_IGNORES_FLAGS)
static void loop_pass(struct bc_ctx *t, bool block)
{
	event_base_loop(t->base, block ? EVLOOP_ONCE : EVLOOP_ONCE | EVLOOP_NONBLOCK);
}
#else
#define BC_TICK_MS 1
static struct event *pass_ev;
static struct event_base *pass_base;

static void on_pass_end(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	event_base_loopexit(arg, NULL);
}

static void loop_pass(struct bc_ctx *t, bool block)
{
	if (!pass_ev || pass_base != t->base) {
		/* One per base, freed with it by the runner (t->owned). */
		if (t->nowned >= (int)(sizeof t->owned / sizeof t->owned[0]) ||
		    !(pass_ev = evtimer_new(t->base, on_pass_end, t->base)))
			bc_fail(t, "harness: the loop-pass timer", "evtimer_new failed", "a timer");
		t->owned[t->nowned++] = pass_ev;
		pass_base = t->base;
	}
	struct timeval tv = { 0, block ? BC_TICK_MS * 1000 : 0 };
	if (evtimer_add(pass_ev, &tv) != 0)
		bc_fail(t, "harness: the loop-pass timer", "evtimer_add failed", "armed");
	event_base_loop(t->base, 0);
}
#endif

void bc_pass(struct bc_ctx *t)
{
	loop_pass(t, false);
}

void bc_passes(struct bc_ctx *t, int n)
{
	while (n-- > 0)
		bc_pass(t);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what, (void)arg;
	deadline_passed = true;
}

void bc_deadline_begin_(struct bc_ctx *t, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	deadline_passed = false;
	deadline_ev = evtimer_new(t->base, on_deadline, NULL);
	if (!deadline_ev || evtimer_add(deadline_ev, &tv) != 0)
		bc_fail(t, "harness: deadline timer", "evtimer_new/evtimer_add failed", "armed");
}

bool bc_deadline_step_(struct bc_ctx *t)
{
	if (deadline_passed)
		return false;
	loop_pass(t, true);
	return true;
}

void bc_deadline_end_(struct bc_ctx *t)
{
	(void)t;
	event_free(deadline_ev);
	deadline_ev = NULL;
}

void bc_run_for(struct bc_ctx *t, int ms)
{
	bc_wait_until(t, ms, false);
}

void bc_settle(struct bc_ctx *t)
{
	bc_passes(t, 5);
	bc_run_for(t, 20);
	bc_passes(t, 3);
}
