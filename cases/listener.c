/* Area J: evconnlistener. A listener bound to 127.0.0.1 port 0; raw clients connect with
 * a blocking connect(), which returns once the kernel has the connection in the accept
 * queue, so "pending connections" are real before the loop runs. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bevconf.h"

#define MAXC 16

struct lst {
	struct bc_ctx *t;
	struct evconnlistener *l;
	struct sockaddr_in sin;      /* the bound address */
	int accepted, errors;
	evutil_socket_t fds[MAXC];
	struct sockaddr_in peer[MAXC];
	int socklen[MAXC];
	int err_at_error[MAXC];
	int pass_at_error[MAXC];
	int pass;                    /* counted by the case around bc_pass */
	bool disable_in_cb, free_in_cb, freed;
};

static void lst_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int socklen, void *arg)
{
	struct lst *s = arg;
	if (s->freed)
		bc_fail(s->t, "no accept callback after evconnlistener_free", "an accept callback", "none");
	if (s->accepted < MAXC) {
		s->fds[s->accepted] = fd;
		s->socklen[s->accepted] = socklen;
		memset(&s->peer[s->accepted], 0, sizeof s->peer[0]);
		if (socklen > 0 && (size_t)socklen <= sizeof s->peer[0])
			memcpy(&s->peer[s->accepted], sa, (size_t)socklen);
	} else
		close(fd);
	s->accepted++;
	if (s->disable_in_cb)
		evconnlistener_disable(l);
	if (s->free_in_cb) {
		s->freed = true;
		evconnlistener_free(l);
		s->l = NULL;
	}
}

static void lst_error(struct evconnlistener *l, void *arg)
{
	struct lst *s = arg;
	(void)l;
	if (s->errors < MAXC) {
		s->err_at_error[s->errors] = EVUTIL_SOCKET_ERROR();
		s->pass_at_error[s->errors] = s->pass;
	}
	s->errors++;
}

static struct evconnlistener *lst_bind(struct bc_ctx *t, struct lst *s, evconnlistener_cb cb, unsigned flags, int backlog)
{
	memset(s, 0, sizeof *s);
	s->t = t;
	s->sin.sin_family = AF_INET;
	s->sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->l = evconnlistener_new_bind(t->base, cb, s, flags, backlog, (struct sockaddr *)&s->sin, sizeof s->sin);
	if (s->l) {
		socklen_t len = sizeof s->sin;
		if (getsockname(evconnlistener_get_fd(s->l), (struct sockaddr *)&s->sin, &len) != 0)
			bc_fail(t, "harness: getsockname on the listener fd", strerror(errno), "0");
	}
	return s->l;
}

static struct evconnlistener *lst_open(struct bc_ctx *t, struct lst *s, unsigned flags)
{
	if (!lst_bind(t, s, lst_accept, flags, 16))
		bc_fail(t, "evconnlistener_new_bind on 127.0.0.1:0", "NULL", "a listener");
	return s->l;
}

/* A blocking client connect: when it returns, the connection waits in the accept queue. */
static evutil_socket_t client(struct bc_ctx *t, struct lst *s)
{
	evutil_socket_t fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&s->sin, sizeof s->sin) != 0)
		bc_fail(t, "harness: client connect to the listener", strerror(errno), "0");
	return fd;
}

static void lst_done(struct lst *s, evutil_socket_t *clients, int nclients)
{
	if (s->l && !s->freed)
		evconnlistener_free(s->l);
	for (int i = 0; i < s->accepted && i < MAXC; i++)
		close(s->fds[i]);
	for (int i = 0; i < nclients; i++)
		close(clients[i]);
}

static bool fd_nonblocking(evutil_socket_t fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl >= 0 && (fl & O_NONBLOCK);
}

