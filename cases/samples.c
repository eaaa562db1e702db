/* Area L: what libevent 2.1.12's sample programs hello-world.c, signal-test.c and
 * event-read-fifo.c rely on, each run the way its main() runs: under event_base_dispatch,
 * ended as the program ends (samples.h). What the programs print is left out; a user's
 * Ctrl-C is raise(SIGINT), and the client or the writer is the case itself. time-test.c,
 * which needs struct event complete, is in samples_time.c. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "samples.h"

/* The programs' callbacks get only what the samples pass them (the base, the event), so
 * the state a case checks is a file-level variable, as the samples' own globals are. */

/* ---- L8: hello-world.c, serving one client, then ended with Ctrl-C ---- */
static const char GREETING[] = "Hello, World!\n";
#define HELLO_EXIT_DELAY_MS 50 /* the sample waits 2 s */

static struct hello_prog {
	struct bc_ctx *t;
	struct sample_guard guard;
	int accepted, flushed, conn_events, signals;
	evutil_socket_t sig_fd;
	short sig_what;
	void *sig_arg;
	double exit_asked_ms;    /* the loop's clock when the signal callback asked to exit */
	evutil_socket_t client;  /* a raw client socket, read from the loop */
	struct event *client_ev;
	struct bc_bytes got;
} hello;

static void hello_conn_writecb(struct bufferevent *bev, void *arg)
{
	(void)arg;
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
		hello.flushed++;
		bufferevent_free(bev); /* the greeting is out: close (BEV_OPT_CLOSE_ON_FREE) */
	}
}

static void hello_conn_eventcb(struct bufferevent *bev, short events, void *arg)
{
	(void)events, (void)arg;
	hello.conn_events++;
	bufferevent_free(bev);
}

static void hello_listener_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
			      int socklen, void *arg)
{
	struct event_base *base = arg;
	(void)l, (void)sa, (void)socklen;
	hello.accepted++;
	struct bufferevent *bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!bev) {
		event_base_loopbreak(base);
		return;
	}
	bufferevent_setcb(bev, NULL, hello_conn_writecb, hello_conn_eventcb, NULL);
	bufferevent_enable(bev, EV_WRITE);
	bufferevent_disable(bev, EV_READ);
	bufferevent_write(bev, GREETING, strlen(GREETING));
}

static void hello_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct event_base *base = arg;
	struct timeval delay = { 0, HELLO_EXIT_DELAY_MS * 1000 };
	hello.signals++;
	hello.sig_fd = sig;
	hello.sig_what = what;
	hello.sig_arg = arg;
	hello.exit_asked_ms = sample_loop_ms(base);
	event_base_loopexit(base, &delay);
}

/* The client: reads the greeting to EOF, then the user presses Ctrl-C. */
static void hello_client_readable(evutil_socket_t fd, short what, void *arg)
{
	(void)what, (void)arg;
	bc_recv_avail(fd, &hello.got);
	if (!hello.got.eof)
		return;
	event_del(hello.client_ev);
	raise(SIGINT);
}

