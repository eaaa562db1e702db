/* Area D: bufferevent_socket_connect. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <stddef.h>
#include <sys/un.h>

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
	bc_expect(t, "getfd() >= 0 after the connect call", bufferevent_getfd(a->bev) >= 0);

	evutil_socket_t wpeer = -1;
	struct bc_end *w = NULL;
	if (t->param & BC_DEFER) {
		/* Let the refusal reach the socket before the loop runs, so the witness fails in
		 * the same pass as the connect. */
		struct pollfd p = { bufferevent_getfd(a->bev), POLLOUT, 0 };
		bc_expect_int(t, "harness: poll for the refusal", poll(&p, 1, 1000), 1);
		w = bc_errno_witness(t, EIO, &wpeer);
	}
	bc_await(t, "an eventcb for the refused connect", bc_count(a, 'E') >= 1);
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
	bc_expect(t, "getfd() >= 0 after the connect call", bufferevent_getfd(a->bev) >= 0);
	bc_expect_int(t, "connect calls on the new socket",
		      bc_fault_ncalls(bufferevent_getfd(a->bev), BC_CONNECT), 1);
	errno = 0; /* the eventcb must see ECONNREFUSED restored, not what errno holds now */

	bc_await(t, "an eventcb for the refused connect", bc_count(a, 'E') >= 1);
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
		bc_quirk_differs(t, "enabled right after the refused connect call", bc_enabled_str(en), "0");
	bc_await(t, "an eventcb for the refused connect", bc_count(a, 'E') >= 1);
	en = bc_nth(a, 'E', 0)->enabled;
	if (en != 0)
		bc_quirk_differs(t, "enabled inside the ERROR eventcb", bc_enabled_str(en), "0");
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
	bc_expect(t, "getfd() >= 0 after the connect call", bufferevent_getfd(a->bev) >= 0);

	bc_await(t, "an eventcb for the connect", bc_count(a, 'E') >= 1);
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
	bc_await(t, "a writecb after the connect", bc_count(a, 'W') >= 1);
	evutil_socket_t peer = bc_accept(t, lfd, 1000);
	struct bc_bytes got = { 0 };
	bc_await(t, "5 bytes at the peer", (bc_recv_avail(peer, &got), got.len >= 5));
	bc_settle(t);
	bc_recv_avail(peer, &got);
	bc_expect_shape(t, a, "E(CONNECTED) W");
	bc_expect_int(t, "output length at CONNECTED", bc_nth(a, 'E', 0)->out, 5);
	bc_expect_int(t, "output length at writecb", bc_nth(a, 'W', 0)->out, 0);
	bc_expect_bytes(t, "bytes at the peer", &got, "hello");
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
	/* The harness never saw that socket open, so has no identity of it: what is at its
	 * number now must at least not be an AF_INET stream socket. */
	bc_expect(t, "the socket created for the connect is closed again",
		  !bc_fd_holds_socket(lowest, AF_INET, SOCK_STREAM));
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

/* D9: connect(bev, NULL, 0) on a bufferevent that has an fd: the fd counts as connecting,
 * and CONNECTED follows once it is writable, even if it was connected already. */
