/* event.c: the reactor core.
 *
 * An event_base owns
 *   - the fd table: for every fd, the events waiting on it and the interest (EV_READ,
 *     EV_WRITE) the backend was told about;
 *   - a min-heap of timers ordered by deadline;
 *   - the signal lists, fed by a self-pipe;
 *   - the active queues: callbacks ready to run, one FIFO per priority (one unless
 *     event_base_priority_init asks for more); a lower number runs first.
 *
 * One turn of the loop: ask the backend to wait (no longer than the nearest timer, not at
 * all if work is queued), move expired timers to the active queue, then run the active
 * queue until it is empty. Callbacks may queue more work (deferred callbacks); it runs in
 * the same turn. The backend (epoll.c, poll.c) is reached only through struct ev_backend.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event-internal.h"

struct fd_slot {
	struct event *events; /* newest first, as libevent's evmap */
	short interest;       /* what the backend watches for this fd */
};

struct event_base {
	const struct ev_backend *backend;
	void *backend_state;

	struct fd_slot *fds;
	int nfds;

	struct event **heap; /* timers: heap[0] has the earliest deadline */
	int heap_len, heap_cap;

	struct active_queue { struct event_callback *head, *tail; } *queues;
	int nqueues; /* the number of priorities */
	int nactive; /* callbacks queued, over all queues */
	int nadded; /* user events registered (I/O, signal or timer): the loop runs while > 0 */

	struct event *sig_events[NSIG]; /* signal events by signal number */
	struct event sig_pipe_ev;       /* internal: the read end of the self-pipe */
	int sig_pipe[2];
	struct sigaction sig_saved[NSIG];
	bool sig_installed[NSIG];

	struct event *once_list; /* event_base_once events not yet run (freed with the base) */

	bool exit_requested, break_requested;
	bool running;
	struct event *current; /* the event whose callback is running (event_self_cbarg) */
};

struct event_config {
	const char *avoid[8];
	int navoid;
	int flags;
};

static const struct ev_backend *const backends[] = { &ev_backend_epoll, &ev_backend_poll };
#define NBACKENDS ((int)(sizeof backends / sizeof backends[0]))

/* ---- time ---- */

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t tv_us(const struct timeval *tv)
{
	return (int64_t)tv->tv_sec * 1000000 + tv->tv_usec;
}

/* ---- the active queue ---- */

void ev_callback_init(struct event_callback *cb, void (*run)(struct event_callback *))
{
	memset(cb, 0, sizeof *cb);
	cb->run = run;
	cb->pri = -1;
}

bool ev_callback_schedule(struct event_base *base, struct event_callback *cb)
{
	if (cb->queued)
		return false;
	int q = cb->pri < 0 ? base->nqueues / 2 : cb->pri;
	if (q >= base->nqueues) /* set under an older, larger number of priorities */
		q = base->nqueues - 1;
	struct active_queue *aq = &base->queues[q];
	cb->queued = true;
	cb->queue = q;
	cb->next = NULL;
	cb->prev = aq->tail;
	if (aq->tail)
		aq->tail->next = cb;
	else
		aq->head = cb;
	aq->tail = cb;
	base->nactive++;
	return true;
}

bool ev_callback_cancel(struct event_base *base, struct event_callback *cb)
{
	if (!cb->queued)
		return false;
	struct active_queue *aq = &base->queues[cb->queue];
	if (cb->prev)
		cb->prev->next = cb->next;
	else
		aq->head = cb->next;
	if (cb->next)
		cb->next->prev = cb->prev;
	else
		aq->tail = cb->prev;
	cb->queued = false;
	cb->next = cb->prev = NULL;
	base->nactive--;
	return true;
}

/* The next callback to run: the oldest of the best priority. */
static struct event_callback *next_active(struct event_base *base)
{
	for (int q = 0; base->nactive && q < base->nqueues; q++)
		if (base->queues[q].head)
			return base->queues[q].head;
	return NULL;
}