void sample_hello_world(struct bc_ctx *t)
{
	memset(&hello, 0, sizeof hello);
	hello.t = t;
	hello.sig_fd = -1;
	struct event_base *base = t->base;
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* the sample: any address, port 9995 */
	struct evconnlistener *listener = evconnlistener_new_bind(base, hello_listener_cb, base,
		LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE, -1, (struct sockaddr *)&sin, sizeof sin);
	bc_expect(t, "evconnlistener_new_bind on 127.0.0.1:0", listener != NULL);
	struct event *signal_event = evsignal_new(base, SIGINT, hello_signal_cb, base);
	bc_expect(t, "evsignal_new(SIGINT)", signal_event != NULL);
	bc_expect_int(t, "event_add of the signal event", event_add(signal_event, NULL), 0);

	socklen_t len = sizeof sin;
	bc_expect_int(t, "getsockname on the listener fd",
		      getsockname(evconnlistener_get_fd(listener), (struct sockaddr *)&sin, &len), 0);
	hello.client = socket(AF_INET, SOCK_STREAM, 0);
	bc_expect_int(t, "the client's connect (the kernel completes it before any accept)",
		      connect(hello.client, (struct sockaddr *)&sin, sizeof sin), 0);
	evutil_make_socket_nonblocking(hello.client);
	hello.client_ev = event_new(base, hello.client, EV_READ | EV_PERSIST, hello_client_readable, NULL);
	event_add(hello.client_ev, NULL);

	sample_guard_start(t, &hello.guard);
	int rc = event_base_dispatch(base);
	double returned_ms = sample_wall_ms();
	bool exited = event_base_got_exit(base);
	bool guard_fired = hello.guard.fired;
	sample_guard_end(&hello.guard);

	bc_expect_int(t, "connections accepted", hello.accepted, 1);
	bc_expect_int(t, "bytes the client got", (long long)hello.got.len, (long long)strlen(GREETING));
	bc_expect(t, "the client got the greeting",
		  memcmp(hello.got.data, GREETING, strlen(GREETING)) == 0);
	bc_expect(t, "the client saw EOF", hello.got.eof);
	bc_expect_int(t, "server writecbs that found the output empty (and freed)", hello.flushed, 1);
	bc_expect_int(t, "server eventcbs", hello.conn_events, 0);
	bc_expect_int(t, "signal callbacks", hello.signals, 1);
	bc_expect_int(t, "the signal callback's fd", hello.sig_fd, SIGINT);
	bc_expect_what(t, "the signal callback's what", hello.sig_what, EV_SIGNAL);
	bc_expect(t, "the signal callback's arg is the base", hello.sig_arg == base);
	bc_expect(t, "the run ended before the 2 s guard", !guard_fired);
	bc_expect_int(t, "event_base_dispatch after event_base_loopexit", rc, 0);
	bc_expect(t, "event_base_got_exit", exited);
	char waited[64];
	snprintf(waited, sizeof waited, "%.1f ms", returned_ms - hello.exit_asked_ms);
	if (returned_ms - hello.exit_asked_ms < HELLO_EXIT_DELAY_MS - SAMPLE_CLOCK_SLACK_MS)
		bc_fail(t, "time from event_base_loopexit to the loop's return", waited,
			"at least " BC_XSTR_(HELLO_EXIT_DELAY_MS) " ms");
	bc_expect(t, "the signal event is still added (loopexit ended the loop, not a lack of events)",
		  event_pending(signal_event, EV_SIGNAL, NULL) != 0);

	evconnlistener_free(listener);
	event_free(signal_event);
	event_free(hello.client_ev);
	close(hello.client);
	bc_bytes_free(&hello.got);
}

/* ---- L4-L6: signal-test.c, a persistent SIGINT event counting to three ---- */
enum { SIGTEST_ONE_BY_ONE, SIGTEST_RESTORE, SIGTEST_BURST };
#define SIGTEST_MAX 8

static struct sigtest_prog {
	int mode;
	struct sample_guard guard;
	int called; /* the sample's global */
	evutil_socket_t fd[SIGTEST_MAX];
	short what[SIGTEST_MAX];
	void *arg[SIGTEST_MAX];
	int signo[SIGTEST_MAX]; /* event_get_signal inside the call */
	int pending_after_del;
} sigtest;

/* The handler SIGINT had before the program added its event. */
static volatile sig_atomic_t previous_handler_runs;
static void previous_handler(int sig)
{
	(void)sig;
	previous_handler_runs++;
}

static void sigtest_cb(evutil_socket_t fd, short what, void *arg)
{
	struct event *signal = arg;
	int k = sigtest.called;
	if (k < SIGTEST_MAX) {
		sigtest.fd[k] = fd;
		sigtest.what[k] = what;
		sigtest.arg[k] = arg;
		sigtest.signo[k] = event_get_signal(signal);
	}
	if (sigtest.called >= 2) {
		event_del(signal);
		sigtest.pending_after_del = event_pending(signal, EV_SIGNAL, NULL);
		sample_guard_end(&sigtest.guard); /* the program's last event is gone */
	} else if (sigtest.mode != SIGTEST_BURST) {
		raise(SIGINT); /* the user presses Ctrl-C again */
	}
	sigtest.called++;
}

static void sigtest_nothing(evutil_socket_t fd, short what, void *arg) { (void)fd, (void)what, (void)arg; }

