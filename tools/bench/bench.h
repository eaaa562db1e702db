/* bench.h: what echo.c and churn.c share. Both are plain libevent programs (the event2 headers
 * only), built against each implementation like the runner, loopback only, and bounded
 * both in time (SECONDS) and in count. Each prints one line, "<backend> <figure> <unit>". */
#ifndef BEVCONF_BENCH_H
#define BEVCONF_BENCH_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/event.h>
#include <event2/listener.h>

static inline double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline void bench_die(const char *what)
{
	fprintf(stderr, "bench: %s failed\n", what);
	exit(1);
}

/* A listener on 127.0.0.1, any port; *sin gets the address to connect to. */
static inline struct evconnlistener *bench_listen(struct event_base *base, evconnlistener_cb cb,
						  void *arg, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof *sin);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct evconnlistener *l = evconnlistener_new_bind(base, cb, arg,
		LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE, 128, (struct sockaddr *)sin, sizeof *sin);
	if (!l)
		bench_die("evconnlistener_new_bind");
	socklen_t len = sizeof *sin;
	if (getsockname(evconnlistener_get_fd(l), (struct sockaddr *)sin, &len) != 0)
		bench_die("getsockname");
	return l;
}

/* Seconds to run: argv[1], else 1. */
static inline double bench_seconds(int argc, char **argv)
{
	double s = argc > 1 ? atof(argv[1]) : 1.0;
	return s > 0 && s <= 60 ? s : 1.0;
}

#endif
