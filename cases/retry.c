/* Area B: EAGAIN, EWOULDBLOCK and EINTR on the socket bufferevent's reads and writes. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "bevconf.h"

enum { FAILS = 3 };

void retry_write(struct bc_ctx *t)
{
	const int err = bc_param(t);
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *a = bc_socket_end(t, sv[0], bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	bc_fault_fail(sv[0], BC_WRITE, err, FAILS);

	bc_expect_int(t, "bufferevent_write", bufferevent_write(a->bev, "0123456789", 10), 0);
	short en = bufferevent_get_enabled(a->bev);
	struct bc_bytes got = { 0 };
	/* Each failing writev is looked at before the next write event can run: one
	 * blocking pass at a time, until the scripted failures are used up. */
	for (unsigned k = 1; k <= FAILS; k++) {
		bc_expect(t, bc_wait_until(t, 1000, bc_fault_ncalls(sv[0], BC_WRITE) >= k),
			  "the write is attempted (again) without any new call from the program");
		bc_expect_int(t, "writev calls so far", bc_fault_ncalls(sv[0], BC_WRITE), k);
		bc_expect_shape(t, a, "");
		bc_expect_int(t, "output length while writev fails",
			      evbuffer_get_length(bufferevent_get_output(a->bev)), 10);
		bc_expect_enabled(t, "enabled while writev fails", bufferevent_get_enabled(a->bev), en);
		bc_recv_avail(sv[1], &got);
		bc_expect_int(t, "bytes at the peer while writev fails", got.len, 0);
	}
	bc_expect(t, bc_wait_until(t, 1000, (bc_recv_avail(sv[1], &got), got.len >= 10) && bc_count(a, 'W') > 0),
		  "the retry delivers all bytes and a writecb");
	bc_passes(t, 3);
	bc_recv_avail(sv[1], &got);
	bc_expect_str(t, "bytes at the peer", (bc_bytes_add(&got, "", 1), (char *)got.data), "0123456789");
	bc_expect_shape(t, a, "W");
	bc_expect_int(t, "output length at writecb", bc_nth(a, 'W', 0)->out, 0);
	bc_expect_enabled(t, "enabled at writecb", bc_nth(a, 'W', 0)->enabled, en);
	bc_expect_int(t, "writev calls in all", bc_fault_ncalls(sv[0], BC_WRITE), FAILS + 1);
	bc_free(a);
	close(sv[1]);
	bc_bytes_free(&got);
}

void retry_read(struct bc_ctx *t)
{
	const int err = bc_param(t);
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *a = bc_socket_end(t, sv[0], bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	bc_expect_int(t, "bufferevent_enable(EV_READ)", bufferevent_enable(a->bev, EV_READ), 0);
	short en = bufferevent_get_enabled(a->bev);
	bc_fault_fail(sv[0], BC_READ, err, FAILS);
	bc_send(t, sv[1], "hello", 5);

	for (unsigned k = 1; k <= FAILS; k++) {
		bc_expect(t, bc_wait_until(t, 1000, bc_fault_ncalls(sv[0], BC_READ) >= k),
			  "the read is attempted (again) without any new call from the program");
		bc_expect_int(t, "read calls so far", bc_fault_ncalls(sv[0], BC_READ), k);
		bc_expect_shape(t, a, "");
		bc_expect_int(t, "input length while readv fails",
			      evbuffer_get_length(bufferevent_get_input(a->bev)), 0);
		bc_expect_enabled(t, "enabled while readv fails", bufferevent_get_enabled(a->bev), en);
	}
	bc_expect(t, bc_wait_until(t, 1000, bc_count(a, 'R') > 0), "the retry delivers a readcb");
	bc_passes(t, 3);
	bc_expect_shape(t, a, "R");
	bc_expect_int(t, "input length at readcb", bc_nth(a, 'R', 0)->in, 5);
	bc_expect_enabled(t, "enabled at readcb", bc_nth(a, 'R', 0)->enabled, en);
	char buf[8] = { 0 };
	bc_expect_int(t, "bufferevent_read", bufferevent_read(a->bev, buf, sizeof buf - 1), 5);
	bc_expect_str(t, "bytes read", buf, "hello");
	bc_free(a);
	close(sv[1]);
}