void sample_signal_test(struct bc_ctx *t)
{
	memset(&sigtest, 0, sizeof sigtest);
	sigtest.mode = bc_param(t);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = previous_handler;
	sigemptyset(&sa.sa_mask);
	bc_expect_int(t, "installing the program's previous SIGINT handler", sigaction(SIGINT, &sa, NULL), 0);
	previous_handler_runs = 0;

	struct event *signal_int = evsignal_new(t->base, SIGINT, sigtest_cb, event_self_cbarg());
	bc_expect(t, "evsignal_new(SIGINT, event_self_cbarg())", signal_int != NULL);
	bc_expect_int(t, "event_add of the signal event", event_add(signal_int, NULL), 0);
	int raised = sigtest.mode == SIGTEST_BURST ? 4 : 1;
	for (int i = 0; i < raised; i++)
		raise(SIGINT);

	sample_guard_start(t, &sigtest.guard);
	int rc = event_base_dispatch(t->base);
	bool guard_fired = sigtest.guard.fired;
	sample_guard_end(&sigtest.guard);

	bc_expect_int(t, "signal callbacks", sigtest.called, 3);
	bc_expect(t, "the run ended before the 2 s guard", !guard_fired);
	for (int k = 0; k < 3; k++) {
		bc_expect_int(t, "the callback's fd", sigtest.fd[k], SIGINT);
		bc_expect_what(t, "the callback's what", sigtest.what[k], EV_SIGNAL);
		bc_expect(t, "the callback's arg is the event (event_self_cbarg)", sigtest.arg[k] == signal_int);
		bc_expect_int(t, "event_get_signal in the callback", sigtest.signo[k], SIGINT);
	}
	bc_expect_int(t, "event_pending right after event_del", sigtest.pending_after_del, 0);
	bc_expect_int(t, "event_base_dispatch once the only event is deleted", rc, 1);
	bc_expect_int(t, "SIGINTs that reached the previous handler meanwhile", previous_handler_runs, 0);

	/* After event_del, another Ctrl-C no longer reaches the program's callback, in loop
	 * passes that do wait for events (a timer keeps the loop from running out). Which
	 * handler gets it is L5's business: one that would end the process is not tried. */
	struct sigaction now;
	sigaction(SIGINT, NULL, &now);
	if (sigtest.mode == SIGTEST_RESTORE || now.sa_handler != SIG_DFL) {
		struct event *keep = evtimer_new(t->base, sigtest_nothing, NULL);
		struct timeval later = { 10, 0 };
		evtimer_add(keep, &later);
		raise(SIGINT);
		bc_passes(t, 3);
		event_free(keep);
		bc_expect_int(t, "signal callbacks after a SIGINT raised past event_del", sigtest.called, 3);
	}
	if (sigtest.mode == SIGTEST_RESTORE)
		bc_expect_int(t, "runs of the previous handler for that SIGINT", previous_handler_runs, 1);
	event_free(signal_int);
	signal(SIGINT, SIG_DFL);
}

/* ---- L7: event-read-fifo.c, reading a FIFO to its end ---- */
#define FIFO_FIRST 600 /* read 254 bytes at a time: three calls */
static const char FIFO_SECOND[] = "second";

static struct fifo_prog {
	struct bc_ctx *t;
	struct sample_guard guard;
	evutil_socket_t writer;
	int calls;
	evutil_socket_t fd[8];
	short what[8];
	void *arg[8];
	int len[8];
	int read_errno;
	struct bc_bytes got;
} fifo;

/* The writer's side: all of it now (a FIFO holds far more than these bytes). */
static void fifo_write(struct bc_ctx *t, const void *p, size_t n)
{
	bc_expect_int(t, "write() into the FIFO", (long long)write(fifo.writer, p, n), (long long)n);
}

static void fifo_read(evutil_socket_t fd, short event, void *arg)
{
	char buf[255];
	struct event *ev = arg;
	int k = fifo.calls++;
	int len = (int)read(fd, buf, sizeof buf - 1);
	if (k < 8) {
		fifo.fd[k] = fd;
		fifo.what[k] = event;
		fifo.arg[k] = arg;
		fifo.len[k] = len;
	}
	if (len <= 0) {
		if (len < 0)
			fifo.read_errno = errno;
		event_del(ev);
		event_base_loopbreak(event_get_base(ev));
		return;
	}
	bc_bytes_add(&fifo.got, buf, (size_t)len);
	/* The writer goes on once the first bytes are all read: more bytes, then its close. */
	if (fifo.got.len == FIFO_FIRST)
		fifo_write(fifo.t, FIFO_SECOND, strlen(FIFO_SECOND));
	else if (fifo.got.len == FIFO_FIRST + strlen(FIFO_SECOND)) {
		close(fifo.writer);
		fifo.writer = -1;
	}
}

