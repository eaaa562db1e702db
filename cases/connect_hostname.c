/* Area D additions: bufferevent_socket_connect_hostname with no evdns_base (the system
 * resolver, answered from /etc/hosts or numerically: no network), a refused connect seen
 * first by the readcb, and a connect when no socket can be created. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <arpa/inet.h>

#include "extra_api.h"

/* ---- D14: numeric and /etc/hosts names. param 1 "127.0.0.1" AF_INET, 2 same AF_UNSPEC,
 * 3 "localhost" AF_INET; | 0x100: the stack below the caller full of 0xff bytes first ---- */
/* Leave every byte of a large stretch of the stack below the caller at 0xff, so a local
 * variable of the next call that nobody initialised holds all ones. */
static __attribute__((noinline)) void dirty_stack(void)
{
	volatile unsigned char junk[16384];
	memset((void *)junk, 0xff, sizeof junk);
	__asm__ volatile("" : : "r"(junk) : "memory");
}

void ch_ok(struct bc_ctx *t)
{
	struct sockaddr_in sin;
	evutil_socket_t lfd = bc_loopback_listener(t, &sin);
	struct bc_end *e = bc_socket_end(t, -1, bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "c");
	int p = bc_param(t) & 0xff;
	const char *host = p == 3 ? "localhost" : "127.0.0.1";
	int family = p == 2 ? AF_UNSPEC : AF_INET;
	int r;
	if (t->param & 0x100) {
		/* A first call (port 0: refused before any lookup) binds the function's PLT entry,
		 * whose resolution would reuse the dirtied stack. */
		bc_expect_int(t, "connect_hostname with port 0", bufferevent_socket_connect_hostname(e->bev, NULL, family, host, 0), -1);
		dirty_stack();
		r = bufferevent_socket_connect_hostname(e->bev, NULL, family, host, ntohs(sin.sin_port));
	} else {
		r = bufferevent_socket_connect_hostname(e->bev, NULL, family, host, ntohs(sin.sin_port));
	}
	bc_expect_int(t, "bufferevent_socket_connect_hostname", r, 0);
	bc_await(t, "an eventcb", bc_count(e, 'E') >= 1);
	bc_expect_shape(t, e, "E(CONNECTED)");
	bc_expect_int(t, "get_dns_error after a successful lookup", bufferevent_socket_get_dns_error(e->bev), 0);
	struct sockaddr_in peer;
	socklen_t len = sizeof peer;
	bc_expect_int(t, "getpeername(getfd)", getpeername(bufferevent_getfd(e->bev), (struct sockaddr *)&peer, &len), 0);
	bc_expect_int(t, "connected to the listener's port", ntohs(peer.sin_port), ntohs(sin.sin_port));
	evutil_socket_t s = bc_accept(t, lfd, 1000);
	bc_expect_int(t, "bufferevent_write", bufferevent_write(e->bev, "ping", 4), 0);
	struct bc_bytes got = {0};
	bc_wait_until(t, 1000, (bc_recv_avail(s, &got), got.len >= 4));
	bc_expect(t, "the peer receives the bytes written", got.len == 4 && memcmp(got.data, "ping", 4) == 0);
	bc_bytes_free(&got);
	bc_free(e);
	close(s);
	close(lfd);
}

/* ---- D15: a refused connect after a successful lookup ---- */
void ch_refused(struct bc_ctx *t)
{
	struct sockaddr_in sin;
	evutil_socket_t hold = bc_refusing_port(t, &sin);
	struct bc_end *e = bc_socket_end(t, -1, bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "c");
	bc_expect_int(t, "connect_hostname", bufferevent_socket_connect_hostname(e->bev, NULL, AF_INET,
		"127.0.0.1", ntohs(sin.sin_port)), 0);
	bc_await(t, "an eventcb", bc_count(e, 'E') >= 1);
	bc_settle(t);
	bc_expect_shape(t, e, "E(ERROR)");
	bc_expect_errno(t, "errno in the eventcb", bc_nth(e, 'E', 0)->err, ECONNREFUSED);
	bc_expect_int(t, "get_dns_error: the lookup itself succeeded", bufferevent_socket_get_dns_error(e->bev), 0);
	bc_free(e);
	close(hold);
}

