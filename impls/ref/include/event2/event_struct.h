/* event2/event_struct.h (ref): struct event as a complete type, for a program that owns the
 * storage of its events (a local variable, a member of its own structure) and prepares
 * them with event_assign() instead of event_new(). As in libevent, the members are the
 * library's business: a program reads them through the event_get_* accessors of
 * event2/event.h, and event_get_struct_event_size() tells it how large the library's
 * struct event is. The layout is ref's own, not libevent's. */
#ifndef REF_EVENT2_EVENT_STRUCT_H
#define REF_EVENT2_EVENT_STRUCT_H

#include <stdint.h>
#include <sys/time.h>
#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

struct event_base;

/* An entry of a base's active queue: an event's callback, or a deferred callback. */
struct event_callback {
	struct event_callback *next, *prev; /* links in the active queue */
	void (*run)(struct event_callback *cb);
	int queued; /* nonzero while in the active queue */
	int pri;    /* its priority; -1: the base's middle one, whatever their number then */
	int queue;  /* the active queue it sits in, while queued */
};

struct event {
	struct event_callback cb; /* first: the active queue holds events by this member */
	struct event_base *base;
	evutil_socket_t fd;       /* fd, signal number, or -1 for a pure timer */
	short events;             /* EV_READ, EV_WRITE, EV_SIGNAL, EV_PERSIST it was made with */
	short res;                /* what happened, collected until the callback runs */
	int state;                /* what the reactor holds it for (EVS_* in ref's sources) */
	void (*fn)(evutil_socket_t fd, short what, void *arg);
	void *arg;
	struct timeval timeout;   /* the relative timeout of the last event_add, if any */
	int has_timeout;
	int64_t deadline_us;      /* monotonic; valid while its timer is armed */
	int heap_index;
	struct event *fd_next, *fd_prev; /* the events of one fd or one signal */
	int nsignals;             /* signal event: deliveries not yet given to the callback */
	int *calls_left;          /* signal event, inside its callbacks: the ones still to make */
};

#ifdef __cplusplus
}
#endif
#endif