/* Does the peer of a connected socket see EOF (or a reset) without blocking? */
static bool peer_sees_end(evutil_socket_t fd)
{
	char c;
	ssize_t r = recv(fd, &c, 1, MSG_DONTWAIT);
	return r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/* ---- J1 ---- */
void listener_bind(struct bc_ctx *t)
{
	struct lst s;
	lst_open(t, &s, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE);
	evutil_socket_t lfd = evconnlistener_get_fd(s.l);
	bc_expect(t, "evconnlistener_get_fd() >= 0", lfd >= 0);
	bc_expect(t, "evconnlistener_get_base() is the base", evconnlistener_get_base(s.l) == t->base);
	int on = 0;
	socklen_t len = sizeof on;
	bc_expect_int(t, "getsockopt(SO_REUSEADDR)", getsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, &len), 0);
	bc_expect(t, "SO_REUSEADDR set with LEV_OPT_REUSEABLE", on != 0);
	bc_expect(t, "the listening socket is non-blocking", fd_nonblocking(lfd));
	bc_expect(t, "bound to a port chosen by the kernel", ntohs(s.sin.sin_port) != 0);

	/* Enabled from the start: a connection is accepted without evconnlistener_enable. */
	evutil_socket_t c = client(t, &s);
	bc_await(t, "the connection is accepted", s.accepted >= 1);
	bc_settle(t);
	bc_expect_int(t, "accept callbacks", s.accepted, 1);
	lst_done(&s, &c, 1);
}

/* ---- J2 ---- */
void listener_backlog_zero(struct bc_ctx *t)
{
	struct lst s;
	bc_expect(t, "evconnlistener_new_bind with backlog 0 returns NULL",
		  lst_bind(t, &s, lst_accept, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE, 0) == NULL);
}

void listener_backlog_negative(struct bc_ctx *t)
{
	struct lst s;
	bc_expect(t, "evconnlistener_new_bind with backlog -1 returns a listener",
		  lst_bind(t, &s, lst_accept, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE, -1) != NULL);
	evutil_socket_t c[3];
	for (int i = 0; i < 3; i++)
		c[i] = client(t, &s);
	bc_await(t, "three connections accepted", s.accepted >= 3);
	bc_settle(t);
	bc_expect_int(t, "accept callbacks", s.accepted, 3);
	lst_done(&s, c, 3);
}

void listener_opt_disabled(struct bc_ctx *t)
{
	struct lst s;
	lst_open(t, &s, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_DISABLED);
	evutil_socket_t c = client(t, &s);
	bc_run_for(t, 30);
	bc_expect_int(t, "accept callbacks while created disabled", s.accepted, 0);
	bc_expect_int(t, "accept calls while created disabled",
		      bc_fault_ncalls(evconnlistener_get_fd(s.l), BC_ACCEPT), 0);
	bc_expect_int(t, "evconnlistener_enable", evconnlistener_enable(s.l), 0);
	bc_await(t, "the waiting connection is accepted once enabled", s.accepted >= 1);
	bc_settle(t);
	bc_expect_int(t, "accept callbacks", s.accepted, 1);
	lst_done(&s, &c, 1);
}

/* ---- J3 ---- */
void listener_accept_sockaddr(struct bc_ctx *t)
{
	struct lst s;
	lst_open(t, &s, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE);
	evutil_socket_t c[2];
	for (int i = 0; i < 2; i++) {
		c[i] = client(t, &s);
		bc_await(t, "the connection is accepted", s.accepted >= i + 1);
	}
	bc_settle(t);
	bc_expect_int(t, "accept callbacks (one per connection)", s.accepted, 2);
	for (int i = 0; i < 2; i++) {
		struct sockaddr_in me;
		socklen_t len = sizeof me;
		getsockname(c[i], (struct sockaddr *)&me, &len);
		bc_expect_int(t, "socklen passed to the accept callback", s.socklen[i], sizeof(struct sockaddr_in));
		bc_expect_int(t, "sockaddr family", s.peer[i].sin_family, AF_INET);
		bc_expect_int(t, "sockaddr port is the client's port", ntohs(s.peer[i].sin_port), ntohs(me.sin_port));
		bc_expect(t, "sockaddr address is the client's address", s.peer[i].sin_addr.s_addr == me.sin_addr.s_addr);
		/* The fd is the server side of that very connection. */
		struct sockaddr_in theirs;
		len = sizeof theirs;
		getpeername(s.fds[i], (struct sockaddr *)&theirs, &len);
		bc_expect_int(t, "getpeername(accepted fd) is the client's port", ntohs(theirs.sin_port), ntohs(me.sin_port));
	}
	lst_done(&s, c, 2);
}

void listener_accept_all_pending(struct bc_ctx *t)
{
	struct lst s;
	lst_open(t, &s, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE);
	evutil_socket_t c[3];
	for (int i = 0; i < 3; i++)
		c[i] = client(t, &s);
	bc_pass(t); /* the three connections are already queued: one readiness event takes all */
	bc_expect_int(t, "accept callbacks in the first loop pass", s.accepted, 3);
	bc_settle(t);
	bc_expect_int(t, "accept callbacks", s.accepted, 3);
	lst_done(&s, c, 3);
}