/* ---- the timer heap ---- */

static void heap_set(struct event_base *base, int i, struct event *ev)
{
	base->heap[i] = ev;
	ev->heap_index = i;
}

static void heap_up(struct event_base *base, int i)
{
	struct event *ev = base->heap[i];
	while (i > 0) {
		int parent = (i - 1) / 2;
		if (base->heap[parent]->deadline_us <= ev->deadline_us)
			break;
		heap_set(base, i, base->heap[parent]);
		i = parent;
	}
	heap_set(base, i, ev);
}

static void heap_down(struct event_base *base, int i)
{
	struct event *ev = base->heap[i];
	for (;;) {
		int child = 2 * i + 1;
		if (child >= base->heap_len)
			break;
		if (child + 1 < base->heap_len &&
		    base->heap[child + 1]->deadline_us < base->heap[child]->deadline_us)
			child++;
		if (ev->deadline_us <= base->heap[child]->deadline_us)
			break;
		heap_set(base, i, base->heap[child]);
		i = child;
	}
	heap_set(base, i, ev);
}

static int heap_push(struct event_base *base, struct event *ev)
{
	if (base->heap_len == base->heap_cap) {
		int cap = base->heap_cap ? 2 * base->heap_cap : 16;
		struct event **h = mm_realloc(base->heap, cap * sizeof *h);
		if (!h)
			return -1;
		base->heap = h;
		base->heap_cap = cap;
	}
	heap_set(base, base->heap_len++, ev);
	heap_up(base, ev->heap_index);
	return 0;
}

static void heap_remove(struct event_base *base, struct event *ev)
{
	int i = ev->heap_index;
	struct event *last = base->heap[--base->heap_len];
	if (last != ev) {
		heap_set(base, i, last);
		heap_up(base, i);
		heap_down(base, last->heap_index);
	}
	ev->heap_index = -1;
}

/* (Re)arm ev's timer to fire `tv` from now. */
static int timer_arm(struct event *ev, const struct timeval *tv)
{
	struct event_base *base = ev->base;
	ev->deadline_us = now_us() + tv_us(tv);
	if (ev->state & EVS_TIMER) {
		heap_up(base, ev->heap_index);
		heap_down(base, ev->heap_index);
		return 0;
	}
	if (heap_push(base, ev) != 0)
		return -1;
	ev->state |= EVS_TIMER;
	return 0;
}

static void timer_disarm(struct event *ev)
{
	if (ev->state & EVS_TIMER) {
		heap_remove(ev->base, ev);
		ev->state &= ~EVS_TIMER;
	}
}

void ev_remove_timer(struct event *ev)
{
	timer_disarm(ev);
	ev->has_timeout = false;
}

/* ---- the fd table ---- */

static int fd_slot_reserve(struct event_base *base, int fd)
{
	if (fd < base->nfds)
		return 0;
	int n = base->nfds ? base->nfds : 64;
	while (n <= fd)
		n *= 2;
	struct fd_slot *s = mm_realloc(base->fds, n * sizeof *s);
	if (!s)
		return -1;
	memset(s + base->nfds, 0, (n - base->nfds) * sizeof *s);
	base->fds = s;
	base->nfds = n;
	return 0;
}

/* Recompute what the backend must watch on fd from the events registered on it. */
static int fd_update_interest(struct event_base *base, int fd)
{
	struct fd_slot *slot = &base->fds[fd];
	short want = 0;
	for (struct event *e = slot->events; e; e = e->fd_next)
		want |= e->events & (EV_READ | EV_WRITE);
	if (want == slot->interest)
		return 0;
	int r = base->backend->change(base->backend_state, fd, slot->interest, want);
	slot->interest = want;
	return r;
}

static void list_insert(struct event **head, struct event *ev)
{
	ev->fd_prev = NULL;
	ev->fd_next = *head;
	if (*head)
		(*head)->fd_prev = ev;
	*head = ev;
}

