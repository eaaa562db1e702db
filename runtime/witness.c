/* witness.c: the errno witness for deferred eventcbs (see bevconf.h). */
#include <unistd.h>

#include "bevconf.h"

struct bc_end *bc_errno_witness(struct bc_ctx *t, int err, evutil_socket_t *peer)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
#ifdef BC_HAVE_BEV_OPT_DEFER_CALLBACKS
	struct bc_end *w = bc_socket_end(t, sv[0], BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS, "witness");
#else
	struct bc_end *w = NULL;
	bc_skip_constant("BEV_OPT_DEFER_CALLBACKS");
#endif
	bc_fault_fail(sv[0], BC_WRITE, err, 1);
	bufferevent_write(w->bev, "w", 1);
	*peer = sv[1];
	return w;
}

void bc_errno_witness_check(struct bc_ctx *t, struct bc_end *w, int err, evutil_socket_t peer)
{
	bc_await(t, "an eventcb on the errno witness", bc_count(w, 'E') >= 1);
	bc_expect_shape(t, w, "E(WRITING|ERROR)");
	bc_expect_errno(t, "EVUTIL_SOCKET_ERROR() inside the witness's deferred eventcb",
			bc_nth(w, 'E', 0)->err, err);
	bc_free(w);
	close(peer);
}