/* ---- D16: bad family or port ---- */
void ch_badargs(struct bc_ctx *t)
{
	struct bc_end *e = bc_socket_end(t, -1, bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "c");
	bc_expect_int(t, "family AF_UNIX", bufferevent_socket_connect_hostname(e->bev, NULL, AF_UNIX, "127.0.0.1", 80), -1);
	bc_expect_int(t, "port 0", bufferevent_socket_connect_hostname(e->bev, NULL, AF_INET, "127.0.0.1", 0), -1);
	bc_expect_int(t, "port 65536", bufferevent_socket_connect_hostname(e->bev, NULL, AF_INET, "127.0.0.1", 65536), -1);
	bc_expect_int(t, "port -1", bufferevent_socket_connect_hostname(e->bev, NULL, AF_INET6, "::1", -1), -1);
	bc_settle(t);
	bc_expect_shape(t, e, "");
	bc_expect_int(t, "getfd stays -1", bufferevent_getfd(e->bev), -1);
	bc_free(e);
}

/* ---- D16: the edge ports 1 and 65535 are valid: connect_hostname goes ahead ---- */
void ch_port_edges(struct bc_ctx *t)
{
	static const int ports[] = { 1, 65535 };
	for (unsigned i = 0; i < sizeof ports / sizeof ports[0]; i++) {
		struct bc_end *e = bc_socket_end(t, -1, bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "c");
		char label[64];
		snprintf(label, sizeof label, "connect_hostname to 127.0.0.1 port %d", ports[i]);
		bc_expect_int(t, label, bufferevent_socket_connect_hostname(e->bev, NULL, AF_INET, "127.0.0.1", ports[i]), 0);
		bc_await(t, "an eventcb (CONNECTED or ERROR: the port is valid)", bc_count(e, 'E') >= 1);
		bc_expect_int(t, "get_dns_error: the lookup succeeded", bufferevent_socket_get_dns_error(e->bev), 0);
		bc_free(e);
	}
}

/* ---- D17: a lookup that fails (an IPv4 literal asked for as AF_INET6) ---- */
void ch_lookup_fail(struct bc_ctx *t)
{
	struct bc_end *e = bc_socket_end(t, -1, bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "c");
	bc_expect_int(t, "connect_hostname returns 0 (the failure comes as an event)",
		bufferevent_socket_connect_hostname(e->bev, NULL, AF_INET6, "127.0.0.1", 80), 0);
	bc_await(t, "an eventcb", bc_count(e, 'E') >= 1);
	bc_settle(t);
	bc_expect_shape(t, e, "E(ERROR)");
	int err = bufferevent_socket_get_dns_error(e->bev);
	bc_expect(t, "get_dns_error != 0 after a failed lookup", err != 0);
	bc_expect(t, "evutil_gai_strerror names it", evutil_gai_strerror(err) != NULL && *evutil_gai_strerror(err));
	bc_expect_int(t, "no socket was created", bufferevent_getfd(e->bev), -1);
	bc_free(e);
}

/* ---- D18: refused, with EV_READ enabled after the connect call (readcb sees the error first) ---- */
void ch_refused_read_first(struct bc_ctx *t)
{
	struct sockaddr_in sin;
	evutil_socket_t hold = bc_refusing_port(t, &sin);
	struct bc_end *e = bc_socket_end(t, -1, bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "c");
	bufferevent_disable(e->bev, EV_READ);
	bc_expect_int(t, "connect", bufferevent_socket_connect(e->bev, (struct sockaddr *)&sin, sizeof sin), 0);
	bufferevent_enable(e->bev, EV_READ);
	bc_await(t, "an eventcb", bc_count(e, 'E') >= 1);
	bc_settle(t);
	bc_expect_shape(t, e, "E(ERROR)");
	if (t->param & 1) {
		/* The refusal is over: a new connect of the same bufferevent to a listening port
		 * succeeds. */
		struct sockaddr_in lsin;
		evutil_socket_t lfd = bc_loopback_listener(t, &lsin);
		evutil_socket_t old = bufferevent_getfd(e->bev);
		bufferevent_setfd(e->bev, -1);
		if (old >= 0 && bc_fd_is_open(old))
			close(old);
		bc_expect_int(t, "connect again", bufferevent_socket_connect(e->bev, (struct sockaddr *)&lsin, sizeof lsin), 0);
		evutil_socket_t peer = bc_accept(t, lfd, 1000);
		bc_await(t, "the second connect's eventcb", bc_count(e, 'E') >= 2);
		bc_settle(t);
		bc_expect_shape(t, e, "E(ERROR) E(CONNECTED)");
		close(peer);
		close(lfd);
	}
	bc_free(e);
	close(hold);
}

