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
 * Without them, or when the preflight found the loop ignoring them (bc_loop_flags) or an
 * impl.mk says -DBC_LOOP_IGNORES_FLAGS, with event_base_loopexit: asked for before the
 * loop runs, it ends the loop after one iteration, the callbacks of what is ready now (a
 * non-blocking pass). A blocking pass is such an iteration and, when nothing was seen to
 * happen in it (no interposed I/O call, no recorded callback), a wait of one tick
 * (BC_TICK_MS) during which the loop runs what comes. */
#if defined(BC_HAVE_EVLOOP_ONCE) && defined(BC_HAVE_EVLOOP_NONBLOCK) && !defined(BC_LOOP_IGNORES_FLAGS)
bool bc_loop_flags = true;
#else
bool bc_loop_flags = false;
#endif
#define BC_TICK_MS 1

static void loop_until(struct bc_ctx *t, int ms)
{
	struct timeval tv = { 0, ms * 1000 };
	if (event_base_loopexit(t->base, &tv) != 0)
		bc_fail(t, "harness: event_base_loopexit", "-1", "0");
	event_base_loop(t->base, 0);
}

/* Something the harness can see happen: interposed calls, recorded callbacks. */
static unsigned long activity(const struct bc_ctx *t)
{
	unsigned long n = t->ntrace;
	for (int fd = 0; fd < 1024; fd++)
		for (int c = 0; c < BC_NCALLS; c++)
			n += bc_fault_ncalls(fd, (enum bc_call)c);
	return n;
}

static void loop_pass(struct bc_ctx *t, bool block)
{
#if defined(BC_HAVE_EVLOOP_ONCE) && defined(BC_HAVE_EVLOOP_NONBLOCK)
	if (bc_loop_flags) {
		event_base_loop(t->base, block ? EVLOOP_ONCE : EVLOOP_ONCE | EVLOOP_NONBLOCK);
		return;
	}
#endif
	unsigned long before = block ? activity(t) : 0;
	loop_until(t, 0);
	if (block && activity(t) == before)
		loop_until(t, BC_TICK_MS);
}

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
