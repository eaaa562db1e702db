/* Area G: lifecycle (bufferevent_free from callbacks, fd ownership, unsent output) and
 * the hello-world flow of libevent's sample/hello-world.c. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "bevconf.h"

static const char MESSAGE[] = "Hello, World!\n";

/* ---- G1: the hello-world flow ---- */
struct hello {
	struct bc_ctx *t;
	struct bc_end *server;
	evutil_socket_t server_fd;
	struct bc_fd_id server_id;
	short en_at_accept;
	int accepted;
	int write_ret;
};

static void hello_server_write(struct bc_end *e)
{
	/* sample/hello-world.c: conn_writecb frees once everything is flushed. */
	if (evbuffer_get_length(bufferevent_get_output(e->bev)) == 0)
		bc_free(e);
}

static bool saw_eof(const struct bc_end *e)
{
	for (unsigned i = 0; i < bc_count(e, 'E'); i++)
		if (bc_nth(e, 'E', i)->what & BEV_EVENT_EOF)
			return true;
	return false;
}

static void hello_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
			 int socklen, void *arg)
{
	struct hello *h = arg;
	(void)l, (void)sa, (void)socklen;
	h->accepted++;
	h->server_fd = fd;
	h->server_id = bc_fd_identity(h->t, fd);
	h->server = bc_socket_end(h->t, fd, bc_opts(h->t, BEV_OPT_CLOSE_ON_FREE), "server");
	h->server->user = h;
	h->server->on_write = hello_server_write;
	h->en_at_accept = bufferevent_get_enabled(h->server->bev);
	bufferevent_enable(h->server->bev, EV_WRITE);
	bufferevent_disable(h->server->bev, EV_READ);
	h->write_ret = bufferevent_write(h->server->bev, MESSAGE, strlen(MESSAGE));
}

void hello_flow(struct bc_ctx *t)
{
	struct hello h = { .t = t, .server_fd = -1, .write_ret = -99 };
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = 0;
	struct evconnlistener *l = evconnlistener_new_bind(t->base, hello_accept, &h,
		LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE, -1, (struct sockaddr *)&sin, sizeof sin);
	bc_expect(t, "evconnlistener_new_bind on 127.0.0.1:0", l != NULL);
	socklen_t len = sizeof sin;
	bc_expect_int(t, "getsockname on the listener fd",
		      getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&sin, &len), 0);
	bc_expect(t, "a port chosen by the kernel", ntohs(sin.sin_port) != 0);

	struct bc_end *c = bc_watch(t, bufferevent_socket_new(t->base, -1,
		bc_opts(t, BEV_OPT_CLOSE_ON_FREE)), "client");
	struct bc_bytes got = { 0 };
	c->drain_on_read = true;
	c->received = &got;
	bufferevent_enable(c->bev, EV_READ);
	bc_expect_int(t, "bufferevent_socket_connect",
		      bufferevent_socket_connect(c->bev, (struct sockaddr *)&sin, sizeof sin), 0);

	bc_expect(t, "the client's EOF",
		  bc_wait_until(t, 2000, saw_eof(c)));
	bc_passes(t, 3);

	bc_expect_int(t, "connections accepted", h.accepted, 1);
	bc_expect_enabled(t, "server en at accept (a new socket bufferevent)", h.en_at_accept, EV_WRITE);
	bc_expect_int(t, "server bufferevent_write", h.write_ret, 0);
	bc_expect_shape(t, h.server, "W");
	bc_expect_int(t, "server out at writecb", bc_nth(h.server, 'W', 0)->out, 0);
	bc_expect_enabled(t, "server en at writecb", bc_nth(h.server, 'W', 0)->enabled, EV_WRITE);
	bc_expect(t, "server freed in its writecb", h.server->freed);
	bc_expect(t, "server fd closed (CLOSE_ON_FREE) once the loop has run", !bc_fd_same(h.server_id));

	bc_expect_int(t, "bytes at the client", got.len, strlen(MESSAGE));
	bc_expect(t, "the client got the message", memcmp(got.data, MESSAGE, strlen(MESSAGE)) == 0);
	bc_expect_shape(t, c, "E(CONNECTED) R E(READING|EOF)");
	const struct bc_event *eof = bc_nth(c, 'E', 1);
	bc_expect_what(t, "client eventcb at the end", eof->what, BEV_EVENT_READING | BEV_EVENT_EOF);
	bc_expect_enabled(t, "client en at EOF", eof->enabled, EV_WRITE);

	bc_free(c);
	evconnlistener_free(l);
	bc_bytes_free(&got);
}

