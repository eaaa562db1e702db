/* Area D: the address a connect_hostname connection records, as libevent's own evhttp reads
 * it back (evhttp_connection_get_addr returns the bufferevent's recorded address). Needs
 * event2/http.h: without it this file's cases SKIP. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <event2/http.h>

#include "extra_api.h"

/* ---- D22: connected to 0.0.0.0 (which Linux takes for the loopback), the recorded address
 * is the peer's, 127.0.0.1, not the name looked up. ---- */
void http_conn_addr_peer(struct bc_ctx *t)
{
	struct sockaddr_in sin;
	evutil_socket_t lfd = bc_loopback_listener(t, &sin);
	struct evhttp_connection *c = evhttp_connection_base_new(t->base, NULL, "0.0.0.0", ntohs(sin.sin_port));
	bc_expect(t, "evhttp_connection_base_new", c != NULL);
	struct evhttp_request *req = evhttp_request_new(NULL, NULL);
	bc_expect(t, "evhttp_request_new", req != NULL);
	bc_expect_int(t, "evhttp_make_request", evhttp_make_request(c, req, EVHTTP_REQ_GET, "/"), 0);
	evutil_socket_t s = bc_accept(t, lfd, 1000);
	struct bc_bytes got = {0};
	bc_wait_until(t, 1000, (bc_recv_avail(s, &got), got.len >= 3));
	bc_expect(t, "the request reaches the listener", got.len >= 3 && memcmp(got.data, "GET", 3) == 0);
	const struct sockaddr *a = evhttp_connection_get_addr(c);
	bc_expect(t, "evhttp_connection_get_addr", a != NULL);
	if (a) {
		const struct sockaddr_in *ai = (const struct sockaddr_in *)a;
		char txt[INET_ADDRSTRLEN] = "?";
		inet_ntop(AF_INET, &ai->sin_addr, txt, sizeof txt);
		bc_expect_int(t, "recorded address family", a->sa_family, AF_INET);
		bc_expect_str(t, "recorded address (the peer's, from getpeername)", txt, "127.0.0.1");
		bc_expect_int(t, "recorded port", ntohs(ai->sin_port), ntohs(sin.sin_port));
	}
	bc_bytes_free(&got);
	evhttp_connection_free(c);
	close(s);
	close(lfd);
}
