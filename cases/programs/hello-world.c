/* hello-world.c: the server of libevent's sample/hello-world.c, written against the
 * plain libevent 2.1 API and built once per implementation (build/<impl>/hello-world).
 *
 *   hello-world [PORT]     listen on 127.0.0.1:PORT (0 or absent: a port the kernel picks)
 *
 * It prints "port N" once listening, then greets every client with MESSAGE and closes
 * the connection once the greeting is written. SIGINT ends the loop; exit status 0. */
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/buffer.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <event2/event.h>

static const char MESSAGE[] = "Hello, World!\n";

static void conn_writecb(struct bufferevent *bev, void *user_data)
{
	(void)user_data;
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		bufferevent_free(bev); /* everything written: close (BEV_OPT_CLOSE_ON_FREE) */
}

static void conn_eventcb(struct bufferevent *bev, short events, void *user_data)
{
	(void)user_data;
	if (events & BEV_EVENT_ERROR)
		fprintf(stderr, "hello-world: connection error: %s\n",
			evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	bufferevent_free(bev);
}

static void listener_cb(struct evconnlistener *listener, evutil_socket_t fd, struct sockaddr *sa,
			int socklen, void *user_data)
{
	struct event_base *base = user_data;
	(void)listener, (void)sa, (void)socklen;
	struct bufferevent *bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!bev) {
		fprintf(stderr, "hello-world: error constructing bufferevent\n");
		event_base_loopbreak(base);
		return;
	}
	bufferevent_setcb(bev, NULL, conn_writecb, conn_eventcb, NULL);
	bufferevent_enable(bev, EV_WRITE);
	bufferevent_disable(bev, EV_READ);
	bufferevent_write(bev, MESSAGE, strlen(MESSAGE));
}

static void signal_cb(evutil_socket_t sig, short events, void *user_data)
{
	struct event_base *base = user_data;
	struct timeval delay = { 0, 0 };
	(void)sig, (void)events;
	fprintf(stderr, "hello-world: caught an interrupt signal; exiting cleanly.\n");
	event_base_loopexit(base, &delay);
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 0;
	struct event_base *base = event_base_new();
	if (!base) {
		fprintf(stderr, "hello-world: could not initialize libevent\n");
		return 1;
	}
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((unsigned short)port);
	struct evconnlistener *listener = evconnlistener_new_bind(base, listener_cb, base,
		LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE, -1, (struct sockaddr *)&sin, sizeof sin);
	if (!listener) {
		fprintf(stderr, "hello-world: could not create a listener\n");
		return 1;
	}
	socklen_t len = sizeof sin;
	getsockname(evconnlistener_get_fd(listener), (struct sockaddr *)&sin, &len);
	printf("port %d\n", ntohs(sin.sin_port));
	fflush(stdout);

	struct event *signal_event = evsignal_new(base, SIGINT, signal_cb, base);
	if (!signal_event || event_add(signal_event, NULL) < 0) {
		fprintf(stderr, "hello-world: could not create/add a signal event\n");
		return 1;
	}
	event_base_dispatch(base);

	evconnlistener_free(listener);
	event_free(signal_event);
	event_base_free(base);
	return 0;
}
