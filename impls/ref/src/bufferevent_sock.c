/* bufferevent_sock.c: a bufferevent over a socket.
 *
 * Two persistent events on the fd: ev_read moves bytes from the socket into the input,
 * ev_write from the output into the socket. ev_read runs while EV_READ is enabled and not
 * suspended; ev_write runs while EV_WRITE is enabled and the output has data (a callback
 * on the output adds it when bytes arrive; the handler removes it once the output is
 * empty). Each event carries the direction's timeout, so a timeout means "no readiness
 * for that long".
 *
 * A connect in progress is watched through ev_write: writability means it finished, and
 * SO_ERROR tells how.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buffer-internal.h"
#include "bufferevent-internal.h"
#include "thread-internal.h"

struct bufferevent_socket {
	struct bufferevent bev; /* first */
	evutil_socket_t fd;
	bool connecting;
	int dns_error; /* EVUTIL_EAI_* of the last connect_hostname lookup, 0 if it worked */
};

static struct bufferevent_socket *upcast(struct bufferevent *bev)
{
	return (struct bufferevent_socket *)bev;
}

static bool retriable(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

/* ---- the two I/O handlers ---- */

/* A read or write attempt failed (failure: the eventcb's flags): that direction stops. */
static void io_failed(struct bufferevent *bev, short dir, short failure, int err)
{
	bufferevent_disable(bev, dir);
	errno = err;
	bufferevent_run_eventcb_(bev, failure, 0);
}

/* The connect failed: ERROR alone, both events stopped, `enabled` left as it is. */
static void connect_failed(struct bufferevent *bev, int err)
{
	upcast(bev)->connecting = false;
	event_del(&bev->ev_read);
	event_del(&bev->ev_write);
	errno = err;
	bufferevent_run_eventcb_(bev, BEV_EVENT_ERROR, 0);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct bufferevent *bev = arg;
	short failure = BEV_EVENT_READING;
	int err = 0;
	bufferevent_incref(bev);
	ev_lock_acquire(bev->lock);
	if (what & EV_TIMEOUT) {
		failure |= BEV_EVENT_TIMEOUT;
		goto fail;
	}
	ev_ssize_t howmuch = (ev_ssize_t)bev->max_single_read;
	if (bev->wm_read_high) {
		size_t in = evbuffer_get_length(bev->input);
		if (in >= bev->wm_read_high) {
			bufferevent_suspend_read_(bev, BEV_SUSPEND_WM);
			goto done;
		}
		if ((size_t)howmuch > bev->wm_read_high - in)
			howmuch = (ev_ssize_t)(bev->wm_read_high - in);
	}
	if (bev->read_suspended)
		goto done;
	evbuffer_unfreeze(bev->input, 0);
	int n = evbuffer_read(bev->input, fd, (int)howmuch);
	err = errno;
	evbuffer_freeze(bev->input, 0);
	if (n < 0 && retriable(err))
		goto done; /* try again at the next readiness */
	if (n < 0 && upcast(bev)->connecting) {
		/* The read met the connect's own failure (and consumed it: SO_ERROR now reads
		 * 0). Report it as the connect's outcome, as on_writable would. */
		connect_failed(bev, err);
		goto done;
	}
	if (n < 0)
		failure |= BEV_EVENT_ERROR;
	else if (n == 0)
		failure |= BEV_EVENT_EOF;
	else {
		bufferevent_trigger_nolock_(bev, EV_READ, 0);
		goto done;
	}
fail:
	io_failed(bev, EV_READ, failure, err);
done:
	ev_lock_release(bev->lock);
	bufferevent_decref(bev);
}

/* 1: the connect on fd finished, 0: still going, -1: it failed (errno says why). */
static int connect_result(evutil_socket_t fd)
{
	int e = 0;
	socklen_t len = sizeof e;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0)
		return -1;
	if (e == EINPROGRESS || e == EINTR)
		return 0;
	if (e) {
		errno = e;
		return -1;
	}
	return 1;
}