static void list_remove(struct event **head, struct event *ev)
{
	if (ev->fd_prev)
		ev->fd_prev->fd_next = ev->fd_next;
	else
		*head = ev->fd_next;
	if (ev->fd_next)
		ev->fd_next->fd_prev = ev->fd_prev;
	ev->fd_next = ev->fd_prev = NULL;
}

static void event_activate(struct event *ev, short res)
{
	ev->res |= res;
	ev_callback_schedule(ev->base, &ev->cb);
}

void ev_io_ready(struct event_base *base, evutil_socket_t fd, short what)
{
	if (fd < 0 || fd >= base->nfds)
		return;
	for (struct event *e = base->fds[fd].events; e; e = e->fd_next)
		if (e->events & what)
			event_activate(e, e->events & what);
}

/* ---- signals: a handler writes the signal number into a pipe the loop watches ---- */

static int sig_write_fd = -1;

static void sig_handler(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;
	if (sig_write_fd >= 0)
		(void)!write(sig_write_fd, &b, 1);
	errno = saved;
}

static void sig_pipe_readable(evutil_socket_t fd, short what, void *arg)
{
	struct event_base *base = arg;
	unsigned char buf[64];
	ssize_t n;
	(void)what;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] < NSIG)
				for (struct event *e = base->sig_events[buf[i]]; e; e = e->fd_next) {
					e->nsignals++; /* one callback per delivery (run_event) */
					event_activate(e, EV_SIGNAL);
				}
}

static int event_add_internal(struct event *ev, const struct timeval *tv);

static int sig_add(struct event *ev)
{
	struct event_base *base = ev->base;
	int sig = ev->fd;
	if (sig <= 0 || sig >= NSIG)
		return -1;
	if (base->sig_pipe[0] < 0) {
		if (pipe2(base->sig_pipe, O_NONBLOCK | O_CLOEXEC) != 0)
			return -1;
		ev_assign(&base->sig_pipe_ev, base, base->sig_pipe[0], EV_READ | EV_PERSIST,
			  sig_pipe_readable, base);
		base->sig_pipe_ev.state |= EVS_INTERNAL;
		event_add_internal(&base->sig_pipe_ev, NULL);
		sig_write_fd = base->sig_pipe[1];
	}
	if (!base->sig_installed[sig]) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = sig_handler;
		sa.sa_flags = SA_RESTART;
		sigfillset(&sa.sa_mask);
		if (sigaction(sig, &sa, &base->sig_saved[sig]) != 0)
			return -1;
		base->sig_installed[sig] = true;
	}
	list_insert(&base->sig_events[sig], ev);
	return 0;
}

static void sig_del(struct event *ev)
{
	struct event_base *base = ev->base;
	int sig = ev->fd;
	list_remove(&base->sig_events[sig], ev);
	if (!base->sig_events[sig] && base->sig_installed[sig]) {
		sigaction(sig, &base->sig_saved[sig], NULL);
		base->sig_installed[sig] = false;
	}
}

/* ---- events ---- */

static void run_event(struct event_callback *cb);

void ev_assign(struct event *ev, struct event_base *base, evutil_socket_t fd, short events,
	       event_callback_fn fn, void *arg)
{
	memset(ev, 0, sizeof *ev);
	ev_callback_init(&ev->cb, run_event);
	ev->base = base;
	ev->fd = fd;
	ev->events = events;
	ev->fn = fn;
	ev->arg = arg;
	ev->heap_index = -1;
	ev->cb.pri = base ? base->nqueues / 2 : 0; /* as libevent: the middle priority */
}

/* An event in storage the program owns (event2/event_struct.h), or in event_new's.
 * Without a base it goes to event_init's; event_self_cbarg() as the argument means "the
 * event itself". A signal number cannot also be an fd to read or write. */
