/* churn.c: loopback connection churn. CONCURRENT clients at a time connect to a server in
 * the same event loop; the server greets each with a few bytes and frees its bufferevent
 * once they are written (hello-world's shape); a client that got the greeting frees its
 * own, and a new client takes its place. Clients close with SO_LINGER 0 (a reset), so no
 * TIME_WAIT piles up and repeated runs do not run out of ports. Prints completed
 * connections per second. Bounded: SECONDS (argv[1], default 1) or MAX_CONNS.
 *
 *   churn [seconds]   ->   "<backend> <conns/s> conn/s"
 */
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "bench.h"

enum { CONCURRENT = 8, MAX_CONNS = 200000 };
static const char GREETING[] = "hello\n";

static struct event_base *base;
static struct sockaddr_in server_addr;
static double deadline;
static unsigned long completed, failed;
static int live;         /* bufferevents (client or server) not yet freed */
static int stopping;

/* ---- server side ---- */

/* Every bufferevent freed, and no new client to start: the run is over. */
static void gone(void)
{
	if (--live == 0 && stopping)
		event_base_loopbreak(base);
}

static void server_written(struct bufferevent *bev, void *arg)
{
	(void)arg;
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
		bufferevent_free(bev);
		gone();
	}
}

static void server_event(struct bufferevent *bev, short what, void *arg)
{
	(void)what, (void)arg;
	bufferevent_free(bev);
	gone();
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len, void *arg)
{
	(void)l, (void)sa, (void)len, (void)arg;
	struct bufferevent *bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!bev)
		bench_die("bufferevent_socket_new");
	bufferevent_setcb(bev, NULL, server_written, server_event, NULL);
	bufferevent_disable(bev, EV_READ);
	bufferevent_write(bev, GREETING, sizeof GREETING - 1);
	live++;
}

/* ---- client side ---- */

static void start_client(void);

static void client_done(struct bufferevent *bev, int ok)
{
	struct linger lg = { 1, 0 };
	setsockopt(bufferevent_getfd(bev), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	bufferevent_free(bev);
	if (ok)
		completed++;
	else
		failed++;
	if (completed >= MAX_CONNS || failed > 100 || bench_now() >= deadline)
		stopping = 1;
	if (!stopping)
		start_client();
	gone();
}

static void client_read(struct bufferevent *bev, void *arg)
{
	(void)arg;
	if (evbuffer_get_length(bufferevent_get_input(bev)) >= sizeof GREETING - 1)
		client_done(bev, 1);
}

static void client_event(struct bufferevent *bev, short what, void *arg)
{
	(void)arg;
	if (what & BEV_EVENT_CONNECTED)
		return;
	client_done(bev, 0);
}

static void start_client(void)
{
	struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (!bev)
		bench_die("bufferevent_socket_new");
	bufferevent_setcb(bev, client_read, NULL, client_event, NULL);
	bufferevent_enable(bev, EV_READ);
	if (bufferevent_socket_connect(bev, (struct sockaddr *)&server_addr, sizeof server_addr) != 0)
		bench_die("bufferevent_socket_connect");
	live++;
}

static void on_guard(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what, (void)arg;
	failed++;
	event_base_loopbreak(base);
}

int main(int argc, char **argv)
{
	double seconds = bench_seconds(argc, argv);
	base = event_base_new();
	if (!base)
		bench_die("event_base_new");
	struct evconnlistener *l = bench_listen(base, on_accept, NULL, &server_addr);
	struct timeval guard_tv = { (time_t)seconds + 5, 0 };
	struct event *guard = evtimer_new(base, on_guard, NULL);
	evtimer_add(guard, &guard_tv);

	double start = bench_now();
	deadline = start + seconds;
	for (int i = 0; i < CONCURRENT; i++)
		start_client();
	event_base_dispatch(base);
	double elapsed = bench_now() - start;

	printf("%s %.0f conn/s\n", event_base_get_method(base), completed / elapsed);
	if (failed)
		fprintf(stderr, "churn: %lu connection(s) failed\n", failed);
	event_free(guard);
	evconnlistener_free(l);
	event_base_free(base);
	return failed != 0 || completed == 0;
}
