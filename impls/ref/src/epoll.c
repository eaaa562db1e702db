/* epoll.c: the epoll backend. Level-triggered; the core tells it each fd's interest. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "event-internal.h"

#define MAX_EVENTS 64

struct epoll_state {
	struct event_base *base;
	int epfd;
	struct epoll_event ready[MAX_EVENTS];
};

static void *epoll_init(struct event_base *base)
{
	struct epoll_state *s = mm_calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->base = base;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0) {
		mm_free(s);
		return NULL;
	}
	return s;
}

static int epoll_change(void *state, evutil_socket_t fd, short old, short now)
{
	struct epoll_state *s = state;
	struct epoll_event ev = { 0 };
	ev.data.fd = fd;
	if (now & EV_READ)
		ev.events |= EPOLLIN;
	if (now & EV_WRITE)
		ev.events |= EPOLLOUT;
	if (!now) {
		/* The fd may already be closed (the kernel then forgot it): not an error. Any
		 * other failure (ENOMEM) is the caller's to report. */
		if (epoll_ctl(s->epfd, EPOLL_CTL_DEL, fd, &ev) == 0 || errno == ENOENT ||
		    errno == EBADF || errno == EPERM)
			return 0;
		return -1;
	}
	int op = old ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (epoll_ctl(s->epfd, op, fd, &ev) == 0)
		return 0;
	/* Our record and the kernel's can disagree after a close and a reused fd number. */
	if (op == EPOLL_CTL_MOD && errno == ENOENT)
		return epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev);
	if (op == EPOLL_CTL_ADD && errno == EEXIST)
		return epoll_ctl(s->epfd, EPOLL_CTL_MOD, fd, &ev);
	return -1;
}

static int epoll_dispatch(void *state, int timeout_ms)
{
	struct epoll_state *s = state;
	int n = epoll_wait(s->epfd, s->ready, MAX_EVENTS, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	for (int i = 0; i < n; i++) {
		uint32_t e = s->ready[i].events;
		short what = 0;
		/* An error or hangup wakes both directions; the I/O call then tells what it was. */
		if (e & (EPOLLIN | EPOLLERR | EPOLLHUP))
			what |= EV_READ;
		if (e & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			what |= EV_WRITE;
		ev_io_ready(s->base, s->ready[i].data.fd, what);
	}
	return 0;
}

static void epoll_destroy(void *state)
{
	struct epoll_state *s = state;
	close(s->epfd);
	mm_free(s);
}

const struct ev_backend ev_backend_epoll = {
	"epoll", "EVENT_NOEPOLL", epoll_init, epoll_change, epoll_dispatch, epoll_destroy,
};