/* ---- G2, G3, G4: free inside readcb and inside eventcb ---- */
/* Queue every callback kind as deferred, then free: none of them may run. */
static void queue_then_free(struct bc_end *e)
{
	bufferevent_trigger(e->bev, EV_READ | EV_WRITE, BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
	bufferevent_trigger_event(e->bev, BEV_EVENT_ERROR, BEV_TRIG_DEFER_CALLBACKS);
	bc_free(e);
}

static void free_on_read(struct bc_end *e) { queue_then_free(e); }
static void free_on_event(struct bc_end *e, short what) { (void)what; queue_then_free(e); }

void free_in_readcb(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_fd_id fd_id = bc_fd_identity(t, sv[0]);
	struct bc_end *e = bc_socket_end(t, sv[0], bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	e->on_read = free_on_read;
	bufferevent_enable(e->bev, EV_READ);
	bc_send(t, sv[1], "abc", 3);
	shutdown(sv[1], SHUT_WR); /* an EOF waiting right behind the data */

	bc_await(t, "a readcb that frees", e->freed);
	bc_pass(t);
	bc_expect(t, "fd closed (CLOSE_ON_FREE) by the end of the next loop pass", !bc_fd_same(fd_id));
	bc_passes(t, 2);
	bc_expect_shape(t, e, "R");
	bc_expect_int(t, "in at readcb", bc_nth(e, 'R', 0)->in, 3);
	struct bc_bytes got = { 0 };
	bc_await(t, "EOF at the peer", (bc_recv_avail(sv[1], &got), got.eof));
	bc_expect_int(t, "bytes at the peer", got.len, 0);
	close(sv[1]);
	bc_bytes_free(&got);
}

void free_in_eventcb(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_fd_id fd_id = bc_fd_identity(t, sv[0]);
	struct bc_end *e = bc_socket_end(t, sv[0], bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	e->on_event = free_on_event;
	bufferevent_enable(e->bev, EV_READ);
	close(sv[1]);

	bc_await(t, "an eventcb that frees", e->freed);
	bc_pass(t);
	bc_expect(t, "fd closed (CLOSE_ON_FREE) by the end of the next loop pass", !bc_fd_same(fd_id));
	bc_passes(t, 2);
	bc_expect_shape(t, e, "E(READING|EOF)");
}

/* ---- G5, G6: free discards unsent output; the fd stays open without CLOSE_ON_FREE ---- */
void free_discards_output(struct bc_ctx *t)
{
	bool close_on_free = bc_param(t) == 1;
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_fd_id fd_id = bc_fd_identity(t, sv[0]);
	struct bc_end *e = bc_socket_end(t, sv[0], bc_opts(t, close_on_free ? BEV_OPT_CLOSE_ON_FREE : 0), "bev");
	unsigned char buf[100];
	bc_pattern(buf, sizeof buf, 0);
	bc_expect_int(t, "bufferevent_write", bufferevent_write(e->bev, buf, sizeof buf), 0);
	bc_free(e); /* before any loop pass: nothing has been written yet */
	if (close_on_free) {
		bc_pass(t);
		bc_expect(t, "fd closed (CLOSE_ON_FREE) by the end of the next loop pass", !bc_fd_same(fd_id));
	}

	struct bc_bytes got = { 0 };
	if (close_on_free) {
		bc_await(t, "EOF at the peer", (bc_recv_avail(sv[1], &got), got.eof));
		bc_expect_int(t, "bytes at the peer (unsent output is discarded)", got.len, 0);
	} else {
		bc_passes(t, 3);
		bc_recv_avail(sv[1], &got);
		bc_expect_int(t, "bytes at the peer (unsent output is discarded)", got.len, 0);
		bc_expect(t, "no EOF at the peer: the fd is still open", !got.eof);
		bc_expect(t, "fd open after free without CLOSE_ON_FREE", bc_fd_same(fd_id));
		/* Still the same, usable socket. */
		bc_send(t, sv[0], "xyz", 3);
		bc_await(t, "bytes through the fd", (bc_recv_avail(sv[1], &got), got.len >= 3));
		bc_expect_bytes(t, "the peer reads what was sent on the fd", &got, "xyz");
		close(sv[0]);
	}
	bc_expect_shape(t, e, "");
	close(sv[1]);
	bc_bytes_free(&got);
}

/* ---- G4 judged by identity: the closed fd's number is taken again at once ----
 * After the close, the kernel hands the number to the next descriptor opened (an event
 * library's own eventfd did so in a real report), so "closed" is judged by the file the
 * fd referred to (bc_fd_same), never by whether its number is in use. */
void free_close_reused(struct bc_ctx *t)
{
	evutil_socket_t sv[2], nv[2];
	bc_socketpair(t, sv);
	struct bc_fd_id fd_id = bc_fd_identity(t, sv[0]);
	struct bc_end *e = bc_socket_end(t, sv[0], bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	bufferevent_enable(e->bev, EV_READ);
	bc_pass(t);
	bc_free(e);
	bc_pass(t);
	/* A new socket, duplicated onto the lowest free number >= the freed fd's. */
	bc_socketpair(t, nv);
	evutil_socket_t again = fcntl(nv[0], F_DUPFD_CLOEXEC, sv[0]);
	bc_expect(t, "harness: fcntl(F_DUPFD)", again >= 0);
	if (again == sv[0])
		bc_expect(t, "harness: the freed fd's number is in use again, by the case's new socket",
			  bc_fd_is_open(sv[0]));
	bc_expect(t, "fd closed (CLOSE_ON_FREE), its number in use again or not", !bc_fd_same(fd_id));
	bc_expect(t, "harness: the new descriptor is judged open", bc_fd_same(bc_fd_identity(t, again)));
	struct bc_bytes got = { 0 };
	bc_await(t, "EOF at the peer", (bc_recv_avail(sv[1], &got), got.eof));
	bc_expect_int(t, "bytes at the peer", got.len, 0);
	bc_expect_shape(t, e, "");
	close(again);
	close(nv[0]);
	close(nv[1]);
	close(sv[1]);
	bc_bytes_free(&got);
}

/* ---- G2, G3, G4 with the core API only (socket_new, enable, write, read, free) ----
 * param 1: readcb reads 2 of the 100 bytes waiting and frees, with an EOF behind the data
 * and 200 bytes being written; param 3: writecb frees once the 200 bytes are out. Another
 * bufferevent on the same base must keep working afterwards: the loop goes on. */
enum { CORE_IN_READCB = 1, CORE_IN_WRITECB = 3 };

static void core_free_on_read(struct bc_end *e)
{
	bc_read_input(e->t, e->bev, (struct bc_bytes *)e->user, 2);
	bc_free(e);
}

static void core_free_on_write(struct bc_end *e)
{
	bc_free(e);
}

void free_in_cb_core(struct bc_ctx *t)
{
	bool in_read = bc_param(t) == CORE_IN_READCB;
	unsigned char p[1000];
	bc_pattern(p, sizeof p, 0);
	evutil_socket_t sv[2], ov[2];
	bc_socketpair(t, sv);
	struct bc_fd_id fd_id = bc_fd_identity(t, sv[0]);
	struct bc_end *e = bc_socket_end(t, sv[0], bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	bc_socketpair(t, ov);
	struct bc_end *o = bc_socket_end(t, ov[0], bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "other");
	struct bc_bytes got = { 0 }, at_peer = { 0 }, o_got = { 0 }, o_peer = { 0 };
	o->drain_on_read = true;
	o->received = &o_got;
	bufferevent_enable(o->bev, EV_READ);
	e->user = &got;
	bufferevent_enable(e->bev, EV_READ);
	if (in_read) {
		e->on_read = core_free_on_read;
		bc_send(t, sv[1], p, 100);
		shutdown(sv[1], SHUT_WR); /* an EOF right behind the data */
	} else
		e->on_write = core_free_on_write;
	/* Reading and writing both pending for the first pass (deferred: one run, R then W). */
	bc_expect_int(t, "bufferevent_write", bufferevent_write(e->bev, p, 200), 0);
	char kind = in_read ? 'R' : 'W';

	bc_await(t, "a callback that frees", e->freed);
	bc_pass(t);
	bc_expect(t, "fd closed (CLOSE_ON_FREE) by the end of the next loop pass", !bc_fd_same(fd_id));
	bc_await(t, "EOF at the peer", (bc_recv_avail(sv[1], &at_peer), at_peer.eof));
	if (in_read) {
		bc_expect_pattern(t, "the 2 bytes readcb read before freeing", &got, 2);
		/* Whether the write went out before the readcb depends on the order of the pass. */
		bc_expect(t, "bytes at the peer: none or the 200 written", at_peer.len == 0 || at_peer.len == 200);
		if (at_peer.len)
			bc_expect_pattern(t, "bytes at the peer", &at_peer, 200);
	} else
		bc_expect_pattern(t, "bytes at the peer (all out before writecb)", &at_peer, 200);

	/* The loop goes on: the other bufferevent reads and writes as before. */
	bc_send(t, ov[1], p, sizeof p);
	bc_expect_int(t, "bufferevent_write on the other bufferevent", bufferevent_write(o->bev, p, 300), 0);
	bc_await(t, "the other bufferevent reads 1000 bytes and writes 300",
		 o_got.len >= sizeof p && (bc_recv_avail(ov[1], &o_peer), o_peer.len >= 300));
	bc_settle(t);
	bc_expect_pattern(t, "bytes the other bufferevent read", &o_got, sizeof p);
	bc_recv_avail(ov[1], &o_peer);
	bc_expect_pattern(t, "bytes the other bufferevent wrote", &o_peer, 300);
	/* No callback after the free (the recorder fails the case at once on one); the
	 * freeing callback is the last one on bev. */
	bc_expect_int(t, "callbacks of the freeing kind", bc_count(e, kind), 1);
	bc_expect(t, "the freeing callback is the last one", bc_nth(e, 0, bc_count(e, 0) - 1)->kind == kind);
	bc_free(o);
	close(sv[1]);
	close(ov[1]);
	bc_bytes_free(&got);
	bc_bytes_free(&at_peer);
	bc_bytes_free(&o_got);
	bc_bytes_free(&o_peer);
}
