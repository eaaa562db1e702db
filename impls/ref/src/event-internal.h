/* event-internal.h: what the reactor shares with the rest of ref (not installed).
 *
 * The reactor keeps one FIFO of work to do, the *active queue*. An entry is a
 * struct event_callback; an event is one (its callback), and so is a *deferred callback*:
 * a function other modules (bufferevents, evbuffers) queue to run later in the same loop
 * pass instead of inline. */
#ifndef REF_EVENT_INTERNAL_H
#define REF_EVENT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <event2/event.h>
#include <event2/event_struct.h>

#include "mm-internal.h" /* every module allocates through mm_* */

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* struct event_callback and struct event are public (event2/event_struct.h): programs may
 * own events. Event states (struct event.state bits): */
#define EVS_ADDED 0x01    /* registered: waiting for its fd, signal or timer */
#define EVS_TIMER 0x02    /* its deadline is in the timer heap */
#define EVS_INTERNAL 0x04 /* the reactor's own; does not keep the loop running */

/* Deferred callbacks. */
void ev_callback_init(struct event_callback *cb, void (*run)(struct event_callback *));
/* Queue cb at the end of the active queue (no-op if queued); returns true if it was not queued. */
bool ev_callback_schedule(struct event_base *base, struct event_callback *cb);
/* Take cb out of the active queue; returns true if it was queued. */
bool ev_callback_cancel(struct event_base *base, struct event_callback *cb);

/* Events embedded in other structures (bufferevents, listeners). */
void ev_assign(struct event *ev, struct event_base *base, evutil_socket_t fd, short events,
	       event_callback_fn fn, void *arg);
/* Forget ev's timer, keep it registered for I/O. */
void ev_remove_timer(struct event *ev);

/* ---- the backend seam: the only contact between the core and epoll/poll ---- */
struct ev_backend {
	const char *name;
	const char *env_off;   /* its presence in the environment hides this backend */
	void *(*init)(struct event_base *base);
	/* fd's interest changes from `old` to `now` (EV_READ|EV_WRITE bits, 0 = none). */
	int (*change)(void *state, evutil_socket_t fd, short old, short now);
	/* Wait up to timeout_ms (-1: forever) and report each ready fd with ev_io_ready. */
	int (*dispatch)(void *state, int timeout_ms);
	void (*destroy)(void *state);
};
extern const struct ev_backend ev_backend_epoll;
extern const struct ev_backend ev_backend_poll;
/* Called by a backend: fd is ready for `what` (EV_READ|EV_WRITE). */
void ev_io_ready(struct event_base *base, evutil_socket_t fd, short what);

/* event_init's base (event_compat.c); event_base_free forgets it. */
extern struct event_base *ev_current_base_;

/* Logging (evutil.c). */
void ev_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