void listener_accept_blocking(struct bc_ctx *t)
{
	bool leave = bc_param(t) == 1;
	struct lst s;
	lst_open(t, &s, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | (leave ? LEV_OPT_LEAVE_SOCKETS_BLOCKING : 0));
	evutil_socket_t c = client(t, &s);
	bc_await(t, "the connection is accepted", s.accepted >= 1);
	if (leave)
		bc_expect(t, "the accepted fd is blocking with LEV_OPT_LEAVE_SOCKETS_BLOCKING", !fd_nonblocking(s.fds[0]));
	else
		bc_expect(t, "the accepted fd is non-blocking", fd_nonblocking(s.fds[0]));
	lst_done(&s, &c, 1);
}

/* ---- J4 ---- */
void listener_disable_enable(struct bc_ctx *t)
{
	struct lst s;
	lst_open(t, &s, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE);
	bc_expect_int(t, "evconnlistener_disable", evconnlistener_disable(s.l), 0);
	evutil_socket_t c[2];
	for (int i = 0; i < 2; i++)
		c[i] = client(t, &s);
	bc_run_for(t, 30);
	bc_expect_int(t, "accept callbacks while disabled", s.accepted, 0);
	bc_expect_int(t, "accept calls while disabled", bc_fault_ncalls(evconnlistener_get_fd(s.l), BC_ACCEPT), 0);
	bc_expect_int(t, "evconnlistener_enable", evconnlistener_enable(s.l), 0);
	bc_await(t, "both waiting connections accepted once enabled", s.accepted >= 2);
	bc_settle(t);
	bc_expect_int(t, "accept callbacks", s.accepted, 2);
	lst_done(&s, c, 2);
}

void listener_disable_in_cb(struct bc_ctx *t)
{
	struct lst s;
	lst_open(t, &s, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE);
	s.disable_in_cb = true;
	evutil_socket_t c[3];
	for (int i = 0; i < 3; i++)
		c[i] = client(t, &s);
	bc_await(t, "a first connection accepted", s.accepted >= 1);
	bc_settle(t);
	bc_expect_int(t, "accept callbacks after disabling inside the first", s.accepted, 1);
	s.disable_in_cb = false;
	bc_expect_int(t, "evconnlistener_enable", evconnlistener_enable(s.l), 0);
	bc_await(t, "the other two accepted once re-enabled", s.accepted >= 3);
	bc_settle(t);
	bc_expect_int(t, "accept callbacks", s.accepted, 3);
	lst_done(&s, c, 3);
}

/* ---- J5 ---- */
void listener_free_in_cb(struct bc_ctx *t)
{
	struct lst s;
	lst_open(t, &s, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE);
	struct bc_fd_id lfd_id = bc_fd_identity(t, evconnlistener_get_fd(s.l));
	s.free_in_cb = true;
	evutil_socket_t c[3];
	for (int i = 0; i < 3; i++)
		c[i] = client(t, &s);
	bc_await(t, "a first connection accepted", s.accepted >= 1);
	bc_settle(t);
	bc_expect_int(t, "accept callbacks after freeing inside the first", s.accepted, 1);
	bc_expect(t, "the listening fd is closed (CLOSE_ON_FREE)", !bc_fd_same(lfd_id));
	lst_done(&s, c, 3);
}

/* ---- J6 ---- */
void listener_free_close(struct bc_ctx *t)
{
	bool close_on_free = bc_param(t) == 1;
	struct lst s;
	lst_open(t, &s, LEV_OPT_REUSEABLE | (close_on_free ? LEV_OPT_CLOSE_ON_FREE : 0));
	evutil_socket_t lfd = evconnlistener_get_fd(s.l);
	struct bc_fd_id lfd_id = bc_fd_identity(t, lfd);
	evconnlistener_free(s.l);
	s.l = NULL;
	if (close_on_free) {
		bc_expect(t, "the listening fd is closed when evconnlistener_free returns", !bc_fd_same(lfd_id));
	} else {
		bc_expect(t, "the listening fd stays open without CLOSE_ON_FREE", bc_fd_same(lfd_id));
		/* Still a listening socket: a client connects and accept() gets it. */
		evutil_socket_t c = client(t, &s);
		evutil_socket_t a = bc_accept(t, lfd, 1000);
		bc_settle(t);
		bc_expect_int(t, "accept callbacks after free", s.accepted, 0);
		close(a);
		close(c);
		close(lfd);
	}
}

