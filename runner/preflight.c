/* preflight.c: before the cases, short probes of what many cases rely on (the loop's
 * EVLOOP_ONCE and EVLOOP_NONBLOCK, timers, deferred callbacks, event_base_get_method).
 * Without the loop's flags the harness steps the loop with event_base_loopexit (wait.c).
 * Each probe runs in its own process with a deadline, so a loop that never returns or a
 * function the implementation lacks (its stub exits) shows as a missing capability
 * instead of hanging the run. A case that needs a missing capability is a SKIP naming it,
 * not a bare TIMEOUT. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bevconf.h"
#include "runner.h"

#define PROBE_DEADLINE_S 2

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	*(int *)arg += 1;
}

/* Run the loop for ms, however it treats its flags. */
static void run_for(struct event_base *base, int ms)
{
	struct timeval tv = { 0, ms * 1000 };
	event_base_loopexit(base, &tv);
	event_base_loop(base, 0);
}

#if defined(BC_HAVE_EVLOOP_ONCE) && defined(BC_HAVE_EVLOOP_NONBLOCK)
/* EVLOOP_ONCE returns once an active event ran, though another timer is still pending. */
static bool probe_loop_once(struct event_base *base)
{
	int fired = 0, late = 0;
	struct timeval now = { 0, 0 }, later = { 60, 0 };
	struct event *a = evtimer_new(base, on_timer, &fired), *b = evtimer_new(base, on_timer, &late);
	evtimer_add(a, &now);
	evtimer_add(b, &later);
	event_base_loop(base, EVLOOP_ONCE);
	event_free(a);
	event_free(b);
	return fired == 1;
}

/* EVLOOP_NONBLOCK returns at once with an event pending that is not ready. */
static bool probe_loop_nonblock(struct event_base *base)
{
	int fired = 0;
	struct timeval later = { 60, 0 };
	struct event *b = evtimer_new(base, on_timer, &fired);
	evtimer_add(b, &later);
	event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	event_free(b);
	return fired == 0;
}
#else
static bool probe_loop_once(struct event_base *base) { (void)base; return false; }
static bool probe_loop_nonblock(struct event_base *base) { (void)base; return false; }
#endif

/* A 10 ms timer fires, and not before its time. */
static bool probe_timers(struct event_base *base)
{
	int fired = 0;
	struct timeval tv = { 0, 10000 };
	double t0 = bc_now_ms();
	struct event *a = evtimer_new(base, on_timer, &fired);
	evtimer_add(a, &tv);
	while (!fired && bc_now_ms() - t0 < 1000)
		run_for(base, 20);
	event_free(a);
	return fired && bc_now_ms() - t0 >= 9;
}

static void on_write(struct bufferevent *bev, void *arg)
{
	(void)bev;
	*(int *)arg += 1;
}

/* A socket bufferevent with BEV_OPT_DEFER_CALLBACKS runs its writecb. */
static bool probe_deferred(struct event_base *base)
{
#ifdef BC_HAVE_BEV_OPT_DEFER_CALLBACKS
	int sv[2], calls = 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) != 0)
		return false;
	struct bufferevent *bev = bufferevent_socket_new(base, sv[0], BEV_OPT_DEFER_CALLBACKS);
	if (!bev)
		return false;
	bufferevent_setcb(bev, NULL, on_write, NULL, &calls);
	bufferevent_write(bev, "x", 1);
	for (int i = 0; i < 50 && !calls; i++)
		run_for(base, 20);
	bufferevent_free(bev);
	close(sv[0]);
	close(sv[1]);
	return calls > 0;
#else
	(void)base;
	return false;
#endif
}

static bool probe_get_method(struct event_base *base)
{
	const char *m = bc_base_method(base);
	return m && *m;
}