static void on_writable(evutil_socket_t fd, short what, void *arg)
{
	struct bufferevent *bev = arg;
	struct bufferevent_socket *s = upcast(bev);
	short failure = BEV_EVENT_WRITING;
	int err = 0;
	bool just_connected = false;
	bufferevent_incref(bev);
	ev_lock_acquire(bev->lock);
	if (what & EV_TIMEOUT) {
		failure |= BEV_EVENT_TIMEOUT;
		goto fail;
	}
	if (s->connecting) {
		int c = connect_result(fd);
		if (c == 0)
			goto done;
		s->connecting = false;
		if (c < 0) { /* refused or unreachable */
			connect_failed(bev, errno);
			goto done;
		}
		just_connected = true;
		bufferevent_run_eventcb_(bev, BEV_EVENT_CONNECTED, 0);
		if (bev->freed)
			goto done;
		if (!(bev->enabled & EV_WRITE) || bev->write_suspended) {
			event_del(&bev->ev_write);
			goto done;
		}
	}
	if (bev->write_suspended)
		goto done;
	int n = 0;
	if (evbuffer_get_length(bev->output)) {
		evbuffer_unfreeze(bev->output, 1);
		n = evbuffer_write_atmost(bev->output, fd, (ev_ssize_t)bev->max_single_write);
		err = errno;
		evbuffer_freeze(bev->output, 1);
		if (n < 0 && retriable(err)) {
			n = 0;
			goto done; /* the event stays; the write is retried at the next readiness */
		}
		if (n < 0) {
			failure |= BEV_EVENT_ERROR;
			goto fail;
		}
		if (n == 0) { /* a write call taking nothing: reported as EOF, as libevent does */
			failure |= BEV_EVENT_EOF;
			goto fail;
		}
	}
	if (evbuffer_get_length(bev->output) == 0)
		event_del(&bev->ev_write);
	/* writecb after progress, or when EV_WRITE was enabled with nothing to write (as
	 * libevent: an enable on an empty output gives one writecb). */
	if ((n > 0 || !just_connected) && evbuffer_get_length(bev->output) <= bev->wm_write_low)
		bufferevent_run_writecb_(bev, 0);
	goto done;
fail:
	io_failed(bev, EV_WRITE, failure, err);
done:
	ev_lock_release(bev->lock);
	bufferevent_decref(bev);
}

/* Bytes were added to the output: start writing if we may. */
static void output_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct bufferevent *bev = arg;
	(void)buf;
	if (info->n_added && (bev->enabled & EV_WRITE) && !bev->write_suspended &&
	    !event_pending(&bev->ev_write, EV_WRITE, NULL))
		bufferevent_add_event_(&bev->ev_write, &bev->timeout_write);
}

/* ---- ops ---- */

static int sock_enable(struct bufferevent *bev, short what)
{
	int r = 0;
	if ((what & EV_READ) && bufferevent_add_event_(&bev->ev_read, &bev->timeout_read) != 0)
		r = -1;
	if ((what & EV_WRITE) && bufferevent_add_event_(&bev->ev_write, &bev->timeout_write) != 0)
		r = -1;
	return r;
}

static int sock_disable(struct bufferevent *bev, short what)
{
	int r = 0;
	if ((what & EV_READ) && event_del(&bev->ev_read) != 0)
		r = -1;
	/* A connect in progress keeps its write watch: it is how we learn the outcome. */
	if ((what & EV_WRITE) && !upcast(bev)->connecting && event_del(&bev->ev_write) != 0)
		r = -1;
	return r;
}

static void sock_destruct(struct bufferevent *bev)
{
	struct bufferevent_socket *s = upcast(bev);
	if ((bev->options & BEV_OPT_CLOSE_ON_FREE) && s->fd >= 0)
		close(s->fd);
}

static void readjust(struct event *ev, short what, const struct timeval *tv)
{
	if (!event_pending(ev, what, NULL))
		return;
	if (evutil_timerisset(tv))
		event_add(ev, tv);
	else
		ev_remove_timer(ev);
}

static void sock_adj_timeouts(struct bufferevent *bev)
{
	readjust(&bev->ev_read, EV_READ, &bev->timeout_read);
	readjust(&bev->ev_write, EV_WRITE, &bev->timeout_write);
}

static int sock_flush(struct bufferevent *bev, short iotype, enum bufferevent_flush_mode mode)
{
	(void)bev, (void)iotype, (void)mode;
	return 0; /* data already moves as fast as the socket allows */
}

static evutil_socket_t sock_getfd(struct bufferevent *bev)
{
	return upcast(bev)->fd;
}

static int sock_setfd(struct bufferevent *bev, evutil_socket_t fd)
{
	struct bufferevent_socket *s = upcast(bev);
	event_del(&bev->ev_read);
	event_del(&bev->ev_write);
	s->fd = fd;
	ev_assign(&bev->ev_read, bev->base, fd, EV_READ | EV_PERSIST, on_readable, bev);
	ev_assign(&bev->ev_write, bev->base, fd, EV_WRITE | EV_PERSIST, on_writable, bev);
	if (fd >= 0)
		bufferevent_enable(bev, bev->enabled);
	return 0;
}

static const struct bufferevent_ops socket_ops = {
	.type = "socket",
	.enable = sock_enable,
	.disable = sock_disable,
	.destruct = sock_destruct,
	.adj_timeouts = sock_adj_timeouts,
	.flush = sock_flush,
	.getfd = sock_getfd,
	.setfd = sock_setfd,
};

