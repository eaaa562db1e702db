/* Area F: a backend that fails to remove an event. The test executable defines epoll_ctl
 * (linked with -rdynamic, like runtime/fault.c's wrappers), forwarding every call to libc
 * unless a case has asked for one EPOLL_CTL_DEL on one fd to fail. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "bevconf.h"

static int epdel_fail_fd = -1, epdel_fail_err, epdel_failed;

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	static int (*real)(int, int, int, struct epoll_event *);
	if (op == EPOLL_CTL_DEL && fd == epdel_fail_fd && fd >= 0) {
		epdel_fail_fd = -1;
		epdel_failed++;
		errno = epdel_fail_err;
		return -1;
	}
	if (!real)
		real = (int (*)(int, int, int, struct epoll_event *))dlsym(RTLD_NEXT, "epoll_ctl");
	return real(epfd, op, fd, ev);
}

/* ---- F16: bufferevent_disable reports a write event the backend could not remove ---- */
void disable_backend_error(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *e = bc_socket_end(t, sv[0], BEV_OPT_CLOSE_ON_FREE, "b");
	const char *method = event_base_get_method(t->base);
	/* The socket really not writable, so the write event stays pending. */
	bc_fill_socket(sv[0]);
	bc_expect_int(t, "bufferevent_write", bufferevent_write(e->bev, "x", 1), 0);
	bc_pass(t);
	if (method && strcmp(method, "epoll") == 0) {
		epdel_fail_err = ENOMEM;
		epdel_failed = 0;
		epdel_fail_fd = sv[0];
		int saved = bc_stderr_silence(t); /* libevent warns about the failed epoll_ctl */
		int r = bufferevent_disable(e->bev, EV_WRITE);
		bc_stderr_restore(saved);
		epdel_fail_fd = -1;
		bc_expect_int(t, "epoll_ctl(DEL) calls made to fail", epdel_failed, 1);
		bc_expect_int(t, "bufferevent_disable(EV_WRITE) when the backend fails to remove the event", r, -1);
	} else {
		/* poll and select cannot fail to forget an fd. */
		bc_expect_int(t, "bufferevent_disable(EV_WRITE)", bufferevent_disable(e->bev, EV_WRITE), 0);
	}
	bc_free(e);
	close(sv[1]);
}
