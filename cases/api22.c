/* Area M: the API libevent 2.2 added, written as a program using it would be. libevent 2.1's
 * headers and library have none of it: there every case here SKIPs by itself (mk/link.sh
 * stubs a missing function, mk/compile_case.py a case whose body does not compile).
 * Each case was seen failing on a copy of libevent master with one line broken (run with
 * LIBEVENT_SRC=<the copy>); the line is named above the case ("Seen failing:", for a QUIRK
 * "Seen differing:"). */
#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bevconf.h"
#include "evbuffer.h"
#include "extra_api.h"

/* ---- M1: set and get. Seen failing: buffer.c evbuffer_set_max_read without
 * `buf->max_read = max;` ---- */
void a22_max_read_set(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t), *other = eb_new(t);
	size_t other_max = evbuffer_get_max_read(other);
	static const size_t ns[] = { 1000, 100000, INT_MAX };
	for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
		bc_expect_int(t, "evbuffer_set_max_read(b, n)", evbuffer_set_max_read(b, ns[i]), 0);
		bc_expect_int(t, "evbuffer_get_max_read(b) after setting n", (long long)evbuffer_get_max_read(b), (long long)ns[i]);
	}
	bc_expect_int(t, "the other buffer's max read is its own", (long long)evbuffer_get_max_read(other), (long long)other_max);
	evbuffer_free(b);
	evbuffer_free(other);
}

/* ---- M2: the documented default and the refusal above INT_MAX. Seen failing:
 * buffer.c `#define EVBUFFER_MAX_READ_DEFAULT 4096` -> 8192 ---- */
void a22_max_read_limits(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	bc_expect_int(t, "evbuffer_get_max_read of a new evbuffer", (long long)evbuffer_get_max_read(b), 4096);
	bc_expect_int(t, "evbuffer_set_max_read(b, INT_MAX + 1)", evbuffer_set_max_read(b, (size_t)INT_MAX + 1), -1);
	bc_expect_int(t, "max read after the refusal", (long long)evbuffer_get_max_read(b), 4096);
	bc_expect_int(t, "evbuffer_set_max_read(b, SIZE_MAX)", evbuffer_set_max_read(b, SIZE_MAX), -1);
	bc_expect_int(t, "max read after the refusal", (long long)evbuffer_get_max_read(b), 4096);
	evbuffer_free(b);
}

/* ---- M3: evbuffer_read honours the max. Seen failing: buffer.c evbuffer_read with
 * `if (howmuch < 0 || howmuch > n)` -> `if (howmuch < 0)` (a howmuch above the max is
 * read whole) ---- */
#define A22_QUEUED 20000
void a22_max_read_read(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	unsigned char *p = eb_pat(0, A22_QUEUED);
	bc_send(t, sv[1], p, A22_QUEUED); /* all of it waits in the kernel */
	free(p);
	struct evbuffer *b = eb_new(t);
	bc_expect_int(t, "evbuffer_set_max_read(b, 1000)", evbuffer_set_max_read(b, 1000), 0);
	bc_expect_int(t, "evbuffer_read(b, fd, -1) with max 1000", evbuffer_read(b, sv[0], -1), 1000);
	bc_expect_int(t, "evbuffer_read(b, fd, 5000) with max 1000", evbuffer_read(b, sv[0], 5000), 1000);
	bc_expect_int(t, "evbuffer_read(b, fd, 300) with max 1000", evbuffer_read(b, sv[0], 300), 300);
	bc_expect_int(t, "evbuffer_set_max_read(b, 8192)", evbuffer_set_max_read(b, 8192), 0);
	bc_expect_int(t, "evbuffer_read(b, fd, -1) with max 8192", evbuffer_read(b, sv[0], -1), 8192);
	bc_expect_int(t, "evbuffer_set_max_read(b, 16384)", evbuffer_set_max_read(b, 16384), 0);
	bc_expect_int(t, "evbuffer_read(b, fd, -1) with max 16384 and 9508 bytes left", evbuffer_read(b, sv[0], -1),
		      A22_QUEUED - 10492);
	eb_expect_pattern(t, "the bytes read, in order", b, 0, A22_QUEUED);
	evbuffer_free(b);
	close(sv[0]);
	close(sv[1]);
}

/* ---- M4 (QUIRK): a max of 0 is taken, and evbuffer_read then says "end of stream".
 * Seen differing: buffer.c evbuffer_set_max_read refusing 0 (`if (max > INT_MAX)` ->
 * `if (max == 0 || max > INT_MAX)`) ---- */