int event_assign(struct event *ev, struct event_base *base, evutil_socket_t fd, short events,
		 event_callback_fn fn, void *arg)
{
	if (!base)
		base = ev_current_base_;
	if (!ev || !base)
		return -1;
	if ((events & EV_SIGNAL) && (events & (EV_READ | EV_WRITE | EV_CLOSED))) {
		ev_warn("event_assign: EV_SIGNAL is not compatible with EV_READ, EV_WRITE or EV_CLOSED");
		return -1;
	}
	ev_assign(ev, base, fd, events, fn, arg == (void *)&event_self_cbarg ? ev : arg);
	return 0;
}

size_t event_get_struct_event_size(void)
{
	return sizeof(struct event);
}

struct event *event_new(struct event_base *base, evutil_socket_t fd, short events,
			event_callback_fn fn, void *arg)
{
	struct event *ev = mm_malloc(sizeof *ev);
	if (ev && event_assign(ev, base, fd, events, fn, arg) != 0) {
		mm_free(ev);
		ev = NULL;
	}
	return ev;
}

void *event_self_cbarg(void)
{
	return (void *)&event_self_cbarg;
}

static int event_add_internal(struct event *ev, const struct timeval *tv)
{
	struct event_base *base = ev->base;
	if (!(ev->state & EVS_ADDED)) {
		if (ev->events & EV_SIGNAL) {
			if (sig_add(ev) != 0)
				return -1;
		} else if ((ev->events & (EV_READ | EV_WRITE)) && ev->fd >= 0) {
			if (fd_slot_reserve(base, ev->fd) != 0)
				return -1;
			list_insert(&base->fds[ev->fd].events, ev);
			if (fd_update_interest(base, ev->fd) != 0) {
				list_remove(&base->fds[ev->fd].events, ev);
				base->fds[ev->fd].interest = 0;
				return -1;
			}
		}
		ev->state |= EVS_ADDED;
		if (!(ev->state & EVS_INTERNAL))
			base->nadded++;
	}
	if (tv) {
		ev->timeout = *tv;
		ev->has_timeout = true;
		return timer_arm(ev, tv);
	}
	return 0;
}

int event_add(struct event *ev, const struct timeval *tv)
{
	return ev ? event_add_internal(ev, tv) : -1;
}

int event_del(struct event *ev)
{
	if (!ev)
		return -1;
	struct event_base *base = ev->base;
	ev_callback_cancel(base, &ev->cb);
	ev->res = 0;
	ev->nsignals = 0;
	if (ev->calls_left) { /* inside its own signal callbacks: no more of them */
		*ev->calls_left = 0;
		ev->calls_left = NULL;
	}
	timer_disarm(ev);
	ev->has_timeout = false;
	int r = 0;
	if (ev->state & EVS_ADDED) {
		if (ev->events & EV_SIGNAL)
			sig_del(ev);
		else if ((ev->events & (EV_READ | EV_WRITE)) && ev->fd >= 0) {
			list_remove(&base->fds[ev->fd].events, ev);
			/* The event is gone from our tables either way; a backend that could not
			 * forget the fd makes event_del fail, as libevent's does. */
			if (fd_update_interest(base, ev->fd) != 0)
				r = -1;
		}
		ev->state &= ~EVS_ADDED;
		if (!(ev->state & EVS_INTERNAL))
			base->nadded--;
	}
	return r;
}

void event_free(struct event *ev)
{
	if (!ev)
		return;
	event_del(ev);
	mm_free(ev);
}

void event_active(struct event *ev, int res, short ncalls)
{
	(void)ncalls;
	if (ev)
		event_activate(ev, (short)res);
}

int event_pending(const struct event *ev, short events, struct timeval *tv)
{
	int flags = 0;
	if (ev->state & EVS_ADDED)
		flags |= ev->events & (EV_READ | EV_WRITE | EV_SIGNAL);
	if (ev->state & EVS_TIMER)
		flags |= EV_TIMEOUT;
	if (ev->cb.queued)
		flags |= ev->res;
	flags &= events & (EV_TIMEOUT | EV_READ | EV_WRITE | EV_SIGNAL);
	if (tv && (flags & EV_TIMEOUT)) {
		/* Report the deadline in wall-clock time, as libevent does. */
		struct timeval now;
		gettimeofday(&now, NULL);
		int64_t at = tv_us(&now) + (ev->deadline_us - now_us());
		tv->tv_sec = at / 1000000;
		tv->tv_usec = at % 1000000;
	}
	return flags;
}

