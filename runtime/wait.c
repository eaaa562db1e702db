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

void bc_pass(struct bc_ctx *t)
{
	event_base_loop(t->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
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
	event_base_loop(t->base, EVLOOP_ONCE);
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
