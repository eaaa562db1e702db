/* Area C: end of stream and I/O errors on a socket bufferevent. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bevconf.h"

/* C1: the peer closes; one eventcb, exactly READING|EOF, EV_READ already off inside it. */
void eof_peer_close(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *a = bc_socket_end(t, sv[0], bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	bc_expect_int(t, "bufferevent_enable(EV_READ)", bufferevent_enable(a->bev, EV_READ), 0);
	bc_expect_enabled(t, "enabled before EOF", bufferevent_get_enabled(a->bev), EV_READ | EV_WRITE);
	close(sv[1]);

	bc_expect(t, bc_wait_until(t, 1000, bc_count(a, 'E') >= 1), "an eventcb after the peer closed");
	bc_settle(t);
	bc_expect_shape(t, a, "E(READING|EOF)");
	const struct bc_event *e = bc_nth(a, 'E', 0);
	bc_expect_what(t, "eventcb flags", e->what, BEV_EVENT_READING | BEV_EVENT_EOF);
	bc_expect_enabled(t, "enabled inside eventcb (EV_READ off, EV_WRITE kept)", e->enabled, EV_WRITE);
	bc_expect_int(t, "input length at eventcb", e->in, 0);
	bc_expect_enabled(t, "enabled after EOF", bufferevent_get_enabled(a->bev), EV_WRITE);
	bc_free(a);
}

/* C2: data then close; readcb in one pass, EOF in a later one, undrained bytes kept. */
static int pass_no;
static int read_pass, eof_pass;

static void dte_on_read(struct bc_end *e)
{
	if (!read_pass)
		read_pass = pass_no;
	char c;
	bufferevent_read(e->bev, &c, 1); /* drain one byte, leave the rest */
}

static void dte_on_event(struct bc_end *e, short what)
{
	(void)e, (void)what;
	if (!eof_pass)
		eof_pass = pass_no;
}

void eof_data_then_eof(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *a = bc_socket_end(t, sv[0], bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	a->on_read = dte_on_read;
	a->on_event = dte_on_event;
	bufferevent_enable(a->bev, EV_READ);
	bc_send(t, sv[1], "abcd", 4);
	close(sv[1]);

	pass_no = read_pass = eof_pass = 0;
	bc_expect(t, bc_wait_until(t, 1000, (++pass_no, bc_count(a, 'E') >= 1)), "an eventcb after data and close");
	bc_settle(t);
	bc_expect_shape(t, a, "R E(READING|EOF)");
	bc_expect_int(t, "input length at readcb", bc_nth(a, 'R', 0)->in, 4);
	bc_expect_int(t, "input length at EOF (undrained bytes kept)", bc_nth(a, 'E', 0)->in, 3);
	bc_expect_enabled(t, "enabled inside eventcb", bc_nth(a, 'E', 0)->enabled, EV_WRITE);
	if (eof_pass <= read_pass) {
		char x[64], act[64];
		snprintf(x, sizeof x, "a pass after %d", read_pass);
		snprintf(act, sizeof act, "pass %d", eof_pass);
		bc_fail(t, "loop pass of the EOF eventcb (readcb came in pass)", x, act);
	}
	bc_free(a);
}

/* C1: readv returning 0 (injected, data still pending in the kernel) is EOF. */
void eof_readv_zero(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *a = bc_socket_end(t, sv[0], bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	bc_fault_return(sv[0], BC_READ, 0, 1);
	bufferevent_enable(a->bev, EV_READ);
	bc_send(t, sv[1], "xy", 2);

	bc_expect(t, bc_wait_until(t, 1000, bc_count(a, 'E') >= 1), "an eventcb after readv returned 0");
	bc_settle(t);
	bc_expect_shape(t, a, "E(READING|EOF)");
	bc_expect_what(t, "eventcb flags", bc_nth(a, 'E', 0)->what, BEV_EVENT_READING | BEV_EVENT_EOF);
	bc_expect_enabled(t, "enabled inside eventcb", bc_nth(a, 'E', 0)->enabled, EV_WRITE);
	bc_expect_int(t, "readv calls (no read after EOF)", bc_fault_ncalls(sv[0], BC_READ), 1);
	bc_free(a);
	close(sv[1]);
}

/* C3, C5: readv fails with a non-retriable errno after some bytes were read. */
void error_read_injected(struct bc_ctx *t)
{
	int err = bc_param(t);
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *a = bc_socket_end(t, sv[0], bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	bufferevent_enable(a->bev, EV_READ);
	bc_send(t, sv[1], "abc", 3);
	bc_expect(t, bc_wait_until(t, 1000, bc_count(a, 'R') >= 1), "a readcb for the first bytes");

	bc_fault_fail(sv[0], BC_READ, err, 1);
	evutil_socket_t wpeer = -1;
	struct bc_end *w = (t->param & BC_DEFER) ? bc_errno_witness(t, EIO, &wpeer) : NULL;
	bc_send(t, sv[1], "de", 2);
	bc_expect(t, bc_wait_until(t, 1000, bc_count(a, 'E') >= 1), "an eventcb after the failing readv");
	bc_settle(t);
	bc_expect_shape(t, a, "R E(READING|ERROR)");
	const struct bc_event *e = bc_nth(a, 'E', 0);
	bc_expect_errno(t, "EVUTIL_SOCKET_ERROR() inside eventcb", e->err, err);
	bc_expect_enabled(t, "enabled inside eventcb (EV_READ off, EV_WRITE kept)", e->enabled, EV_WRITE);
	bc_expect_int(t, "input length at eventcb (earlier bytes kept)", e->in, 3);
	bc_expect_enabled(t, "enabled after the error", bufferevent_get_enabled(a->bev), EV_WRITE);
	if (w)
		bc_errno_witness_check(t, w, EIO, wpeer);
	bc_free(a);
	close(sv[1]);
}

/* C4, C5: writev fails with a non-retriable errno: a real EPIPE (the AF_UNIX peer shut
 * down its reading side, so no EOF races the error) or any other errno, injected. */
void error_write(struct bc_ctx *t)
{
	int err = bc_param(t);
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *a = bc_socket_end(t, sv[0], bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	bufferevent_enable(a->bev, EV_READ);
	if (err != EPIPE)
		bc_fault_fail(sv[0], BC_WRITE, err, 1);
	else if (shutdown(sv[1], SHUT_RD) != 0)
		bc_fail(t, "harness: shutdown(peer, SHUT_RD)", "0", strerror(errno));
	evutil_socket_t wpeer = -1;
	struct bc_end *w = (t->param & BC_DEFER) ? bc_errno_witness(t, EIO, &wpeer) : NULL;
	bc_expect_int(t, "bufferevent_write", bufferevent_write(a->bev, "hello", 5), 0);

	bc_expect(t, bc_wait_until(t, 1000, bc_count(a, 'E') >= 1), "an eventcb after the failing writev");
	bc_settle(t);
	bc_expect_shape(t, a, "E(WRITING|ERROR)");
	const struct bc_event *e = bc_nth(a, 'E', 0);
	bc_expect_errno(t, "EVUTIL_SOCKET_ERROR() inside eventcb", e->err, err);
	bc_expect_enabled(t, "enabled inside eventcb (EV_WRITE off, EV_READ kept)", e->enabled, EV_READ);
	bc_expect_int(t, "output length at eventcb (unsent bytes kept)", e->out, 5);
	bc_expect_int(t, "writev calls (no retry after the error)", bc_fault_ncalls(sv[0], BC_WRITE), 1);
	struct bc_bytes got = { 0 };
	bc_recv_avail(sv[1], &got);
	bc_expect_int(t, "bytes at the peer", got.len, 0);
	if (w)
		bc_errno_witness_check(t, w, EIO, wpeer);
	bc_free(a);
	close(sv[1]);
}

/* C6 (QUIRK): writev returning 0 is reported as WRITING|EOF. */
void error_write_zero(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *a = bc_socket_end(t, sv[0], bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	bufferevent_enable(a->bev, EV_READ);
	bc_fault_return(sv[0], BC_WRITE, 0, 1);
	bc_expect_int(t, "bufferevent_write", bufferevent_write(a->bev, "hello", 5), 0);

	bc_expect(t, bc_wait_until(t, 1000, bc_count(a, 'E') >= 1), "an eventcb after writev returned 0");
	bc_settle(t);
	const char *shape = bc_shape(a);
	if (strcmp(shape, "E(WRITING|EOF)") != 0)
		bc_quirk_differs(t, "callbacks on bev", "E(WRITING|EOF)", shape);
	const struct bc_event *e = bc_nth(a, 'E', 0);
	if (e->enabled != EV_READ)
		bc_quirk_differs(t, "enabled inside eventcb", bc_enabled_str(EV_READ), bc_enabled_str(e->enabled));
	if (e->out != 5) {
		char act[32];
		snprintf(act, sizeof act, "%zu", e->out);
		bc_quirk_differs(t, "output length at eventcb", "5", act);
	}
	bc_free(a);
	close(sv[1]);
}