void a22_max_read_zero(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	bc_send(t, sv[1], "abc", 3);
	struct evbuffer *b = eb_new(t);
	bc_expect_int(t, "evbuffer_set_max_read(b, 0)", evbuffer_set_max_read(b, 0), 0);
	bc_expect_int(t, "evbuffer_get_max_read(b) after setting 0", (long long)evbuffer_get_max_read(b), 0);
	bc_expect_int(t, "evbuffer_read(b, fd, -1) with 3 bytes waiting", evbuffer_read(b, sv[0], -1), 0);
	bc_expect_int(t, "length after that read", (long long)evbuffer_get_length(b), 0);
	bc_expect_int(t, "evbuffer_set_max_read(b, 100)", evbuffer_set_max_read(b, 100), 0);
	bc_expect_int(t, "the 3 bytes are still there to read", evbuffer_read(b, sv[0], -1), 3);
	eb_expect_bytes(t, "the bytes", b, "abc", 3);
	evbuffer_free(b);
	close(sv[0]);
	close(sv[1]);
}

/* n pattern bytes queued before the peer closes, on a bufferevent whose reads come in
 * chunks of `chunk`: readcbs at in = chunk, 2 chunk, ..., n (the readcb not draining), then
 * READING|EOF, and the input is the pattern. */
static void expect_read_chunks(struct bc_ctx *t, struct bc_end *a, evutil_socket_t peer, size_t n, size_t chunk)
{
	unsigned char *p = eb_pat(0, n);
	bc_send(t, peer, p, n);
	free(p);
	close(peer);
	bufferevent_enable(a->bev, EV_READ);
	bc_await(t, "an EOF after the data", bc_count(a, 'E') >= 1);
	bc_settle(t);
	unsigned nr = (unsigned)((n + chunk - 1) / chunk);
	bc_expect_int(t, "readcbs (one per chunk)", bc_count(a, 'R'), nr);
	for (unsigned i = 0; i < nr; i++)
		bc_expect_int(t, "in at this readcb (cumulative chunks)", (long long)bc_nth(a, 'R', i)->in,
			      (long long)((i + 1) * chunk < n ? (i + 1) * chunk : n));
	bc_expect_what(t, "then the EOF", bc_nth(a, 'E', 0)->what, BEV_EVENT_READING | BEV_EVENT_EOF);
	eb_expect_pattern(t, "the input", bufferevent_get_input(a->bev), 0, n);
}

/* ---- M5 (QUIRK): a socket bufferevent reads 16384 bytes at a time. Seen differing:
 * bufferevent_ratelim.c MAX_SINGLE_READ_DEFAULT 16384 -> 4096 ---- */
void a22_bev_max_read_default(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *a = bc_socket_end(t, sv[0], BEV_OPT_CLOSE_ON_FREE, "bev");
	bc_expect_int(t, "evbuffer_get_max_read(input)", (long long)evbuffer_get_max_read(bufferevent_get_input(a->bev)), 16384);
	expect_read_chunks(t, a, sv[1], 40000, 16384);
	bc_free(a);
}

/* ---- M6: the max single read and the input's max read are one limit. Seen failing:
 * bufferevent_ratelim.c bufferevent_set_max_single_read without its evbuffer_set_max_read
 * (`ret = 0;`) ---- */
void a22_bev_max_read_follows(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *a = bc_socket_end(t, sv[0], BEV_OPT_CLOSE_ON_FREE, "bev");
	struct evbuffer *in = bufferevent_get_input(a->bev);
	bc_expect_int(t, "bufferevent_set_max_single_read(bev, 1000)", bufferevent_set_max_single_read(a->bev, 1000), 0);
	bc_expect_int(t, "the input's max read after set_max_single_read(1000)", (long long)evbuffer_get_max_read(in), 1000);
	bc_expect_int(t, "bufferevent_set_max_single_read(bev, 0)", bufferevent_set_max_single_read(a->bev, 0), 0);
	ev_ssize_t dflt = bufferevent_get_max_single_read(a->bev);
	bc_expect_int(t, "the input's max read after set_max_single_read(0): the default max single read",
		      (long long)evbuffer_get_max_read(in), (long long)dflt);
	bc_expect_int(t, "evbuffer_set_max_read(input, 1000)", evbuffer_set_max_read(in, 1000), 0);
	bc_expect_int(t, "the max single read is left alone", (long long)bufferevent_get_max_single_read(a->bev), (long long)dflt);
	expect_read_chunks(t, a, sv[1], 2500, 1000);
	bc_free(a);
}

