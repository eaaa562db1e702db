/* Area D: bufferevent_socket_connect. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bevconf.h"

static int do_connect(struct bc_end *e, const struct sockaddr_in *sin)
{
	return bufferevent_socket_connect(e->bev, (const struct sockaddr *)sin, sizeof *sin);
}

/* D1, D4: refused asynchronously (loopback port bound but not listening). */
void connect_refused_async(struct bc_ctx *t)
{
	struct sockaddr_in sin;
	evutil_socket_t hold = bc_refusing_port(t, &sin);
	struct bc_end *a = bc_socket_end(t, -1, bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");

	bc_expect_int(t, "bufferevent_socket_connect", do_connect(a, &sin), 0);
	bc_expect_shape(t, a, ""); /* nothing inline */
	bc_expect(t, bufferevent_getfd(a->bev) >= 0, "getfd() >= 0 after the connect call");

	evutil_socket_t wpeer = -1;
	struct bc_end *w = NULL;
	if (t->param & BC_DEFER) {
		/* Let the refusal reach the socket before the loop runs, so the witness fails in
		 * the same pass as the connect. */
		struct pollfd p = { bufferevent_getfd(a->bev), POLLOUT, 0 };
		bc_expect_int(t, "harness: poll for the refusal", poll(&p, 1, 1000), 1);
		w = bc_errno_witness(t, EIO, &wpeer);
	}
	bc_expect(t, bc_wait_until(t, 1000, bc_count(a, 'E') >= 1), "an eventcb for the refused connect");
	bc_settle(t);
	bc_expect_shape(t, a, "E(ERROR)");
	bc_expect_errno(t, "EVUTIL_SOCKET_ERROR() inside eventcb", bc_nth(a, 'E', 0)->err, ECONNREFUSED);
	if (w)
		bc_errno_witness_check(t, w, EIO, wpeer);
	bc_free(a);
	close(hold);
}

/* D5: connect() itself fails with ECONNREFUSED (injected): still 0, error from the loop. */
void connect_refused_immediate(struct bc_ctx *t)
{
	struct sockaddr_in sin;
	evutil_socket_t hold = bc_refusing_port(t, &sin);
	struct bc_end *a = bc_socket_end(t, -1, bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	bc_fault_fail(BC_ANY_FD, BC_CONNECT, ECONNREFUSED, 1);

	bc_expect_int(t, "bufferevent_socket_connect", do_connect(a, &sin), 0);
	bc_expect_shape(t, a, ""); /* never inline, even without DEFER_CALLBACKS */
	bc_expect(t, bufferevent_getfd(a->bev) >= 0, "getfd() >= 0 after the connect call");
	bc_expect_int(t, "connect calls on the new socket",
		      bc_fault_ncalls(bufferevent_getfd(a->bev), BC_CONNECT), 1);
	errno = 0; /* the eventcb must see ECONNREFUSED restored, not what errno holds now */

	bc_expect(t, bc_wait_until(t, 1000, bc_count(a, 'E') >= 1), "an eventcb for the refused connect");
	bc_settle(t);
	bc_expect_shape(t, a, "E(ERROR)");
	bc_expect_errno(t, "EVUTIL_SOCKET_ERROR() inside eventcb", bc_nth(a, 'E', 0)->err, ECONNREFUSED);
	bc_free(a);
	close(hold);
}

/* D6 (QUIRK): after an immediate refusal both directions are disabled (en == 0), while an
 * asynchronous refusal leaves en alone. */
void connect_refused_immediate_enabled(struct bc_ctx *t)
{
	struct sockaddr_in sin;
	evutil_socket_t hold = bc_refusing_port(t, &sin);
	struct bc_end *a = bc_socket_end(t, -1, bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	bc_fault_fail(BC_ANY_FD, BC_CONNECT, ECONNREFUSED, 1);

	bc_expect_int(t, "bufferevent_socket_connect", do_connect(a, &sin), 0);
	short en = bufferevent_get_enabled(a->bev);
	if (en != 0)
		bc_quirk_differs(t, "enabled right after the refused connect call", "0", bc_enabled_str(en));
	bc_expect(t, bc_wait_until(t, 1000, bc_count(a, 'E') >= 1), "an eventcb for the refused connect");
	en = bc_nth(a, 'E', 0)->enabled;
	if (en != 0)
		bc_quirk_differs(t, "enabled inside the ERROR eventcb", "0", bc_enabled_str(en));
	bc_free(a);
	close(hold);
}

/* D1, D2: success gives CONNECTED once and, with nothing queued, no writecb. */
void connect_ok(struct bc_ctx *t)
{
	struct sockaddr_in sin;
	evutil_socket_t lfd = bc_loopback_listener(t, &sin);
	struct bc_end *a = bc_socket_end(t, -1, bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");

	bc_expect_int(t, "bufferevent_socket_connect", do_connect(a, &sin), 0);
	bc_expect_shape(t, a, "");
	bc_expect(t, bufferevent_getfd(a->bev) >= 0, "getfd() >= 0 after the connect call");

	bc_expect(t, bc_wait_until(t, 1000, bc_count(a, 'E') >= 1), "an eventcb for the connect");
	evutil_socket_t peer = bc_accept(t, lfd, 1000);
	bc_settle(t);
	bc_expect_shape(t, a, "E(CONNECTED)");
	bc_expect_enabled(t, "enabled inside eventcb", bc_nth(a, 'E', 0)->enabled, EV_WRITE);
	bc_free(a);
	close(peer);
	close(lfd);
}

/* D3: bytes queued before the connect go out after CONNECTED, then one writecb at out=0. */
void connect_ok_queued(struct bc_ctx *t)
{
	struct sockaddr_in sin;
	evutil_socket_t lfd = bc_loopback_listener(t, &sin);
	struct bc_end *a = bc_socket_end(t, -1, bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	bc_expect_int(t, "bufferevent_write before connect", bufferevent_write(a->bev, "hello", 5), 0);

	bc_expect_int(t, "bufferevent_socket_connect", do_connect(a, &sin), 0);
	bc_expect_shape(t, a, "");
	bc_expect(t, bc_wait_until(t, 1000, bc_count(a, 'W') >= 1), "a writecb after the connect");
	evutil_socket_t peer = bc_accept(t, lfd, 1000);
	struct bc_bytes got = { 0 };
	bc_expect(t, bc_wait_until(t, 1000, (bc_recv_avail(peer, &got), got.len >= 5)), "5 bytes at the peer");
	bc_settle(t);
	bc_recv_avail(peer, &got);
	bc_expect_shape(t, a, "E(CONNECTED) W");
	bc_expect_int(t, "output length at CONNECTED", bc_nth(a, 'E', 0)->out, 5);
	bc_expect_int(t, "output length at writecb", bc_nth(a, 'W', 0)->out, 0);
	bc_bytes_add(&got, "", 1);
	bc_expect_str(t, "bytes at the peer", (char *)got.data, "hello");
	bc_bytes_free(&got);
	bc_free(a);
	close(peer);
	close(lfd);
}

/* D7: any other synchronous connect error returns -1, closes the new socket, no callback. */
void connect_sync_error(struct bc_ctx *t)
{
	int err = bc_param(t);
	struct sockaddr_in sin;
	evutil_socket_t hold = bc_refusing_port(t, &sin);
	struct bc_end *a = bc_socket_end(t, -1, bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	/* The lowest free descriptor: the socket the connect creates gets it, and it must be
	 * free again afterwards. */
	int lowest = dup(hold);
	close(lowest);
	bc_fault_fail(BC_ANY_FD, BC_CONNECT, err, 1);

	bc_expect_int(t, "bufferevent_socket_connect", do_connect(a, &sin), -1);
	/* bc_fault_ncalls(BC_ANY_FD, ...) counts nothing: count on the descriptor number the
	 * new socket must have had. */
	bc_expect_int(t, "connect calls on the created socket", bc_fault_ncalls(lowest, BC_CONNECT), 1);
	bc_expect_int(t, "getfd() after the failed connect", bufferevent_getfd(a->bev), -1);
	bc_expect(t, !bc_fd_is_open(lowest), "the socket created for the connect is closed again");
	bc_settle(t);
	bc_expect_shape(t, a, "");
	bc_free(a);
	close(hold);
}

/* D8: no fd and no address: -1, nothing else. */
void connect_null_addr(struct bc_ctx *t)
{
	struct bc_end *a = bc_socket_end(t, -1, bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	bc_expect_int(t, "bufferevent_socket_connect(bev, NULL, 0)",
		      bufferevent_socket_connect(a->bev, NULL, 0), -1);
	bc_expect_int(t, "getfd()", bufferevent_getfd(a->bev), -1);
	bc_settle(t);
	bc_expect_shape(t, a, "");
	bc_free(a);
}