/* ---- J7: a non-retriable accept error (EMFILE, injected) ---- */
void listener_error_emfile(struct bc_ctx *t)
{
	const int fails = 3;
	struct lst s;
	lst_open(t, &s, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE);
	evconnlistener_set_error_cb(s.l, lst_error);
	evutil_socket_t lfd = evconnlistener_get_fd(s.l);
	bc_fault_fail(lfd, BC_ACCEPT, EMFILE, fails);
	evutil_socket_t c = client(t, &s);

	bc_await(t, "an error callback", s.errors >= 1);
	bc_expect_errno(t, "EVUTIL_SOCKET_ERROR() inside the error callback", s.err_at_error[0], EMFILE);
	bc_expect_int(t, "accept callbacks while accept fails", s.accepted, 0);
	/* Once the failures stop, the same pending connection is accepted normally. */
	bc_await(t, "the connection is accepted after the error", s.accepted >= 1);
	bc_settle(t);
	bc_expect_int(t, "accept callbacks", s.accepted, 1);
	bc_expect_int(t, "accept calls", bc_fault_ncalls(lfd, BC_ACCEPT) >= (unsigned)fails + 1, 1);
	for (int i = 0; i < s.errors && i < MAXC; i++)
		bc_expect_errno(t, "EVUTIL_SOCKET_ERROR() inside every error callback", s.err_at_error[i], EMFILE);
	lst_done(&s, &c, 1);
}

/* J7 (QUIRK): the listener stays enabled, and each loop pass in which accept fails calls
 * the error callback once more. */
void listener_error_repeat(struct bc_ctx *t)
{
	const int fails = 3;
	struct lst s;
	lst_open(t, &s, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE);
	evconnlistener_set_error_cb(s.l, lst_error);
	evutil_socket_t lfd = evconnlistener_get_fd(s.l);
	bc_fault_fail(lfd, BC_ACCEPT, EMFILE, fails);
	evutil_socket_t c = client(t, &s);
	for (s.pass = 1; s.pass <= fails; s.pass++) {
		bc_pass(t);
		bc_expect_int(t, "error callbacks after this many passes", s.errors, s.pass);
	}
	bc_pass(t);
	bc_expect_int(t, "accept callbacks in the pass after the failures", s.accepted, 1);
	bc_expect_int(t, "error callbacks", s.errors, fails);
	lst_done(&s, &c, 1);
}

/* ---- J8: retriable accept errors are ignored ---- */
void listener_error_retriable(struct bc_ctx *t)
{
	struct lst s;
	lst_open(t, &s, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE);
	evconnlistener_set_error_cb(s.l, lst_error);
	evutil_socket_t lfd = evconnlistener_get_fd(s.l);
	bc_fault_fail(lfd, BC_ACCEPT, bc_param(t), 1);
	evutil_socket_t c = client(t, &s);
	bc_await(t, "an accept call", bc_fault_ncalls(lfd, BC_ACCEPT) >= 1);
	bc_expect_int(t, "accept callbacks after the failing accept", s.accepted, 0);
	bc_await(t, "the connection is accepted on a later readiness event", s.accepted >= 1);
	bc_settle(t);
	bc_expect_int(t, "error callbacks", s.errors, 0);
	bc_expect_int(t, "accept callbacks", s.accepted, 1);
	lst_done(&s, &c, 1);
}

/* ---- J9: a non-retriable error without an error callback ---- */
static int log_msgs;
static void count_log(int sev, const char *msg)
{
	(void)sev, (void)msg;
	log_msgs++;
}

void listener_error_no_cb(struct bc_ctx *t)
{
	struct lst s;
	lst_open(t, &s, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE);
	evutil_socket_t lfd = evconnlistener_get_fd(s.l);
	event_set_log_callback(count_log); /* libevent logs a warning here: keep stderr quiet */
	bc_fault_fail(lfd, BC_ACCEPT, ENOBUFS, 1);
	evutil_socket_t c = client(t, &s);
	bc_await(t, "the connection is accepted after the error", s.accepted >= 1);
	bc_settle(t);
	event_set_log_callback(NULL);
	bc_expect_int(t, "accept calls (one failed, one accepted)", bc_fault_ncalls(lfd, BC_ACCEPT) >= 2, 1);
	bc_expect_int(t, "accept callbacks", s.accepted, 1);
	/* Still working afterwards. */
	evutil_socket_t c2 = client(t, &s);
	bc_await(t, "a later connection is accepted too", s.accepted >= 2);
	evutil_socket_t cs[2] = { c, c2 };
	lst_done(&s, cs, 2);
}

