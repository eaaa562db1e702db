/* echo.c: loopback echo throughput. A client and an echo server share one event loop
 * over one TCP connection; the client keeps WINDOW bytes in flight (whatever comes back
 * is sent out again), so each byte crosses the implementation four times (two reads,
 * two writes) per round trip. Prints the bytes the client got back per second, in MB/s.
 * Bounded: SECONDS (argv[1], default 1) or MAX_BYTES, whichever comes first.
 *
 *   echo [seconds]   ->   "<backend> <MB/s> MB/s"
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "bench.h"

enum { WINDOW = 256 * 1024 };
#define MAX_BYTES (64ULL << 30)

static struct event_base *base;
static double deadline;
static unsigned long long received;
static int failed;

/* Both ends: whatever arrives goes straight back out (the chains move, nothing copies). */
static void server_read(struct bufferevent *bev, void *arg)
{
	(void)arg;
	evbuffer_add_buffer(bufferevent_get_output(bev), bufferevent_get_input(bev));
}

static void client_read(struct bufferevent *bev, void *arg)
{
	(void)arg;
	received += evbuffer_get_length(bufferevent_get_input(bev));
	server_read(bev, NULL);
	if (received >= MAX_BYTES || bench_now() >= deadline)
		event_base_loopbreak(base);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev, (void)arg;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		failed = 1;
		event_base_loopbreak(base);
	}
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len, void *arg)
{
	(void)l, (void)sa, (void)len;
	struct bufferevent *bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!bev)
		bench_die("bufferevent_socket_new");
	*(struct bufferevent **)arg = bev;
	bufferevent_setcb(bev, server_read, NULL, on_event, NULL);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static void on_guard(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what, (void)arg;
	failed = 1; /* no byte came back for a long while */
	event_base_loopbreak(base);
}

int main(int argc, char **argv)
{
	double seconds = bench_seconds(argc, argv);
	base = event_base_new();
	if (!base)
		bench_die("event_base_new");
	struct sockaddr_in sin;
	struct bufferevent *server = NULL;
	struct evconnlistener *l = bench_listen(base, on_accept, &server, &sin);

	struct bufferevent *client = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (!client || bufferevent_socket_connect(client, (struct sockaddr *)&sin, sizeof sin) != 0)
		bench_die("bufferevent_socket_connect");
	bufferevent_setcb(client, client_read, NULL, on_event, NULL);
	bufferevent_enable(client, EV_READ | EV_WRITE);
	static char window[WINDOW];
	memset(window, 'x', sizeof window);
	bufferevent_write(client, window, sizeof window);

	struct timeval guard_tv = { (time_t)seconds + 5, 0 };
	struct event *guard = evtimer_new(base, on_guard, NULL);
	evtimer_add(guard, &guard_tv);
	double start = bench_now();
	deadline = start + seconds;
	event_base_dispatch(base);
	double elapsed = bench_now() - start;

	printf("%s %.1f MB/s\n", event_base_get_method(base), received / elapsed / 1e6);
	event_free(guard);
	bufferevent_free(client);
	if (server)
		bufferevent_free(server);
	evconnlistener_free(l);
	event_base_free(base);
	return failed || received == 0;
}