/* ---- M7: add_reference_with_offset. param 1 drain, 2 free, 3 frozen. Seen failing:
 * buffer.c evbuffer_add_reference_with_offset `chain->misalign = offset;` -> `= 0;` (drain,
 * free) and `if (outbuf->freeze_end) {` -> `if (0) {` (frozen) ---- */
struct a22_ref {
	unsigned calls;
	const void *data;
	size_t len;
	void *arg;
};

static void a22_ref_cleanup(const void *data, size_t len, void *arg)
{
	struct a22_ref *r = arg;
	*r = (struct a22_ref){ r->calls + 1, data, len, arg };
}

#define a22_expect_cleanups(t, label, r, n, mem, total) do { \
	bc_expect_int((t), (label), (r)->calls, (n)); \
	if (n) { \
		bc_expect((t), "cleanup gets the pointer given, not pointer + offset", (r)->data == (mem)); \
		bc_expect_int((t), "cleanup gets offset + length", (long long)(r)->len, (long long)(total)); \
		bc_expect((t), "cleanup gets its argument", (r)->arg == (r)); \
	} } while (0)

void a22_add_reference_with_offset(struct bc_ctx *t)
{
	enum { OFF = 30, LEN = 50 };
	struct evbuffer *b = eb_new(t);
	struct a22_ref r = { 0 };
	unsigned char *mem = eb_pat(0, OFF + LEN + 20), *orig = eb_pat(0, OFF + LEN + 20);
	if (bc_param(t) == 3) {
		evbuffer_freeze(b, 0);
		bc_expect_int(t, "add_reference_with_offset on a frozen end",
			      evbuffer_add_reference_with_offset(b, mem, OFF, LEN, a22_ref_cleanup, &r), -1);
		evbuffer_unfreeze(b, 0);
		bc_expect_int(t, "length after the refusal", (long long)evbuffer_get_length(b), 0);
		evbuffer_free(b);
		a22_expect_cleanups(t, "cleanup calls after the refusal and the free", &r, 0, mem, 0);
		free(mem);
		free(orig);
		return;
	}
	bc_expect_int(t, "evbuffer_add_reference_with_offset(b, mem, 30, 50, cb, arg)",
		      evbuffer_add_reference_with_offset(b, mem, OFF, LEN, a22_ref_cleanup, &r), 0);
	eb_expect_pattern(t, "the buffer holds mem[30..80)", b, OFF, LEN);
	bc_expect_int(t, "evbuffer_prepend of 2 bytes", evbuffer_prepend(b, "<>", 2), 0);
	bc_expect_int(t, "evbuffer_add of 1 byte", evbuffer_add(b, "!", 1), 0);
	a22_expect_cleanups(t, "no cleanup while referenced", &r, 0, mem, 0);
	eb_expect_mem(t, "the referenced memory, all of it, is unchanged (the prepend went elsewhere)",
		      mem, OFF + LEN + 20, orig, OFF + LEN + 20);
	unsigned char got[2 + LEN + 1];
	bc_expect_int(t, "evbuffer_copyout of everything", evbuffer_copyout(b, got, sizeof got), (long long)sizeof got);
	eb_expect_mem(t, "the prepended bytes first", got, 2, "<>", 2);
	eb_expect_mem(t, "the referenced part", got + 2, LEN, orig + OFF, LEN);
	eb_expect_mem(t, "the byte added after", got + 2 + LEN, 1, "!", 1);
	if (bc_param(t) == 1) {
		bc_expect_int(t, "drain the prepended bytes and 49 referenced", evbuffer_drain(b, 2 + LEN - 1), 0);
		a22_expect_cleanups(t, "no cleanup with one referenced byte left", &r, 0, mem, 0);
		bc_expect_int(t, "drain the last referenced byte", evbuffer_drain(b, 1), 0);
		a22_expect_cleanups(t, "cleanup once the region is drained", &r, 1, mem, OFF + LEN);
		eb_expect_bytes(t, "what is left", b, "!", 1);
		evbuffer_free(b);
		a22_expect_cleanups(t, "still one cleanup after the free", &r, 1, mem, OFF + LEN);
	} else {
		evbuffer_free(b);
		a22_expect_cleanups(t, "cleanup on evbuffer_free", &r, 1, mem, OFF + LEN);
	}
	free(mem);
	free(orig);
}