struct bufferevent *bufferevent_socket_new(struct event_base *base, evutil_socket_t fd, int options)
{
	struct bufferevent_socket *s = mm_calloc(1, sizeof *s);
	if (!s)
		return NULL;
	struct bufferevent *bev = &s->bev;
	if (bufferevent_init_common_(bev, base, &socket_ops, options) != 0) {
		mm_free(s);
		return NULL;
	}
	s->fd = fd;
	ev_assign(&bev->ev_read, base, fd, EV_READ | EV_PERSIST, on_readable, bev);
	ev_assign(&bev->ev_write, base, fd, EV_WRITE | EV_PERSIST, on_writable, bev);
	evbuffer_cb_set_nodefer_(evbuffer_add_cb(bev->output, output_cb, bev));
	/* The socket side owns the input's end and the output's front. */
	evbuffer_freeze(bev->input, 0);
	evbuffer_freeze(bev->output, 1);
	return bev;
}

int bufferevent_socket_connect(struct bufferevent *bev, const struct sockaddr *sa, int socklen)
{
	struct bufferevent_socket *s = upcast(bev);
	evutil_socket_t fd = s->fd;
	bool own_fd = false;
	int result = -1;
	bufferevent_incref(bev);
	if (fd < 0) {
		if (!sa)
			goto done;
		fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			goto done;
		own_fd = true;
	}
	bool refused = false;
	if (sa && connect(fd, sa, (socklen_t)socklen) != 0) {
		if (errno == ECONNREFUSED)
			refused = true;
		else if (errno != EINPROGRESS && errno != EINTR) {
			if (own_fd) {
				int err = errno;
				close(fd);
				errno = err;
			}
			goto done;
		}
	}
	bufferevent_setfd(bev, fd);
	result = 0;
	if (refused) {
		/* Refused on the spot: still reported from the loop, never inline. */
		errno = ECONNREFUSED;
		bufferevent_run_eventcb_(bev, BEV_EVENT_ERROR, BEV_OPT_DEFER_CALLBACKS);
		bufferevent_disable(bev, EV_READ | EV_WRITE);
	} else {
		/* In progress (or already done): writability will tell. */
		s->connecting = true;
		sock_enable(bev, EV_WRITE);
	}
done:
	bufferevent_decref(bev);
	return result;
}

/* With no evdns_base, as libevent: the system resolver answers at once (blocking), and
 * the outcome is reported as if a resolver had called back: an ERROR event (inline
 * unless callbacks are deferred) when the lookup or the connect cannot start. */
int bufferevent_socket_connect_hostname(struct bufferevent *bev, struct evdns_base *evdns_base,
					int family, const char *hostname, int port)
{
	if (bev->ops != &socket_ops || evdns_base) /* ref has no evdns: see README */
		return -1;
	if ((family != AF_INET && family != AF_INET6 && family != AF_UNSPEC) || port < 1 || port > 65535)
		return -1;
	struct bufferevent_socket *s = upcast(bev);
	char service[8];
	snprintf(service, sizeof service, "%d", port);
	struct evutil_addrinfo hints, *ai = NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	bufferevent_incref(bev);
	s->dns_error = evutil_getaddrinfo(hostname, service, &hints, &ai);
	if (s->dns_error != 0 || bufferevent_socket_connect(bev, ai->ai_addr, (int)ai->ai_addrlen) != 0)
		bufferevent_run_eventcb_(bev, BEV_EVENT_ERROR, 0);
	evutil_freeaddrinfo(ai);
	bufferevent_decref(bev);
	return 0;
}

int bufferevent_socket_get_dns_error(struct bufferevent *bev)
{
	return bev->ops == &socket_ops ? upcast(bev)->dns_error : 0;
}

/* Priorities and bases are those of the socket's two events, so only sockets have them. */
int bufferevent_priority_set(struct bufferevent *bev, int pri)
{
	if (bev->ops != &socket_ops || event_priority_set(&bev->ev_read, pri) != 0 ||
	    event_priority_set(&bev->ev_write, pri) != 0)
		return -1;
	bev->deferred.pri = pri; /* the deferred callbacks follow */
	return 0;
}

int bufferevent_get_priority(const struct bufferevent *bev)
{
	return event_get_priority(&bev->ev_read);
}

/* Move a socket bufferevent to another base. Only while none of its events is pending
 * or queued: those belong to the old base's tables. */
int bufferevent_base_set(struct event_base *base, struct bufferevent *bev)
{
	if (bev->ops != &socket_ops)
		return -1;
	if (event_pending(&bev->ev_read, EV_READ | EV_WRITE | EV_TIMEOUT, NULL) ||
	    event_pending(&bev->ev_write, EV_READ | EV_WRITE | EV_TIMEOUT, NULL) || bev->deferred.queued)
		return -1;
	evutil_socket_t fd = upcast(bev)->fd;
	bev->base = base;
	ev_assign(&bev->ev_read, base, fd, EV_READ | EV_PERSIST, on_readable, bev);
	ev_assign(&bev->ev_write, base, fd, EV_WRITE | EV_PERSIST, on_writable, bev);
	return 0;
}