static void fifo_signal_cb(evutil_socket_t fd, short event, void *arg)
{
	(void)fd, (void)event;
	event_base_loopbreak(arg);
}

void sample_event_read_fifo(struct bc_ctx *t)
{
	memset(&fifo, 0, sizeof fifo);
	fifo.t = t;
	char dir[] = "/tmp/bevconf-fifo-XXXXXX";
	bc_expect(t, "mkdtemp", mkdtemp(dir) != NULL);
	char path[sizeof dir + 16];
	snprintf(path, sizeof path, "%s/event.fifo", dir);
	bc_expect_int(t, "mkfifo", mkfifo(path, 0600), 0);
	evutil_socket_t socket = open(path, O_RDONLY | O_NONBLOCK, 0);
	bc_expect(t, "opening the FIFO to read", socket >= 0);
	fifo.writer = open(path, O_WRONLY | O_NONBLOCK);
	bc_expect(t, "opening the FIFO to write", fifo.writer >= 0);

	struct event_base *base = t->base;
	struct event *signal_int = evsignal_new(base, SIGINT, fifo_signal_cb, base);
	event_add(signal_int, NULL);
	struct event *evfifo = event_new(base, socket, EV_READ | EV_PERSIST, fifo_read, event_self_cbarg());
	bc_expect(t, "event_new(fifo, EV_READ|EV_PERSIST, event_self_cbarg())", evfifo != NULL);
	bc_expect_int(t, "event_add of the FIFO event", event_add(evfifo, NULL), 0);
	unsigned char first[FIFO_FIRST];
	bc_pattern(first, sizeof first, 0);
	fifo_write(t, first, sizeof first);

	sample_guard_start(t, &fifo.guard);
	int rc = event_base_dispatch(base);
	bool broke = event_base_got_break(base);
	bool guard_fired = fifo.guard.fired;
	sample_guard_end(&fifo.guard);

	static const int lens[] = { 254, 254, FIFO_FIRST - 2 * 254, sizeof FIFO_SECOND - 1, 0 };
	const int n = (int)(sizeof lens / sizeof lens[0]);
	for (int k = 0; k < n && k < fifo.calls; k++) {
		char label[64];
		snprintf(label, sizeof label, "read() in call %d", k + 1);
		if (fifo.len[k] < 0) { /* a call with nothing to read: the sample would stop here */
			char actual[96], expected[16];
			snprintf(actual, sizeof actual, "-1 (%s)", strerror(fifo.read_errno));
			snprintf(expected, sizeof expected, "%d", lens[k]);
			bc_fail(t, label, actual, expected);
		}
		bc_expect_int(t, label, fifo.len[k], lens[k]);
		bc_expect_int(t, "the callback's fd", fifo.fd[k], socket);
		bc_expect_what(t, "the callback's what", fifo.what[k], EV_READ);
		bc_expect(t, "the callback's arg is the event (event_self_cbarg)", fifo.arg[k] == evfifo);
	}
	bc_expect_int(t, "FIFO callbacks", fifo.calls, n);
	bc_expect(t, "the run ended before the 2 s guard", !guard_fired);
	struct bc_bytes first_got = { fifo.got.data, fifo.got.len < FIFO_FIRST ? fifo.got.len : FIFO_FIRST, 0, false };
	bc_expect_pattern(t, "the first bytes, in order", &first_got, FIFO_FIRST);
	bc_expect(t, "then the later bytes", memcmp(fifo.got.data + FIFO_FIRST, FIFO_SECOND, strlen(FIFO_SECOND)) == 0);
	bc_expect_int(t, "event_base_dispatch after event_base_loopbreak", rc, 0);
	bc_expect(t, "event_base_got_break", broke);
	bc_expect_int(t, "the FIFO event is deleted", event_pending(evfifo, EV_READ, NULL), 0);
	bc_expect(t, "the signal event is still added", event_pending(signal_int, EV_SIGNAL, NULL) != 0);

	event_free(evfifo);
	event_free(signal_int);
	signal(SIGINT, SIG_DFL);
	close(socket);
	if (fifo.writer >= 0)
		close(fifo.writer);
	unlink(path);
	rmdir(dir);
	bc_bytes_free(&fifo.got);
}