/* ---- J10: a NULL callback ---- */
void listener_null_cb(struct bc_ctx *t)
{
	struct lst s;
	lst_open(t, &s, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE);
	evconnlistener_set_cb(s.l, NULL, NULL);
	evutil_socket_t c = client(t, &s);
	bc_await(t, "the connection is accepted and closed: the client sees its end", peer_sees_end(c));
	bc_expect_int(t, "accept callbacks", s.accepted, 0);
	/* Back to a real callback: the next connection reaches it. */
	evconnlistener_set_cb(s.l, lst_accept, &s);
	evutil_socket_t c2 = client(t, &s);
	bc_await(t, "the next connection reaches the new callback", s.accepted >= 1);
	evutil_socket_t cs[2] = { c, c2 };
	lst_done(&s, cs, 2);
}

void listener_cb_later(struct bc_ctx *t)
{
	struct lst s;
	if (!lst_bind(t, &s, NULL, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE, 16))
		bc_fail(t, "evconnlistener_new_bind with a NULL callback", "NULL", "a listener");
	evutil_socket_t lfd = evconnlistener_get_fd(s.l);
	evutil_socket_t c = client(t, &s);
	bc_run_for(t, 30);
	bc_expect_int(t, "accept calls while the callback is NULL", bc_fault_ncalls(lfd, BC_ACCEPT), 0);
	bc_expect(t, "the waiting connection is left alone", !peer_sees_end(c));
	evconnlistener_set_cb(s.l, lst_accept, &s);
	bc_await(t, "set_cb starts accepting", s.accepted >= 1);
	bc_settle(t);
	bc_expect_int(t, "accept callbacks", s.accepted, 1);
	lst_done(&s, &c, 1);
}

void listener_set_cb_arg(struct bc_ctx *t)
{
	struct lst s, s2;
	lst_open(t, &s, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE);
	memset(&s2, 0, sizeof s2);
	s2.t = t;
	bc_expect_int(t, "evconnlistener_disable", evconnlistener_disable(s.l), 0);
	evconnlistener_set_cb(s.l, lst_accept, &s2);
	evutil_socket_t c = client(t, &s);
	bc_run_for(t, 30);
	bc_expect_int(t, "accepts after set_cb on a disabled listener", s.accepted + s2.accepted, 0);
	bc_expect_int(t, "evconnlistener_enable", evconnlistener_enable(s.l), 0);
	bc_await(t, "the enabled listener accepts", s.accepted + s2.accepted >= 1);
	bc_settle(t);
	bc_expect_int(t, "accept callbacks with the old argument", s.accepted, 0);
	bc_expect_int(t, "accept callbacks with the new argument", s2.accepted, 1);
	for (int i = 0; i < s2.accepted && i < MAXC; i++)
		close(s2.fds[i]);
	lst_done(&s, &c, 1);
}

void listener_free_removes_event(struct bc_ctx *t)
{
	struct lst s;
	int before = event_base_get_num_events(t->base, EVENT_BASE_COUNT_ADDED);
	lst_open(t, &s, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE);
	bc_expect_int(t, "added events with the listener enabled",
		      event_base_get_num_events(t->base, EVENT_BASE_COUNT_ADDED), before + 1);
	evconnlistener_free(s.l);
	s.freed = true;
	bc_expect_int(t, "added events after evconnlistener_free",
		      event_base_get_num_events(t->base, EVENT_BASE_COUNT_ADDED), before);
	lst_done(&s, NULL, 0);
}

void listener_enable_nocb(struct bc_ctx *t)
{
	struct lst s;
	if (!lst_bind(t, &s, NULL, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_DISABLED, 16))
		bc_fail(t, "evconnlistener_new_bind with a NULL callback", "NULL", "a listener");
	bc_expect_int(t, "evconnlistener_enable with a NULL callback", evconnlistener_enable(s.l), 0);
	lst_done(&s, NULL, 0);
}

void listener_keepalive(struct bc_ctx *t)
{
	struct lst s;
	lst_open(t, &s, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE);
	int on = -1;
	socklen_t len = sizeof on;
	if (getsockopt(evconnlistener_get_fd(s.l), SOL_SOCKET, SO_KEEPALIVE, &on, &len) != 0)
		bc_fail(t, "harness: getsockopt SO_KEEPALIVE", strerror(errno), "0");
	bc_expect_int(t, "SO_KEEPALIVE on the listening socket", on, 1);
	lst_done(&s, NULL, 0);
}