int event_initialized(const struct event *ev)
{
	return ev && ev->cb.run == run_event;
}

int event_priority_set(struct event *ev, int priority)
{
	if (ev->cb.queued || priority < 0 || priority >= ev->base->nqueues)
		return -1;
	ev->cb.pri = priority;
	return 0;
}

int event_get_priority(const struct event *ev) { return ev->cb.pri; }
evutil_socket_t event_get_fd(const struct event *ev) { return ev->fd; }
struct event_base *event_get_base(const struct event *ev) { return ev->base; }
short event_get_events(const struct event *ev) { return ev->events; }
event_callback_fn event_get_callback(const struct event *ev) { return ev->fn; }
void *event_get_callback_arg(const struct event *ev) { return ev->arg; }

/* Run one activated event. A non-persistent event is over once it fires; a persistent
 * one with a timeout starts a new period, since firing counts as activity. A signal event
 * is called once per delivery since it last ran (at least once: it may have been made
 * active by its timeout or event_active); deleting or freeing it inside one of those
 * calls cancels the rest, so ev is touched again only while calls are left. */
static void run_event(struct event_callback *cb)
{
	struct event *ev = container_of(cb, struct event, cb);
	struct event_base *base = ev->base;
	short res = ev->res;
	int calls = ev->nsignals > 1 ? ev->nsignals : 1; /* only signal events count */
	ev->res = 0;
	ev->nsignals = 0;
	if (!(ev->events & EV_PERSIST))
		event_del(ev);
	else if (ev->has_timeout)
		timer_arm(ev, &ev->timeout);
	struct event *outer = base->current;
	base->current = ev;
	while (calls > 0) {
		calls--;
		ev->calls_left = calls ? &calls : NULL; /* event_del zeroes `calls` */
		ev->fn(ev->fd, res, ev->arg); /* may free ev */
	}
	base->current = outer;
}

/* ---- one-shot events ---- */

/* A pure-timer once event sits on the base's once_list (through its fd links, unused
 * by timers) so that event_base_free can release it if it never fired. */
struct once {
	struct event ev; /* first */
	event_callback_fn fn;
	void *arg;
	bool listed;
};

static void run_once(evutil_socket_t fd, short what, void *arg)
{
	struct once *o = arg;
	if (o->listed)
		list_remove(&o->ev.base->once_list, &o->ev);
	o->fn(fd, what, o->arg);
	mm_free(o);
}

int event_base_once(struct event_base *base, evutil_socket_t fd, short events,
		    event_callback_fn fn, void *arg, const struct timeval *tv)
{
	if (events & (EV_SIGNAL | EV_PERSIST))
		return -1;
	struct once *o = mm_calloc(1, sizeof *o);
	if (!o)
		return -1;
	o->fn = fn;
	o->arg = arg;
	ev_assign(&o->ev, base, (events & (EV_READ | EV_WRITE)) ? fd : -1, events, run_once, o);
	static const struct timeval zero = { 0, 0 };
	if (!(events & (EV_READ | EV_WRITE)) && !tv)
		tv = &zero; /* a pure timeout with no time: as soon as possible */
	if (event_add_internal(&o->ev, tv) != 0) {
		mm_free(o);
		return -1;
	}
	if (o->ev.fd < 0) {
		list_insert(&base->once_list, &o->ev);
		o->listed = true;
	}
	return 0;
}

/* ---- bases ---- */