/* ---- M8: replacefd closes the old fd and carries on on the new one. param 1: with
 * BEV_OPT_CLOSE_ON_FREE, 0: without. Seen failing: bufferevent.c bufferevent_replacefd without
 * `err = evutil_closesocket(old_fd);` ---- */
void a22_replacefd(struct bc_ctx *t)
{
	evutil_socket_t sv[2], sw[2];
	bc_socketpair(t, sv);
	bc_socketpair(t, sw);
	struct bc_end *a = bc_socket_end(t, sv[0], bc_param(t) ? BEV_OPT_CLOSE_ON_FREE : 0, "bev");
	bufferevent_enable(a->bev, EV_READ | EV_WRITE);
	struct bc_bytes old = { 0 }, got = { 0 };
	bc_expect_int(t, "bufferevent_write on the old fd", bufferevent_write(a->bev, "old", 3), 0);
	bc_await(t, "the bytes at the old fd's peer", (bc_recv_avail(sv[1], &old), old.len >= 3));
	bc_await(t, "a writecb", bc_count(a, 'W') >= 1);
	struct bc_fd_id old_id = bc_fd_identity(t, sv[0]);
	short en = bufferevent_get_enabled(a->bev);
	/* Queued without a loop pass in between: these bytes go out after the replacement. */
	bc_expect_int(t, "bufferevent_write before the replacement", bufferevent_write(a->bev, "new", 3), 0);
	unsigned writecbs = bc_count(a, 'W');
	bc_expect_int(t, "bufferevent_replacefd(bev, fd)", bufferevent_replacefd(a->bev, sw[0]), 0);
	bc_expect_int(t, "bufferevent_getfd after the replacement", bufferevent_getfd(a->bev), sw[0]);
	bc_expect_enabled(t, "en after the replacement", bufferevent_get_enabled(a->bev), en);
	bc_await(t, "the old fd's peer reads EOF (the old fd is closed)", (bc_recv_avail(sv[1], &old), old.eof));
	bc_expect(t, "the old fd is closed", !bc_fd_same(old_id));
	bc_expect_bytes(t, "all the old fd's peer got", &old, "old");
	bc_await(t, "the queued bytes at the new fd's peer and a writecb",
		 (bc_recv_avail(sw[1], &got), got.len >= 3) && bc_count(a, 'W') > writecbs);
	bc_expect_bytes(t, "the new fd's peer got the bytes queued before the replacement", &got, "new");
	bc_send(t, sw[1], "ping", 4);
	bc_await(t, "a readcb for the new fd's data", bc_count(a, 'R') >= 1);
	struct bc_bytes in = { 0 };
	bc_read_input(t, a->bev, &in, SIZE_MAX);
	bc_expect_bytes(t, "the input", &in, "ping");
	struct bc_fd_id new_id = bc_fd_identity(t, sw[0]);
	bc_free(a);
	bc_settle(t);
	bc_expect(t, "on free the new fd is closed with BEV_OPT_CLOSE_ON_FREE and left open without",
		  bc_fd_same(new_id) == !bc_param(t));
	if (bc_fd_same(new_id))
		close(sw[0]);
	close(sv[1]);
	close(sw[1]);
	bc_bytes_free(&old);
	bc_bytes_free(&got);
	bc_bytes_free(&in);
}

/* ---- M9: a pair has no fd to replace. Seen failing: bufferevent.c
 * bufferevent_replacefd `int err = -1;` -> `int err = 0;` (a bufferevent without ctrl
 * "succeeds") ---- */
void a22_replacefd_pair(struct bc_ctx *t)
{
	struct bufferevent *pair[2];
	bc_expect_int(t, "bufferevent_pair_new", bufferevent_pair_new(t->base, 0, pair), 0);
	struct bc_end *a = bc_watch(t, pair[0], "pair0");
	bufferevent_enable(pair[1], EV_READ);
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_fd_id id = bc_fd_identity(t, sv[0]);
	bc_expect_int(t, "bufferevent_replacefd on a pair side", bufferevent_replacefd(pair[0], sv[0]), -1);
	bc_expect(t, "the fd given is left open", bc_fd_same(id));
	bc_expect_int(t, "bufferevent_getfd of the pair side", bufferevent_getfd(pair[0]), -1);
	bc_expect_int(t, "bufferevent_write on the pair side", bufferevent_write(pair[0], "abc", 3), 0);
	bc_await(t, "the bytes at the partner", evbuffer_get_length(bufferevent_get_input(pair[1])) >= 3);
	eb_expect_bytes(t, "the partner's input", bufferevent_get_input(pair[1]), "abc", 3);
	bc_free(a);
	bufferevent_free(pair[1]);
	close(sv[0]);
	close(sv[1]);
}