void connect_existing_fd(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *a = bc_socket_end(t, sv[0], bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	bc_expect_int(t, "bufferevent_socket_connect(bev, NULL, 0) with an fd",
		      bufferevent_socket_connect(a->bev, NULL, 0), 0);
	bc_expect_shape(t, a, "");
	bc_expect_int(t, "getfd() (the same fd)", bufferevent_getfd(a->bev), sv[0]);
	bc_await(t, "an eventcb", bc_count(a, 'E') >= 1);
	bc_settle(t);
	bc_expect_shape(t, a, "E(CONNECTED)");
	bc_expect_int(t, "connect calls (none: the fd is taken as it is)", bc_fault_ncalls(sv[0], BC_CONNECT), 0);
	bc_free(a);
	close(sv[1]);
}

/* An AF_UNIX listener in the abstract namespace: connect() to it succeeds at once. */
static evutil_socket_t unix_listener(struct bc_ctx *t, struct sockaddr_un *sun, socklen_t *len)
{
	static unsigned seq;
	evutil_socket_t fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	int n = snprintf(sun->sun_path + 1, sizeof sun->sun_path - 1, "bevconf-%d-%u", (int)getpid(), seq++);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	if (fd < 0 || bind(fd, (struct sockaddr *)sun, *len) != 0 || listen(fd, 4) != 0)
		bc_fail(t, "harness: AF_UNIX listener", strerror(errno), "0");
	return fd;
}

/* D10: an immediate success (AF_UNIX) still gives exactly one CONNECTED from the loop,
 * and the queued bytes are sent. */
void connect_unix_ok(struct bc_ctx *t)
{
	struct sockaddr_un sun;
	socklen_t len;
	evutil_socket_t lfd = unix_listener(t, &sun, &len);
	struct bc_end *a = bc_socket_end(t, -1, bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	bufferevent_write(a->bev, "hello", 5);
	bc_expect_int(t, "bufferevent_socket_connect (AF_UNIX)",
		      bufferevent_socket_connect(a->bev, (struct sockaddr *)&sun, (int)len), 0);
	bc_expect_shape(t, a, "");
	evutil_socket_t peer = bc_accept(t, lfd, 1000);
	struct bc_bytes got = { 0 };
	bc_await(t, "the queued bytes at the peer and a writecb",
		 (bc_recv_avail(peer, &got), got.len >= 5) && bc_count(a, 'W') >= 1);
	bc_settle(t);
	bc_expect_shape(t, a, "E(CONNECTED) W");
	bc_expect_int(t, "out at writecb", bc_nth(a, 'W', 0)->out, 0);
	bc_expect_bytes(t, "bytes at the peer", &got, "hello");
	bc_bytes_free(&got);
	bc_free(a);
	close(peer);
	close(lfd);
}

/* D11 (QUIRK): an immediate success with an empty output queues a writecb (out=0) that
 * comes before CONNECTED; with EV_WRITE disabled only the writecb comes, and CONNECTED
 * waits until EV_WRITE is enabled. */
void connect_unix_order(struct bc_ctx *t)
{
	bool wdis = bc_param(t) == 1;
	struct sockaddr_un sun;
	socklen_t len;
	evutil_socket_t lfd = unix_listener(t, &sun, &len);
	struct bc_end *a = bc_socket_end(t, -1, bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	if (wdis)
		bufferevent_disable(a->bev, EV_WRITE);
	bc_expect_int(t, "bufferevent_socket_connect (AF_UNIX)",
		      bufferevent_socket_connect(a->bev, (struct sockaddr *)&sun, (int)len), 0);
	bc_expect_shape(t, a, "");
	evutil_socket_t peer = bc_accept(t, lfd, 1000);
	if (wdis) {
		bc_await(t, "a writecb", bc_count(a, 'W') >= 1);
		bc_settle(t);
		bc_expect_shape(t, a, "W");
		bufferevent_enable(a->bev, EV_WRITE);
	}
	bc_await(t, "CONNECTED", bc_count(a, 'E') >= 1);
	bc_settle(t);
	bc_expect_shape(t, a, "W E(CONNECTED)");
	bc_expect_int(t, "out at writecb", bc_nth(a, 'W', 0)->out, 0);
	bc_free(a);
	close(peer);
	close(lfd);
}

/* D12: with EV_READ enabled before the connect, CONNECTED comes before the readcb for
 * data that is already waiting when the connect completes. */
void connect_read_order(struct bc_ctx *t)
{
	struct sockaddr_in sin;
	evutil_socket_t lfd = bc_loopback_listener(t, &sin);
	struct bc_end *a = bc_socket_end(t, -1, bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	bufferevent_enable(a->bev, EV_READ);
	bc_expect_int(t, "bufferevent_socket_connect", do_connect(a, &sin), 0);
	/* Before the first loop pass: the server accepts and sends, so the socket is both
	 * writable (connected) and readable in that pass. */
	evutil_socket_t peer = bc_accept(t, lfd, 1000);
	bc_send(t, peer, "hi", 2);
	struct pollfd p = { bufferevent_getfd(a->bev), POLLIN, 0 };
	bc_expect_int(t, "harness: the data has reached the client socket", poll(&p, 1, 1000), 1);
	bc_await(t, "a readcb", bc_count(a, 'R') >= 1);
	bc_settle(t);
	bc_expect_shape(t, a, "E(CONNECTED) R");
	bc_expect_int(t, "in at readcb", bc_nth(a, 'R', 0)->in, 2);
	struct bc_bytes got = { 0 };
	bc_read_input(t, a->bev, &got, SIZE_MAX);
	bc_expect_bytes(t, "the input", &got, "hi");
	bc_bytes_free(&got);
	bc_free(a);
	close(peer);
	close(lfd);
}

/* D13: disabling EV_WRITE while the connect is in progress does not stop CONNECTED. */
void connect_write_disabled(struct bc_ctx *t)
{
	struct sockaddr_in sin;
	evutil_socket_t lfd = bc_loopback_listener(t, &sin);
	struct bc_end *a = bc_socket_end(t, -1, bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	bc_expect_int(t, "bufferevent_socket_connect", do_connect(a, &sin), 0);
	bufferevent_disable(a->bev, EV_WRITE); /* while the connect is in progress */
	bc_expect_enabled(t, "enabled after disable(EV_WRITE)", bufferevent_get_enabled(a->bev), 0);
	bc_await(t, "CONNECTED with EV_WRITE disabled", bc_count(a, 'E') >= 1);
	evutil_socket_t peer = bc_accept(t, lfd, 1000);
	bc_settle(t);
	bc_expect_shape(t, a, "E(CONNECTED)");
	bc_expect_enabled(t, "enabled inside eventcb (as the program left it)", bc_nth(a, 'E', 0)->enabled, 0);
	bc_free(a);
	close(peer);
	close(lfd);
}

/* D21: connect() failing at once on a bufferevent that already has an fd leaves that fd
 * alone: it is the program's (or the bufferevent's), not one the connect created. */
void connect_sync_error_own_fd(struct bc_ctx *t)
{
	struct sockaddr_in sin;
	evutil_socket_t hold = bc_refusing_port(t, &sin);
	evutil_socket_t fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	bc_expect(t, "harness: socket", fd >= 0);
	struct bc_end *a = bc_socket_end(t, fd, bc_opts(t, 0), "bev");
	bc_fault_fail(fd, BC_CONNECT, ENETUNREACH, 1);
	bc_expect_int(t, "bufferevent_socket_connect", do_connect(a, &sin), -1);
	bc_expect_int(t, "connect calls on the bufferevent's fd", bc_fault_ncalls(fd, BC_CONNECT), 1);
	bc_expect(t, "the bufferevent's own fd is still open", bc_fd_is_open(fd));
	bc_expect(t, "and still an AF_INET stream socket", bc_fd_holds_socket(fd, AF_INET, SOCK_STREAM));
	bc_expect_int(t, "getfd() still names it", bufferevent_getfd(a->bev), fd);
	bc_settle(t);
	bc_expect_shape(t, a, "");
	bc_free(a);
	bc_fault_reset();
	bc_expect(t, "without CLOSE_ON_FREE the fd outlives the bufferevent", bc_fd_is_open(fd));
	close(fd);
	close(hold);
}