static bool backend_allowed(const struct ev_backend *b, const struct event_config *cfg)
{
	bool ignore_env = cfg && (cfg->flags & EVENT_BASE_FLAG_IGNORE_ENV);
	if (!ignore_env && getenv(b->env_off))
		return false;
	for (int i = 0; cfg && i < cfg->navoid; i++)
		if (!strcmp(cfg->avoid[i], b->name))
			return false;
	return true;
}

struct event_base *event_base_new_with_config(const struct event_config *cfg)
{
	struct event_base *base = mm_calloc(1, sizeof *base);
	if (!base)
		return NULL;
	base->sig_pipe[0] = base->sig_pipe[1] = -1;
	base->nqueues = 1;
	base->queues = mm_calloc(1, sizeof *base->queues);
	if (!base->queues) {
		mm_free(base);
		return NULL;
	}
	for (int i = 0; i < NBACKENDS && !base->backend; i++) {
		if (!backend_allowed(backends[i], cfg))
			continue;
		base->backend_state = backends[i]->init(base);
		if (base->backend_state)
			base->backend = backends[i];
	}
	if (!base->backend) {
		ev_warn("no event mechanism available");
		mm_free(base->queues);
		mm_free(base);
		return NULL;
	}
	return base;
}

struct event_base *event_base_new(void)
{
	return event_base_new_with_config(NULL);
}

void event_base_free(struct event_base *base)
{
	if (!base)
		return;
	while (base->once_list) {
		struct once *o = (struct once *)base->once_list;
		list_remove(&base->once_list, &o->ev);
		event_del(&o->ev);
		mm_free(o);
	}
	if (base->sig_pipe[0] >= 0) {
		event_del(&base->sig_pipe_ev);
		for (int s = 1; s < NSIG; s++)
			if (base->sig_installed[s])
				sigaction(s, &base->sig_saved[s], NULL);
		if (sig_write_fd == base->sig_pipe[1])
			sig_write_fd = -1;
		close(base->sig_pipe[0]);
		close(base->sig_pipe[1]);
	}
	/* Events the program still holds are detached from the timer heap and the queue. */
	for (int i = 0; i < base->heap_len; i++) {
		base->heap[i]->state &= ~EVS_TIMER;
		base->heap[i]->heap_index = -1;
	}
	struct event_callback *cb;
	while ((cb = next_active(base)) != NULL)
		ev_callback_cancel(base, cb);
	base->backend->destroy(base->backend_state);
	if (ev_current_base_ == base)
		ev_current_base_ = NULL;
	mm_free(base->queues);
	mm_free(base->fds);
	mm_free(base->heap);
	mm_free(base);
}

const char *event_base_get_method(const struct event_base *base)
{
	return base->backend->name;
}

const char **event_get_supported_methods(void)
{
	static const char *names[NBACKENDS + 1];
	for (int i = 0; i < NBACKENDS; i++)
		names[i] = backends[i]->name;
	return names;
}

int event_base_get_features(const struct event_base *base)
{
	return base->backend == &ev_backend_epoll ? (EV_FEATURE_ET | EV_FEATURE_O1) : EV_FEATURE_FDS;
}

/* Only while nothing is queued: queued callbacks would be in the wrong queues. */
int event_base_priority_init(struct event_base *base, int n)
{
	if (n < 1 || n >= EVENT_MAX_PRIORITIES || base->nactive)
		return -1;
	if (n == base->nqueues)
		return 0;
	struct active_queue *q = mm_calloc((size_t)n, sizeof *q);
	if (!q)
		return -1;
	mm_free(base->queues);
	base->queues = q;
	base->nqueues = n;
	return 0;
}

int event_base_get_npriorities(struct event_base *base) { return base ? base->nqueues : 1; }
int event_reinit(struct event_base *base) { (void)base; return 0; }

int event_base_gettimeofday_cached(struct event_base *base, struct timeval *tv)
{
	(void)base;
	return gettimeofday(tv, NULL);
}

/* ---- configuration ---- */

struct event_config *event_config_new(void) { return mm_calloc(1, sizeof(struct event_config)); }
void event_config_free(struct event_config *cfg) { mm_free(cfg); }

