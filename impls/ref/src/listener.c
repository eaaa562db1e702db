/* listener.c: evconnlistener, a persistent read event on a listening socket that
 * accepts every pending connection and hands each to the user's callback. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/listener.h>

#include "event-internal.h"
#include "thread-internal.h"

struct evconnlistener {
	struct event ev;
	evconnlistener_cb cb;
	evconnlistener_errorcb errorcb;
	void *arg;
	unsigned flags;
	int accept_flags; /* for accept4 */
	bool enabled;
	int refcnt;       /* the user's, plus one while a callback runs */
	struct ev_lock *lock; /* LEV_OPT_THREADSAFE; released while a user callback runs */
};

static void listener_decref(struct evconnlistener *lev)
{
	if (--lev->refcnt == 0) {
		ev_lock_unref(lev->lock);
		mm_free(lev);
	}
}

static bool accept_retriable(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == EINTR || err == ECONNABORTED;
}

/* Run a user callback with the lock released (it may free or disable the listener, or be
 * waiting on the lock in another thread); returns false if the listener was freed. */
static bool call_unlocked(struct evconnlistener *lev, evutil_socket_t conn, struct sockaddr *sa, int len)
{
	int err = errno; /* for the error callback, whatever the unlock does */
	lev->refcnt++;
	ev_lock_release(lev->lock);
	errno = err;
	if (conn >= 0)
		lev->cb(lev, conn, sa, len, lev->arg);
	else
		lev->errorcb(lev, lev->arg);
	if (lev->refcnt == 1) {
		listener_decref(lev);
		return false;
	}
	ev_lock_acquire(lev->lock);
	lev->refcnt--;
	return true;
}

static void on_acceptable(evutil_socket_t fd, short what, void *arg)
{
	struct evconnlistener *lev = arg;
	(void)what;
	ev_lock_acquire(lev->lock);
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof ss;
		evutil_socket_t conn = accept4(fd, (struct sockaddr *)&ss, &len, lev->accept_flags);
		if (conn < 0)
			break;
		if (!lev->cb) { /* nobody to give it to */
			close(conn);
			goto out;
		}
		if (!call_unlocked(lev, conn, (struct sockaddr *)&ss, (int)len))
			return; /* the callback freed the listener */
		if (!lev->enabled)
			goto out;
	}
	int err = errno;
	if (accept_retriable(err))
		goto out;
	if (lev->errorcb) {
		errno = err;
		if (!call_unlocked(lev, -1, NULL, 0))
			return;
	} else
		ev_warn("Error from accept() call: %s", strerror(err));
out:
	ev_lock_release(lev->lock);
}

struct evconnlistener *evconnlistener_new(struct event_base *base, evconnlistener_cb cb, void *arg,
					  unsigned flags, int backlog, evutil_socket_t fd)
{
	if (backlog > 0 ? listen(fd, backlog) != 0 : backlog < 0 ? listen(fd, 128) != 0 : false)
		return NULL;
	struct evconnlistener *lev = mm_calloc(1, sizeof *lev);
	if (!lev)
		return NULL;
	lev->cb = cb;
	lev->arg = arg;
	lev->flags = flags;
	lev->refcnt = 1;
	if (flags & LEV_OPT_THREADSAFE)
		lev->lock = ev_lock_new(); /* none without lock callbacks */
	if (!(flags & LEV_OPT_LEAVE_SOCKETS_BLOCKING))
		lev->accept_flags |= SOCK_NONBLOCK;
	if (flags & LEV_OPT_CLOSE_ON_EXEC)
		lev->accept_flags |= SOCK_CLOEXEC;
	ev_assign(&lev->ev, base, fd, EV_READ | EV_PERSIST, on_acceptable, lev);
	if (!(flags & LEV_OPT_DISABLED))
		evconnlistener_enable(lev);
	return lev;
}

struct evconnlistener *evconnlistener_new_bind(struct event_base *base, evconnlistener_cb cb, void *arg,
					       unsigned flags, int backlog, const struct sockaddr *sa,
					       int socklen)
{
	if (backlog == 0)
		return NULL;
	int family = sa ? sa->sa_family : AF_INET;
	int type = SOCK_STREAM | SOCK_NONBLOCK | ((flags & LEV_OPT_CLOSE_ON_EXEC) ? SOCK_CLOEXEC : 0);
	evutil_socket_t fd = socket(family, type, 0);
	if (fd < 0)
		return NULL;
	int one = 1;
	if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one) != 0)
		goto fail;
	if ((flags & LEV_OPT_REUSEABLE) && evutil_make_listen_socket_reuseable(fd) != 0)
		goto fail;
	if ((flags & LEV_OPT_REUSEABLE_PORT) && evutil_make_listen_socket_reuseable_port(fd) != 0)
		goto fail;
	if ((flags & LEV_OPT_DEFERRED_ACCEPT) && evutil_make_tcp_listen_socket_deferred(fd) != 0)
		goto fail;
	if ((flags & LEV_OPT_BIND_IPV6ONLY) &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0)
		goto fail;
	if (sa && bind(fd, sa, (socklen_t)socklen) != 0)
		goto fail;
	struct evconnlistener *lev = evconnlistener_new(base, cb, arg, flags, backlog, fd);
	if (lev)
		return lev;
fail:
	close(fd);
	return NULL;
}

void evconnlistener_free(struct evconnlistener *lev)
{
	event_del(&lev->ev);
	lev->enabled = false;
	lev->cb = NULL;
	lev->errorcb = NULL;
	if (lev->flags & LEV_OPT_CLOSE_ON_FREE)
		close(lev->ev.fd);
	listener_decref(lev);
}

int evconnlistener_enable(struct evconnlistener *lev)
{
	lev->enabled = true;
	return lev->cb ? event_add(&lev->ev, NULL) : 0;
}

int evconnlistener_disable(struct evconnlistener *lev)
{
	lev->enabled = false;
	return event_del(&lev->ev);
}

struct event_base *evconnlistener_get_base(struct evconnlistener *lev) { return lev->ev.base; }
evutil_socket_t evconnlistener_get_fd(struct evconnlistener *lev) { return lev->ev.fd; }

void evconnlistener_set_cb(struct evconnlistener *lev, evconnlistener_cb cb, void *arg)
{
	bool start = lev->enabled && !lev->cb;
	lev->cb = cb;
	lev->arg = arg;
	if (start)
		evconnlistener_enable(lev);
}

void evconnlistener_set_error_cb(struct evconnlistener *lev, evconnlistener_errorcb errorcb)
{
	lev->errorcb = errorcb;
}