/* ---- M10: one listener for both families. Seen failing: listener.c
 * evconnlistener_new_bind with `evutil_make_listen_socket_not_ipv6only(fd)` ->
 * `evutil_make_listen_socket_ipv6only(fd)`. (Merely ignoring the flag passes on a host whose
 * net.ipv6.bindv6only is 0, Linux's default, and fails where it is 1.) ---- */
struct a22_accepted {
	int n;
	evutil_socket_t fd[2];
	struct sockaddr_in6 peer[2];
	int socklen[2];
};

static void a22_on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int socklen, void *arg)
{
	struct a22_accepted *s = arg;
	(void)l;
	if (s->n == 2) {
		close(fd);
		return;
	}
	s->fd[s->n] = fd;
	s->socklen[s->n] = socklen;
	memcpy(&s->peer[s->n], sa, (size_t)socklen < sizeof s->peer[0] ? (size_t)socklen : sizeof s->peer[0]);
	s->n++;
}

void a22_bind_ipv4_and_ipv6(struct bc_ctx *t)
{
	struct a22_accepted s = { 0 };
	struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	struct evconnlistener *l = evconnlistener_new_bind(t->base, a22_on_accept, &s,
		LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_BIND_IPV4_AND_IPV6, 16,
		(struct sockaddr *)&any, sizeof any);
	bc_expect(t, "evconnlistener_new_bind on [::]:0 with LEV_OPT_BIND_IPV4_AND_IPV6", l != NULL);
	evutil_socket_t lfd = evconnlistener_get_fd(l);
	int v6only = -1;
	socklen_t len = sizeof v6only;
	bc_expect_int(t, "getsockopt(IPV6_V6ONLY) on the listener", getsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &len), 0);
	bc_expect_int(t, "IPV6_V6ONLY on the listening socket", v6only, 0);
	struct sockaddr_in6 bound;
	len = sizeof bound;
	bc_expect_int(t, "harness: getsockname", getsockname(lfd, (struct sockaddr *)&bound, &len), 0);
	/* Blocking connects: when one returns, the connection waits in the accept queue. */
	struct sockaddr_in v4 = { .sin_family = AF_INET, .sin_port = bound.sin6_port };
	v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct sockaddr_in6 v6 = { .sin6_family = AF_INET6, .sin6_port = bound.sin6_port, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	evutil_socket_t c4 = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), c6 = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bc_expect_int(t, "an IPv4 client connects to 127.0.0.1 at the listener's port", connect(c4, (struct sockaddr *)&v4, sizeof v4), 0);
	bc_expect_int(t, "an IPv6 client connects to ::1 at the listener's port", connect(c6, (struct sockaddr *)&v6, sizeof v6), 0);
	bc_await(t, "both connections accepted", s.n == 2);
	bc_settle(t);
	int seen4 = 0, seen6 = 0;
	for (int i = 0; i < s.n; i++) {
		bc_expect_int(t, "the client's address family", s.peer[i].sin6_family, AF_INET6);
		bc_expect_int(t, "socklen of the client's address", s.socklen[i], (int)sizeof(struct sockaddr_in6));
		const struct in6_addr *a = &s.peer[i].sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a) && memcmp(&a->s6_addr[12], &v4.sin_addr, 4) == 0)
			seen4++;
		else if (IN6_IS_ADDR_LOOPBACK(a))
			seen6++;
		close(s.fd[i]);
	}
	bc_expect_int(t, "connections from ::ffff:127.0.0.1", seen4, 1);
	bc_expect_int(t, "connections from ::1", seen6, 1);
	evconnlistener_free(l);
	close(c4);
	close(c6);
}

/* ---- M11: connect_hostname_hints, resolved without evdns (numerically). Seen failing,
 * in bufferevent_sock.c bufferevent_socket_connect_hostname_hints: numeric with
 * `"%d", port` -> `"%d", port + 1` (portbuf); numerichost with `hints_in` -> `NULL` passed
 * to evutil_getaddrinfo_async_; badargs with `port > 65535` -> `port > 65536` ---- */