int event_config_avoid_method(struct event_config *cfg, const char *method)
{
	if (cfg->navoid == (int)(sizeof cfg->avoid / sizeof cfg->avoid[0]))
		return -1;
	/* Matched by name against the backends' static names, so no copy is needed. */
	for (int i = 0; i < NBACKENDS; i++)
		if (!strcmp(backends[i]->name, method))
			cfg->avoid[cfg->navoid++] = backends[i]->name;
	return 0;
}

int event_config_require_features(struct event_config *cfg, int features)
{
	(void)cfg;
	return features & ~(EV_FEATURE_ET | EV_FEATURE_O1 | EV_FEATURE_FDS) ? -1 : 0;
}

int event_config_set_flag(struct event_config *cfg, int flag) { cfg->flags |= flag; return 0; }
int event_config_set_num_cpus_hint(struct event_config *cfg, int cpus) { (void)cfg, (void)cpus; return 0; }

/* ---- the loop ---- */

static void expire_timers(struct event_base *base)
{
	int64_t now = now_us();
	while (base->heap_len && base->heap[0]->deadline_us <= now) {
		struct event *ev = base->heap[0];
		timer_disarm(ev);
		if (!(ev->events & EV_PERSIST))
			event_del(ev); /* fired: a one-shot event is no longer pending at all */
		event_activate(ev, EV_TIMEOUT);
	}
}

/* Milliseconds the backend may block: 0 if there is work, -1 if nothing bounds it. */
static int wait_budget_ms(struct event_base *base, int flags)
{
	if (base->nactive || (flags & EVLOOP_NONBLOCK))
		return 0;
	if (!base->heap_len)
		return -1;
	int64_t us = base->heap[0]->deadline_us - now_us();
	if (us <= 0)
		return 0;
	return (int)((us + 999) / 1000); /* round up: never wake before the deadline */
}

/* Run the active queue until it is empty; returns how many callbacks ran. */
static int run_active(struct event_base *base)
{
	int n = 0;
	struct event_callback *cb;
	while ((cb = next_active(base)) != NULL) {
		ev_callback_cancel(base, cb);
		cb->run(cb);
		n++;
		if (base->break_requested)
			break;
	}
	return n;
}

int event_base_loop(struct event_base *base, int flags)
{
	int result = 0;
	base->exit_requested = base->break_requested = false;
	base->running = true;
	for (;;) {
		if (base->exit_requested || base->break_requested)
			break;
		if (!base->nadded && !base->nactive && !(flags & EVLOOP_NO_EXIT_ON_EMPTY)) {
			result = 1; /* nothing could ever happen */
			break;
		}
		if (base->backend->dispatch(base->backend_state, wait_budget_ms(base, flags)) < 0) {
			result = -1;
			break;
		}
		expire_timers(base);
		if (base->nactive) {
			int n = run_active(base);
			if ((flags & EVLOOP_ONCE) && !base->nactive && n)
				break;
		} else if (flags & EVLOOP_NONBLOCK)
			break;
	}
	base->running = false;
	return result;
}

int event_base_dispatch(struct event_base *base)
{
	return event_base_loop(base, 0);
}

static void on_loopexit(evutil_socket_t fd, short what, void *arg)
{
	struct event_base *base = arg;
	(void)fd, (void)what;
	base->exit_requested = true;
}

int event_base_loopexit(struct event_base *base, const struct timeval *tv)
{
	/* A timer, so that an exit asked for before the loop starts still counts. */
	return event_base_once(base, -1, EV_TIMEOUT, on_loopexit, base, tv);
}

int event_base_loopbreak(struct event_base *base)
{
	if (!base)
		return -1;
	base->break_requested = true;
	return 0;
}

int event_base_loopcontinue(struct event_base *base) { (void)base; return 0; }
int event_base_got_exit(struct event_base *base) { return base->exit_requested; }
int event_base_got_break(struct event_base *base) { return base->break_requested; }
