/* poll.c: the poll(2) backend. One pollfd per watched fd; `slot_of` maps fd -> index. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>

#include "event-internal.h"

struct poll_state {
	struct event_base *base;
	struct pollfd *fds;
	int nfds, cap;
	int *slot_of; /* index into fds, or -1 */
	int nslots;
};

static void *poll_init(struct event_base *base)
{
	struct poll_state *s = mm_calloc(1, sizeof *s);
	if (s)
		s->base = base;
	return s;
}

static int grow(void **p, int *cap, int need, size_t elem)
{
	if (need <= *cap)
		return 0;
	int n = *cap ? *cap : 32;
	while (n < need)
		n *= 2;
	void *q = mm_realloc(*p, n * elem);
	if (!q)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

static int poll_change(void *state, evutil_socket_t fd, short old, short now)
{
	struct poll_state *s = state;
	(void)old;
	if (fd >= s->nslots) {
		int before = s->nslots;
		if (grow((void **)&s->slot_of, &s->nslots, fd + 1, sizeof(int)) != 0)
			return -1;
		for (int i = before; i < s->nslots; i++)
			s->slot_of[i] = -1;
	}
	int i = s->slot_of[fd];
	if (!now) {
		if (i >= 0) { /* move the last entry into the hole */
			s->fds[i] = s->fds[--s->nfds];
			s->slot_of[s->fds[i].fd] = i;
			s->slot_of[fd] = -1;
		}
		return 0;
	}
	if (i < 0) {
		if (grow((void **)&s->fds, &s->cap, s->nfds + 1, sizeof(struct pollfd)) != 0)
			return -1;
		i = s->nfds++;
		s->slot_of[fd] = i;
		s->fds[i].fd = fd;
	}
	s->fds[i].events = (short)(((now & EV_READ) ? POLLIN : 0) | ((now & EV_WRITE) ? POLLOUT : 0));
	s->fds[i].revents = 0;
	return 0;
}

static int poll_dispatch(void *state, int timeout_ms)
{
	struct poll_state *s = state;
	int n = poll(s->fds, s->nfds, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	if (n == 0)
		return 0;
	/* ev_io_ready only queues callbacks, so `fds` cannot change under this loop. */
	for (int i = 0; i < s->nfds; i++) {
		short r = s->fds[i].revents, what = 0;
		if (!r)
			continue;
		/* POLLNVAL (a closed fd still registered) wakes nobody: its events are stale. */
		if (r & (POLLIN | POLLERR | POLLHUP))
			what |= EV_READ;
		if (r & (POLLOUT | POLLERR | POLLHUP))
			what |= EV_WRITE;
		ev_io_ready(s->base, s->fds[i].fd, what);
	}
	return 0;
}

static void poll_destroy(void *state)
{
	struct poll_state *s = state;
	mm_free(s->fds);
	mm_free(s->slot_of);
	mm_free(s);
}

const struct ev_backend ev_backend_poll = {
	"poll", "EVENT_NOPOLL", poll_init, poll_change, poll_dispatch, poll_destroy,
};