/* ---- J18: each bind option of evconnlistener_new_bind gives a listener that accepts, with the
 * option's socket state set. BIND_IPV6ONLY binds [::1] (a machine without an IPv6 loopback
 * SKIPs); listener_bind_option's param: 0 REUSEABLE_PORT, 1 DEFERRED_ACCEPT. ---- */
static void v6_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int socklen, void *arg)
{
	(void)l, (void)sa, (void)socklen;
	*(evutil_socket_t *)arg = fd;
}

void listener_bind_ipv6only(struct bc_ctx *t)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	evutil_socket_t probe = socket(AF_INET6, SOCK_STREAM, 0);
	bool v6 = probe >= 0 && bind(probe, (struct sockaddr *)&sin6, sizeof sin6) == 0;
	if (probe >= 0)
		close(probe);
	if (!v6)
		bc_skip("this machine has no IPv6 loopback ([::1])");
	evutil_socket_t got = -1;
	struct evconnlistener *l = evconnlistener_new_bind(t->base, v6_accept, &got,
		LEV_OPT_CLOSE_ON_FREE | LEV_OPT_BIND_IPV6ONLY, 16, (struct sockaddr *)&sin6, sizeof sin6);
	if (!l)
		bc_fail(t, "evconnlistener_new_bind(LEV_OPT_BIND_IPV6ONLY) on [::1]:0", "NULL", "a listener");
	int on = 0;
	socklen_t len = sizeof on;
	bc_expect_int(t, "getsockopt(IPV6_V6ONLY)",
		      getsockopt(evconnlistener_get_fd(l), IPPROTO_IPV6, IPV6_V6ONLY, &on, &len), 0);
	bc_expect(t, "IPV6_V6ONLY set with LEV_OPT_BIND_IPV6ONLY", on != 0);
	len = sizeof sin6;
	getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&sin6, &len);
	evutil_socket_t c = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&sin6, sizeof sin6) != 0)
		bc_fail(t, "harness: client connect to [::1]", strerror(errno), "0");
	bc_await(t, "the connection is accepted", got >= 0);
	evconnlistener_free(l);
	close(got);
	close(c);
}

void listener_bind_option(struct bc_ctx *t)
{
	struct lst s;
	unsigned opt = bc_param(t) == 0 ? LEV_OPT_REUSEABLE_PORT : LEV_OPT_DEFERRED_ACCEPT;
	lst_open(t, &s, LEV_OPT_CLOSE_ON_FREE | opt);
	if (opt == LEV_OPT_REUSEABLE_PORT) {
		int on = 0;
		socklen_t len = sizeof on;
		bc_expect_int(t, "getsockopt(SO_REUSEPORT)",
			      getsockopt(evconnlistener_get_fd(s.l), SOL_SOCKET, SO_REUSEPORT, &on, &len), 0);
		bc_expect(t, "SO_REUSEPORT set with LEV_OPT_REUSEABLE_PORT", on != 0);
	}
	evutil_socket_t c = client(t, &s);
	/* With TCP_DEFER_ACCEPT the kernel hands the connection over once data arrives. */
	if (write(c, "x", 1) != 1)
		bc_fail(t, "harness: client write", strerror(errno), "1");
	bc_await(t, "the connection is accepted", s.accepted >= 1);
	lst_done(&s, &c, 1);
}

/* ---- J19: evconnlistener_new_bind on an address in use returns NULL and closes the socket
 * it made: the lowest free descriptor is the same before and after. ---- */
static int lowest_free_fd(void)
{
	int fd = dup(0);
	close(fd);
	return fd;
}

void listener_bind_fail_closes(struct bc_ctx *t)
{
	struct lst s;
	lst_open(t, &s, LEV_OPT_CLOSE_ON_FREE);
	struct sockaddr_in taken = s.sin;
	int before = lowest_free_fd();
	struct evconnlistener *l = evconnlistener_new_bind(t->base, lst_accept, &s, LEV_OPT_CLOSE_ON_FREE, 16,
							   (struct sockaddr *)&taken, sizeof taken);
	bc_expect(t, "evconnlistener_new_bind on an address in use returns NULL", l == NULL);
	if (l)
		evconnlistener_free(l);
	bc_expect_int(t, "lowest free descriptor after the failed bind", lowest_free_fd(), before);
	lst_done(&s, NULL, 0);
}
