/* Area A: the write path of a socket bufferevent. */
#include <string.h>
#include <unistd.h>

#include "bevconf.h"

void write_short_capped(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *a = bc_socket_end(t, sv[0], BEV_OPT_CLOSE_ON_FREE, "bev");
	bc_fault_cap(sv[0], (size_t)bc_param(t));

	bc_expect_int(t, "bufferevent_write", bufferevent_write(a->bev, "0123456789", 10), 0);
	bc_expect(t, bc_wait_until(t, 1000, bc_fault_ncalls(sv[0], BC_WRITE) >= 1), "a first writev");
	bc_expect_int(t, "output length after the first short write",
		      evbuffer_get_length(bufferevent_get_output(a->bev)), 10 - bc_param(t));
	bc_expect_shape(t, a, "");

	struct bc_bytes got = { 0 };
	bc_expect(t, bc_wait_until(t, 1000, (bc_recv_avail(sv[1], &got), got.len >= 10) && bc_count(a, 'W') > 0),
		  "all bytes at the peer and a writecb");
	bc_expect_str(t, "bytes at the peer", (bc_bytes_add(&got, "", 1), (char *)got.data), "0123456789");
	bc_expect_shape(t, a, "W");
	bc_expect_int(t, "output length at writecb", bc_nth(a, 'W', 0)->out, 0);
	bc_free(a);
	close(sv[1]);
	bc_bytes_free(&got);
}
