/* event_compat.c: the pre-2.0 API built on a global "current base" (event_init), and the
 * old bufferevent calls that use it. */
#include <event2/event_compat.h>
#include <event2/bufferevent_compat.h>

#include "event-internal.h"

struct event_base *ev_current_base_;

struct event_base *event_init(void)
{
	struct event_base *base = event_base_new();
	if (base)
		ev_current_base_ = base;
	return base;
}

int event_dispatch(void) { return event_base_dispatch(ev_current_base_); }
int event_loop(int flags) { return event_base_loop(ev_current_base_, flags); }
int event_loopexit(const struct timeval *tv) { return event_base_loopexit(ev_current_base_, tv); }
int event_loopbreak(void) { return event_base_loopbreak(ev_current_base_); }

struct bufferevent *bufferevent_new(evutil_socket_t fd, bufferevent_data_cb readcb,
				    bufferevent_data_cb writecb, bufferevent_event_cb eventcb, void *cbarg)
{
	if (!ev_current_base_)
		return NULL;
	struct bufferevent *bev = bufferevent_socket_new(ev_current_base_, fd, 0);
	if (bev)
		bufferevent_setcb(bev, readcb, writecb, eventcb, cbarg);
	return bev;
}

void bufferevent_settimeout(struct bufferevent *bev, int timeout_read, int timeout_write)
{
	struct timeval tr = { timeout_read, 0 }, tw = { timeout_write, 0 };
	/* 0 seconds means no timeout; bufferevent_set_timeouts takes NULL for that. */
	bufferevent_set_timeouts(bev, timeout_read ? &tr : NULL, timeout_write ? &tw : NULL);
}