static const struct capability {
	enum bc_capability id;
	const char *name, *what;
	bool (*probe)(struct event_base *base);
	const char *without;  /* what the run does without it */
} capabilities[] = {
	{ BC_CAP_LOOP_ONCE, "loop-once", "event_base_loop(EVLOOP_ONCE) returns after one pass", probe_loop_once,
	  "the harness steps the loop with event_base_loopexit instead" },
	{ BC_CAP_LOOP_NONBLOCK, "loop-nonblock", "event_base_loop(EVLOOP_NONBLOCK) does not wait", probe_loop_nonblock,
	  "the harness steps the loop with event_base_loopexit instead" },
	{ BC_CAP_TIMERS, "timers", "a 10 ms timer fires after 10 ms", probe_timers,
	  "every case waits with a timer: all SKIP" },
	{ BC_CAP_DEFERRED, "deferred", "BEV_OPT_DEFER_CALLBACKS callbacks run", probe_deferred,
	  "the deferred (DEFER_CALLBACKS) variants SKIP" },
	{ BC_CAP_GET_METHOD, "get-method", "event_base_get_method() names the backend", probe_get_method,
	  "the backend is not verified" },
};
#define NCAPS (sizeof capabilities / sizeof capabilities[0])

static unsigned missing;

/* Run answer(fd, arg) in a child with a deadline, its output silenced, and read what it
 * writes to fd into buf (NUL-terminated). A stub for a missing function ends the child, a
 * loop that never returns meets the deadline's SIGALRM: both leave buf empty. The exit
 * status is not the answer, since a memory checker may set it. */
static void ask_child(void (*answer)(int fd, const void *arg), const void *arg, char *buf, size_t n)
{
	int fds[2];
	buf[0] = '\0';
	if (pipe(fds) != 0)
		return;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		int null = open("/dev/null", O_WRONLY);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		alarm(PROBE_DEADLINE_S);
		answer(fds[1], arg);
		_exit(0);
	}
	close(fds[1]);
	ssize_t got = pid > 0 ? read(fds[0], buf, n - 1) : -1;
	buf[got > 0 ? got : 0] = '\0';
	close(fds[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

static void answer_probe(int fd, const void *arg)
{
	const struct capability *c = arg;
	struct event_base *base = event_base_new();
	(void)!write(fd, base && c->probe(base) ? "y" : "n", 1);
	if (base)
		event_base_free(base); /* nothing left for a leak checker to report */
}

static char version[64];

const char *bc_version(void)
{
	return version;
}

void bc_preflight(void)
{
	snprintf(version, sizeof version, "%s", bc_impl_version() ? bc_impl_version() : "");
	for (size_t i = 0; i < NCAPS; i++) {
		char answer[2];
		ask_child(answer_probe, &capabilities[i], answer, sizeof answer);
		if (answer[0] != 'y')
			missing |= 1u << capabilities[i].id;
	}
	bc_loop_flags = bc_has(BC_CAP_LOOP_ONCE) && bc_has(BC_CAP_LOOP_NONBLOCK);
}

void bc_preflight_print(void)
{
	printf("bevconf: preflight:");
	for (size_t i = 0; i < NCAPS; i++)
		printf(" %s %s", capabilities[i].name, bc_has(capabilities[i].id) ? "yes" : "NO");
	printf("\n");
	for (size_t i = 0; i < NCAPS; i++)
		if (!bc_has(capabilities[i].id))
			printf("bevconf: preflight: missing %s: %s does not hold; %s\n",
			       capabilities[i].name, capabilities[i].what, capabilities[i].without);
	fflush(stdout);
}

bool bc_has(enum bc_capability id)
{
	return !(missing & (1u << id));
}

/* Every case waits with a timer; the BC_DEFER rows also need deferred callbacks. (The
 * loop's flags and event_base_get_method the harness does without.) */
const char *bc_missing_for(const struct bc_case *c)
{
	static char reason[256];
	for (size_t i = 0; i < NCAPS; i++) {
		const struct capability *cap = &capabilities[i];
		bool needed = cap->id == BC_CAP_TIMERS || (cap->id == BC_CAP_DEFERRED && (c->param & BC_DEFER));
		if (needed && !bc_has(cap->id)) {
			snprintf(reason, sizeof reason, "needs %s: %s does not hold on this implementation (preflight)",
				 cap->name, cap->what);
			return reason;
		}
	}
	return NULL;
}