static struct evutil_addrinfo a22_hints(int family, int flags)
{
	struct evutil_addrinfo h;
	memset(&h, 0, sizeof h);
	h.ai_family = family;
	h.ai_socktype = SOCK_STREAM;
	h.ai_protocol = IPPROTO_TCP;
	h.ai_flags = flags;
	return h;
}

void a22_hints_connect(struct bc_ctx *t)
{
	struct sockaddr_in sin;
	evutil_socket_t lfd = bc_loopback_listener(t, &sin);
	struct bc_end *e = bc_socket_end(t, -1, BEV_OPT_CLOSE_ON_FREE, "c");
	bufferevent_enable(e->bev, EV_READ | EV_WRITE);
	struct evutil_addrinfo h = a22_hints(AF_UNSPEC, EVUTIL_AI_NUMERICHOST);
	bc_expect_int(t, "bufferevent_socket_connect_hostname_hints",
		      bufferevent_socket_connect_hostname_hints(e->bev, NULL, &h, "127.0.0.1", ntohs(sin.sin_port)), 0);
	bc_await(t, "an eventcb", bc_count(e, 'E') >= 1);
	bc_expect_shape(t, e, "E(CONNECTED)");
	bc_expect_int(t, "get_dns_error after a successful lookup", bufferevent_socket_get_dns_error(e->bev), 0);
	/* The connection is the listener's (the accept would time out otherwise) and carries
	 * bytes both ways. */
	evutil_socket_t s = bc_accept(t, lfd, BC_DEADLINE_MS);
	struct bc_bytes sent = { 0 }, received = { 0 };
	bufferevent_write(e->bev, "ping", 4);
	bc_send(t, s, "pong", 4);
	bc_await(t, "ping at the server and pong in the input",
		 (bc_recv_avail(s, &sent), sent.len >= 4) && evbuffer_get_length(bufferevent_get_input(e->bev)) >= 4);
	bc_expect_bytes(t, "what the server received", &sent, "ping");
	bc_read_input(t, e->bev, &received, SIZE_MAX);
	bc_expect_bytes(t, "what the client's input holds", &received, "pong");
	bc_bytes_free(&sent);
	bc_bytes_free(&received);
	bc_free(e);
	close(s);
	close(lfd);
}

void a22_hints_numerichost(struct bc_ctx *t)
{
	struct bc_end *e = bc_socket_end(t, -1, BEV_OPT_CLOSE_ON_FREE, "c");
	struct evutil_addrinfo h = a22_hints(AF_UNSPEC, EVUTIL_AI_NUMERICHOST);
	bc_expect_int(t, "connect_hostname_hints returns 0 (the failure comes as an event)",
		      bufferevent_socket_connect_hostname_hints(e->bev, NULL, &h, "localhost", 80), 0);
	bc_await(t, "an eventcb", bc_count(e, 'E') >= 1);
	bc_settle(t);
	bc_expect_shape(t, e, "E(ERROR)");
	bc_expect(t, "get_dns_error != 0: a name is no number", bufferevent_socket_get_dns_error(e->bev) != 0);
	bc_expect_int(t, "no socket was created", bufferevent_getfd(e->bev), -1);
	bc_free(e);
}

void a22_hints_badargs(struct bc_ctx *t)
{
	struct bc_end *e = bc_socket_end(t, -1, BEV_OPT_CLOSE_ON_FREE, "c");
	struct evutil_addrinfo unix_h = a22_hints(AF_UNIX, 0), v4 = a22_hints(AF_INET, 0);
	bc_expect_int(t, "hints family AF_UNIX", bufferevent_socket_connect_hostname_hints(e->bev, NULL, &unix_h, "127.0.0.1", 80), -1);
	bc_expect_int(t, "port 0", bufferevent_socket_connect_hostname_hints(e->bev, NULL, &v4, "127.0.0.1", 0), -1);
	bc_expect_int(t, "port 65536", bufferevent_socket_connect_hostname_hints(e->bev, NULL, &v4, "127.0.0.1", 65536), -1);
	bc_settle(t);
	bc_expect_shape(t, e, "");
	bc_expect_int(t, "getfd stays -1", bufferevent_getfd(e->bev), -1);
	bc_free(e);
}
