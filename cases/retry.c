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
		bc_await(t, "the write is attempted (again) without any new call from the program",
			 bc_fault_ncalls(sv[0], BC_WRITE) >= k);
		bc_expect_int(t, "writev calls so far", bc_fault_ncalls(sv[0], BC_WRITE), k);
		bc_expect_shape(t, a, "");
		bc_expect_int(t, "output length while writev fails",
			      evbuffer_get_length(bufferevent_get_output(a->bev)), 10);
		bc_expect_enabled(t, "enabled while writev fails", bufferevent_get_enabled(a->bev), en);
		bc_recv_avail(sv[1], &got);
		bc_expect_int(t, "bytes at the peer while writev fails", got.len, 0);
	}
	bc_await(t, "the retry delivers all bytes and a writecb",
		 (bc_recv_avail(sv[1], &got), got.len >= 10) && bc_count(a, 'W') > 0);
	bc_passes(t, 3);
	bc_recv_avail(sv[1], &got);
	bc_expect_bytes(t, "bytes at the peer", &got, "0123456789");
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
		bc_await(t, "the read is attempted (again) without any new call from the program",
			 bc_fault_ncalls(sv[0], BC_READ) >= k);
		bc_expect_int(t, "read calls so far", bc_fault_ncalls(sv[0], BC_READ), k);
		bc_expect_shape(t, a, "");
		bc_expect_int(t, "input length while readv fails",
			      evbuffer_get_length(bufferevent_get_input(a->bev)), 0);
		bc_expect_enabled(t, "enabled while readv fails", bufferevent_get_enabled(a->bev), en);
	}
	bc_await(t, "the retry delivers a readcb", bc_count(a, 'R') > 0);
	bc_passes(t, 3);
	bc_expect_shape(t, a, "R");
	bc_expect_int(t, "input length at readcb", bc_nth(a, 'R', 0)->in, 5);
	bc_expect_enabled(t, "enabled at readcb", bc_nth(a, 'R', 0)->enabled, en);
	char buf[8] = { 0 };
	bc_expect_int(t, "bufferevent_read", bufferevent_read(a->bev, buf, sizeof buf - 1), 5);
	bc_expect_buf(t, "bytes read", buf, strnlen(buf, sizeof buf), "hello");
	bc_free(a);
	close(sv[1]);
}

/* B3 (QUIRK): readv failing with ECONNREFUSED on a socket that is not connecting is
 * swallowed: no callback, reading stays on, and the next read delivers the data. */
void retry_read_econnrefused(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *a = bc_socket_end(t, sv[0], bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	bufferevent_enable(a->bev, EV_READ);
	bc_fault_fail(sv[0], BC_READ, ECONNREFUSED, 1);
	bc_send(t, sv[1], "hello", 5);
	bc_await(t, "a first read attempt", bc_fault_ncalls(sv[0], BC_READ) >= 1);
	bc_expect_shape(t, a, "");
	bc_expect_enabled(t, "enabled after the swallowed ECONNREFUSED", bufferevent_get_enabled(a->bev), EV_READ | EV_WRITE);
	bc_await(t, "the next read delivers the data", bc_count(a, 'R') >= 1);
	bc_settle(t);
	bc_expect_shape(t, a, "R");
	bc_expect_int(t, "in at readcb", bc_nth(a, 'R', 0)->in, 5);
	struct bc_bytes got = { 0 };
	bc_read_input(t, a->bev, &got, SIZE_MAX);
	bc_expect_bytes(t, "bytes read", &got, "hello");
	bc_bytes_free(&got);
	bc_free(a);
	close(sv[1]);
}

/* B4: a read or write event that only meets EAGAIN still counts as activity: with the fd
 * ready all the time, a 100 ms timeout never fires while the retries go on. The loop is
 * driven one non-blocking pass at a time (each pass retries the call); an attempt in
 * which two passes were ever 50 ms apart (a descheduled process) proves nothing and is
 * repeated, since a timeout may then be legitimate. */
enum { TMO_MS = 100, GAP_MS = 50, OBSERVE_MS = 200, ATTEMPTS = 10 };

void retry_timeout_activity(struct bc_ctx *t)
{
	bool writing = bc_param(t) == 1;
	enum bc_call call = writing ? BC_WRITE : BC_READ;
	for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
		bc_fault_reset();
		evutil_socket_t sv[2];
		bc_socketpair(t, sv);
		struct bc_end *a = bc_socket_end(t, sv[0], bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
		struct timeval tv = { 0, TMO_MS * 1000 };
		bufferevent_set_timeouts(a->bev, writing ? NULL : &tv, writing ? &tv : NULL);
		bc_fault_fail(sv[0], call, EAGAIN, 1 << 30);
		char msg[] = "hello";
		if (writing) {
			bufferevent_write(a->bev, msg, 5);
			memset(msg, '#', 5); /* the program's buffer is its own again (A2) */
		} else {
			bufferevent_enable(a->bev, EV_READ);
			bc_send(t, sv[1], "hello", 5);
		}
		double start = bc_now_ms(), last = start, gap = 0;
		while (bc_now_ms() - start < OBSERVE_MS && bc_count(a, 'E') == 0) {
			bc_pass(t);
			double now = bc_now_ms();
			if (now - last > gap)
				gap = now - last;
			last = now;
			if (gap >= GAP_MS)
				break;
		}
		if (gap >= GAP_MS) { /* disturbed: try again */
			bc_free(a);
			close(sv[1]);
			continue;
		}
		bc_expect(t, "the failing call is retried again and again", bc_fault_ncalls(sv[0], call) >= 3);
		bc_expect_shape(t, a, "");
		bc_fault_reset();
		struct bc_bytes got = { 0 };
		if (writing)
			bc_await(t, "the bytes go out once the write succeeds",
				 (bc_recv_avail(sv[1], &got), got.len >= 5) && bc_count(a, 'W') > 0);
		else
			bc_await(t, "the data is read once the read succeeds", bc_count(a, 'R') >= 1);
		bc_expect_shape(t, a, writing ? "W" : "R");
		if (!writing)
			bc_read_input(t, a->bev, &got, SIZE_MAX);
		bc_expect_bytes(t, writing ? "bytes at the peer" : "bytes read", &got, "hello");
		bc_free(a);
		close(sv[1]);
		bc_bytes_free(&got);
		return;
	}
	bc_fail(t, "an undisturbed observation (loop passes less than 50 ms apart)", "none", "one of 10 attempts");
}
