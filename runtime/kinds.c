/* kinds.c: one case, several bufferevent kinds (see struct bc_link in bevconf.h). */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bevconf.h"

const char *bc_kind_name(const struct bc_ctx *t)
{
	return (t->param & BC_PAIR) ? "pair" : (t->param & BC_FILTER) ? "filter" : "socket";
}

void bc_link_open(struct bc_ctx *t, struct bc_link *l, int opts, const char *name)
{
	memset(l, 0, sizeof *l);
	l->fd = l->peer = -1;
	opts = bc_opts(t, opts);
	if (t->param & BC_PAIR) {
		struct bufferevent *p[2];
		if (bc_api_pair_new_(t->base, opts, p) != 0)
			bc_fail(t, "bufferevent_pair_new", "-1", "0");
		l->e = bc_watch(t, p[0], name);
		l->partner = p[1];
		bufferevent_enable(l->partner, EV_READ);
		return;
	}
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	l->fd = sv[0];
	l->peer = sv[1];
	if (t->param & BC_FILTER) {
		/* The underlying socket bufferevent is owned by the filter (CLOSE_ON_FREE on both). */
		l->under = bufferevent_socket_new(t->base, sv[0], BEV_OPT_CLOSE_ON_FREE);
		if (!l->under)
			bc_fail(t, "bufferevent_socket_new (underlying)", "NULL", "a bufferevent");
		l->e = bc_watch(t, bc_api_filter_new_(l->under, NULL, NULL,
						       opts | BEV_OPT_CLOSE_ON_FREE, NULL, NULL), name);
		return;
	}
	l->e = bc_socket_end(t, sv[0], opts, name);
}

void bc_link_send(struct bc_ctx *t, struct bc_link *l, const void *p, size_t n)
{
	if (l->partner) {
		if (bufferevent_write(l->partner, p, n) != 0)
			bc_fail(t, "bufferevent_write on the pair partner", "-1", "0");
	} else
		bc_send(t, l->peer, p, n);
}

size_t bc_link_recv(struct bc_ctx *t, struct bc_link *l, struct bc_bytes *b)
{
	(void)t;
	if (!l->partner)
		return bc_recv_avail(l->peer, b);
	struct evbuffer *in = bufferevent_get_input(l->partner);
	size_t n = evbuffer_get_length(in);
	if (n) {
		bc_bytes_add(b, evbuffer_pullup(in, -1), n);
		evbuffer_drain(in, n);
	}
	return n;
}

void bc_link_finish(struct bc_ctx *t, struct bc_link *l)
{
	if (l->partner) {
		if (bc_api_flush_(l->partner, EV_WRITE, bc_flush_mode(t, BC_FLUSH_FINISHED)) < 0)
			bc_fail(t, "bufferevent_flush(partner, EV_WRITE, BEV_FINISHED)", "-1", ">= 0");
	} else if (shutdown(l->peer, SHUT_WR) != 0)
		bc_fail(t, "harness: shutdown(peer, SHUT_WR)", "-1", "0");
}

void bc_link_close(struct bc_ctx *t, struct bc_link *l)
{
	(void)t;
	if (!l->e->freed)
		bc_free(l->e);
	if (l->partner)
		bufferevent_free(l->partner);
	if (l->peer >= 0)
		close(l->peer);
	memset(l, 0, sizeof *l);
}
