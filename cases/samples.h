/* samples.h: what the cases of libevent's sample programs share (samples.c,
 * samples_time.c), as static functions: either file may fail to compile against an
 * implementation (and SKIP) without taking the other's helpers with it. Each such case runs the program's main loop as the program does, under
 * event_base_dispatch, and ends where the program ends. */
#ifndef BC_SAMPLES_H
#define BC_SAMPLES_H

#include "bevconf.h"

/* The guard: a timer that stops a program that would otherwise never end (a lost signal,
 * a missing EOF) by breaking its loop; the case then fails on what did not happen. A
 * program whose loop ends for want of events deletes the guard along with its own last
 * event (sample_guard_end), so that the loop can run out. */
#define SAMPLE_GUARD_MS 2000
struct sample_guard {
	struct event *ev;
	bool fired;
};
static void sample_guard_fire(evutil_socket_t fd, short what, void *arg)
{
	struct sample_guard *g = arg;
	(void)fd, (void)what;
	g->fired = true;
	event_base_loopbreak(event_get_base(g->ev));
}

static inline void sample_guard_start(struct bc_ctx *t, struct sample_guard *g)
{
	struct timeval tv = { SAMPLE_GUARD_MS / 1000, (SAMPLE_GUARD_MS % 1000) * 1000 };
	g->fired = false;
	g->ev = evtimer_new(t->base, sample_guard_fire, g);
	if (!g->ev || evtimer_add(g->ev, &tv) != 0)
		bc_fail(t, "harness: the guard timer", "evtimer_new/evtimer_add failed", "armed");
}

static inline void sample_guard_end(struct sample_guard *g)
{
	if (g->ev)
		event_free(g->ev);
	g->ev = NULL;
}

/* Milliseconds on the loop's clock, the one libevent counts timer deadlines from: the time
 * cached at the start of the loop pass when called from a callback, now otherwise
 * (event_base_gettimeofday_cached). */
static inline double sample_loop_ms(struct event_base *base)
{
	struct timeval tv;
	event_base_gettimeofday_cached(base, &tv);
	return tv.tv_sec * 1e3 + tv.tv_usec / 1e3;
}

/* Milliseconds now, on the same (wall) clock. */
static inline double sample_wall_ms(void)
{
	struct timeval tv;
	evutil_gettimeofday(&tv, NULL);
	return tv.tv_sec * 1e3 + tv.tv_usec / 1e3;
}
/* The loop's clock has a granularity (libevent may use CLOCK_MONOTONIC_COARSE, one tick of
 * up to 1 ms behind, read at each add and each pass) and is not the wall clock the case
 * reads: a deadline may look this much early. 2 ms was seen too little (57.1 ms for 60,
 * one run in ten with the suite's 8 processes on 2 cores); a timer that fires early by
 * mistake is early by a period or more (the mutants here: 15 to 30 ms). */
#define SAMPLE_CLOCK_SLACK_MS 5.0

#endif