/* ---- D19: no socket can be created (RLIMIT_NOFILE reached) ---- */
void ch_nosocket(struct bc_ctx *t)
{
	struct sockaddr_in sin;
	evutil_socket_t lfd = bc_loopback_listener(t, &sin);
	struct bc_end *e = bc_socket_end(t, -1, bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "c");
	struct rlimit old, low;
	getrlimit(RLIMIT_NOFILE, &old);
	int next = dup(0);
	close(next);
	low = old;
	low.rlim_cur = (rlim_t)next;
	bc_expect_int(t, "harness: setrlimit", setrlimit(RLIMIT_NOFILE, &low), 0);
	int r = bufferevent_socket_connect(e->bev, (struct sockaddr *)&sin, sizeof sin);
	setrlimit(RLIMIT_NOFILE, &old);
	bc_expect_int(t, "bufferevent_socket_connect without a socket", r, -1);
	bc_settle(t);
	bc_expect_shape(t, e, "");
	bc_expect_int(t, "getfd stays -1", bufferevent_getfd(e->bev), -1);
	bc_expect_int(t, "a later connect works", bufferevent_socket_connect(e->bev, (struct sockaddr *)&sin, sizeof sin), 0);
	bc_await(t, "CONNECTED", bc_count(e, 'E') >= 1);
	bc_expect_shape(t, e, "E(CONNECTED)");
	bc_free(e);
	close(lfd);
}

/* ---- D20: bufferevent_setfd while a hostname lookup is pending cancels it. The lookup goes
 * to an evdns_base whose only nameserver is a local UDP socket that never answers. ---- */
void ch_cancel(struct bc_ctx *t)
{
	evutil_socket_t u = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t sl = sizeof sin;
	bc_expect_int(t, "harness: bind udp", bind(u, (struct sockaddr *)&sin, sizeof sin), 0);
	getsockname(u, (struct sockaddr *)&sin, &sl);
	char ns[64];
	snprintf(ns, sizeof ns, "127.0.0.1:%d", ntohs(sin.sin_port));
	struct evdns_base *dns = evdns_base_new(t->base, 0);
	bc_expect(t, "evdns_base_new", dns != NULL);
	bc_expect_int(t, "evdns_base_nameserver_ip_add", evdns_base_nameserver_ip_add(dns, ns), 0);
	struct bc_end *e = bc_socket_end(t, -1, bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "c");
	bc_expect_int(t, "connect_hostname", bufferevent_socket_connect_hostname(e->bev, dns, AF_INET, "host.invalid", 80), 0);
	bc_passes(t, 3);
	bc_expect_shape(t, e, "");
	bufferevent_setfd(e->bev, -1);
	bc_settle(t);
	bc_expect_shape(t, e, "");
	bc_expect_int(t, "get_dns_error after the cancel", bufferevent_socket_get_dns_error(e->bev), EVUTIL_EAI_CANCEL);
	bc_free(e);
	evdns_base_free(dns, 0);
	close(u);
}

/* ---- D19 variant: connect_hostname when the socket cannot be created ---- */
void ch_nosocket_hostname(struct bc_ctx *t)
{
	struct sockaddr_in sin;
	evutil_socket_t lfd = bc_loopback_listener(t, &sin);
	struct bc_end *e = bc_socket_end(t, -1, bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "c");
	struct rlimit old, low;
	getrlimit(RLIMIT_NOFILE, &old);
	int next = dup(0);
	close(next);
	low = old;
	low.rlim_cur = (rlim_t)next;
	bc_expect_int(t, "harness: setrlimit", setrlimit(RLIMIT_NOFILE, &low), 0);
	int r = bufferevent_socket_connect_hostname(e->bev, NULL, AF_INET, "127.0.0.1", ntohs(sin.sin_port));
	setrlimit(RLIMIT_NOFILE, &old);
	bc_expect_int(t, "connect_hostname returns 0 (the failure comes as an event)", r, 0);
	bc_await(t, "an eventcb", bc_count(e, 'E') >= 1);
	bc_settle(t);
	bc_expect_shape(t, e, "E(ERROR)");
	bc_expect_int(t, "get_dns_error: the lookup succeeded", bufferevent_socket_get_dns_error(e->bev), 0);
	bc_free(e);
	close(lfd);
}
