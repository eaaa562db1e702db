/* Locking: BEV_OPT_THREADSAFE, bufferevent_lock, BEV_OPT_UNLOCK_CALLBACKS, evbuffer
 * locking and LEV_OPT_THREADSAFE, observed through counting lock callbacks installed with
 * evthread_set_lock_callbacks (no real threads: the locks only count). Also the failing
 * allocator used by other case files. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "extra_api.h"

struct bc_lockstats bc_locks;
struct bc_lock { int depth; };

static void *lk_alloc(unsigned type)
{
	(void)type;
	bc_locks.alive++;
	return calloc(1, sizeof(struct bc_lock));
}
static void lk_free(void *p, unsigned type)
{
	(void)type;
	struct bc_lock *l = p;
	if (l->depth)
		bc_locks.bad++;
	bc_locks.alive--;
	free(l);
}
void (*bc_lock_hook)(void *lock);
static int lk_lock(unsigned mode, void *p)
{
	(void)mode;
	if (bc_lock_hook)
		bc_lock_hook(p); /* before the lock is taken: what another thread did meanwhile */
	((struct bc_lock *)p)->depth++;
	bc_locks.held++;
	return 0;
}
static int lk_unlock(unsigned mode, void *p)
{
	(void)mode;
	struct bc_lock *l = p;
	if (l->depth <= 0) {
		bc_locks.bad++;
		return -1;
	}
	l->depth--;
	bc_locks.held--;
	return 0;
}
void *bc_lock_new(void) { return lk_alloc(EVTHREAD_LOCKTYPE_RECURSIVE); }
void bc_lock_free(void *lock) { lk_free(lock, EVTHREAD_LOCKTYPE_RECURSIVE); }

int bc_locks_install(struct bc_ctx *t)
{
	static const struct evthread_lock_callbacks cbs = {
		EVTHREAD_LOCK_API_VERSION, EVTHREAD_LOCKTYPE_RECURSIVE,
		lk_alloc, lk_free, lk_lock, lk_unlock
	};
	extern void bc_not_implemented(const char *fn) __attribute__((noreturn));
#ifndef BC_HAVE_THREAD_H
	if (!evthread_set_lock_callbacks)
		bc_not_implemented("evthread_set_lock_callbacks");
#endif
	bc_expect_int(t, "evthread_set_lock_callbacks", evthread_set_lock_callbacks(&cbs), 0);
	return bc_locks.alive;
}

/* ---- the failing allocator ---- */
int bc_alloc_fail;
static void *fa_malloc(size_t n)
{
	if (bc_alloc_fail) {
		if (bc_alloc_fail > 0)
			bc_alloc_fail--;
		errno = ENOMEM;
		return NULL;
	}
	return malloc(n);
}
static void *fa_realloc(void *p, size_t n)
{
	if (bc_alloc_fail) {
		if (bc_alloc_fail > 0)
			bc_alloc_fail--;
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, n);
}
void bc_alloc_install(struct bc_ctx *t)
{
	(void)t;
	event_set_mem_functions(fa_malloc, fa_realloc, free);
}

/* ---- G20: BEV_OPT_THREADSAFE. param & 1: a filter over a THREADSAFE socket bufferevent ---- */

static int held_in_cb[3], calls_in_cb[3];
static void note_held(int i) { calls_in_cb[i]++; if (bc_locks.held > 0) held_in_cb[i]++; }
static void th_on_read(struct bc_end *e) { note_held(0); evbuffer_drain(bufferevent_get_input(e->bev), (size_t)-1); }
static void th_on_write(struct bc_end *e) { (void)e; note_held(1); }
static void th_on_event(struct bc_end *e, short what) { (void)e; (void)what; note_held(2); }

void thr_bev(struct bc_ctx *t)
{
	int base_alive = bc_locks_install(t);
	struct bc_link l;
	struct bufferevent *under = NULL;
	evutil_socket_t sv[2] = { -1, -1 };
	if (bc_param(t) & 1) {
		bc_socketpair(t, sv);
		under = bufferevent_socket_new(t->base, sv[0], BEV_OPT_CLOSE_ON_FREE | BEV_OPT_THREADSAFE);
		bc_expect(t, "bufferevent_socket_new(THREADSAFE)", under != NULL);
		bc_expect_int(t, "locks allocated by the THREADSAFE socket bufferevent", bc_locks.alive - base_alive, 1);
		memset(&l, 0, sizeof l);
		l.fd = sv[0];
		l.peer = sv[1];
		l.under = under;
		l.e = bc_watch(t, bufferevent_filter_new(under, NULL, NULL,
			bc_opts(t, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_THREADSAFE), NULL, NULL), "f");
		bc_expect(t, "bufferevent_filter_new(THREADSAFE) over a THREADSAFE bufferevent", l.e->bev != NULL);
	} else {
		bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_THREADSAFE, "b");
		bc_expect(t, "a THREADSAFE bufferevent allocates a lock", bc_locks.alive - base_alive >= 1);
	}
	struct bc_end *e = l.e;
	bc_expect_int(t, "no lock held after creation", bc_locks.held, 0);
	bufferevent_lock(e->bev);
	bc_expect_int(t, "bufferevent_lock takes the lock", bc_locks.held, 1);
	bufferevent_lock(e->bev);
	bc_expect_int(t, "bufferevent_lock is recursive", bc_locks.held, 2);
	bufferevent_unlock(e->bev);
	bufferevent_unlock(e->bev);
	bc_expect_int(t, "bufferevent_unlock releases it", bc_locks.held, 0);
	evbuffer_lock(bufferevent_get_input(e->bev));
	bc_expect_int(t, "evbuffer_lock on the input takes a lock", bc_locks.held, 1);
	evbuffer_unlock(bufferevent_get_input(e->bev));
	evbuffer_lock(bufferevent_get_output(e->bev));
	bc_expect_int(t, "evbuffer_lock on the output takes a lock", bc_locks.held, 1);
	evbuffer_unlock(bufferevent_get_output(e->bev));
	bc_expect_int(t, "evbuffer_unlock releases it", bc_locks.held, 0);

	e->on_read = th_on_read;
	e->on_write = th_on_write;
	e->on_event = th_on_event;
	bufferevent_enable(e->bev, EV_READ);
	bc_link_send(t, &l, "hello", 5);
	bc_await(t, "readcb", bc_count(e, 'R') >= 1);
	bc_expect_int(t, "no lock held between callbacks", bc_locks.held, 0);
	bc_expect_int(t, "bufferevent_write", bufferevent_write(e->bev, "abc", 3), 0);
	bc_await(t, "writecb", bc_count(e, 'W') >= 1);
	struct bc_bytes got = {0};
	bc_wait_until(t, 1000, (bc_link_recv(t, &l, &got), got.len >= 3));
	bc_expect_int(t, "bytes at the far end", got.len, 3);
	bc_bytes_free(&got);
	bc_link_finish(t, &l);
	bc_await(t, "eventcb (EOF)", bc_count(e, 'E') >= 1);
	bc_expect_int(t, "readcb ran with the lock held", held_in_cb[0], calls_in_cb[0]);
	bc_expect_int(t, "writecb ran with the lock held", held_in_cb[1], calls_in_cb[1]);
	bc_expect_int(t, "eventcb ran with the lock held", held_in_cb[2], calls_in_cb[2]);
	bc_expect_int(t, "no lock held after the callbacks", bc_locks.held, 0);
	bc_link_close(t, &l);
	bc_settle(t);
	bc_expect_int(t, "every lock freed once the bufferevents are freed", bc_locks.alive, base_alive);
	bc_expect_int(t, "no unbalanced unlock or free of a held lock", bc_locks.bad, 0);
}

/* ---- G21: BEV_OPT_UNLOCK_CALLBACKS: a connect, read, write, EOF with the lock released ---- */

void thr_unlock_cbs(struct bc_ctx *t)
{
	int base_alive = bc_locks_install(t);
	struct sockaddr_in sin;
	evutil_socket_t lfd = bc_loopback_listener(t, &sin);
	struct bc_end *e = bc_socket_end(t, -1, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_THREADSAFE |
		BEV_OPT_DEFER_CALLBACKS | BEV_OPT_UNLOCK_CALLBACKS, "c");
	e->on_read = th_on_read;
	e->on_write = th_on_write;
	e->on_event = th_on_event;
	bufferevent_enable(e->bev, EV_READ);
	bc_expect_int(t, "bufferevent_socket_connect", bufferevent_socket_connect(e->bev, (struct sockaddr *)&sin, sizeof sin), 0);
	evutil_socket_t peer = bc_accept(t, lfd, 1000);
	bc_await(t, "CONNECTED", bc_count(e, 'E') >= 1);
	bc_send(t, peer, "data", 4);
	bc_await(t, "readcb", bc_count(e, 'R') >= 1);
	bufferevent_write(e->bev, "xy", 2);
	bc_await(t, "writecb", bc_count(e, 'W') >= 1);
	shutdown(peer, SHUT_WR);
	bc_await(t, "EOF", bc_count(e, 'E') >= 2);
	bc_expect_shape(t, e, "E(CONNECTED) R W E(READING|EOF)");
	bc_expect_int(t, "callbacks ran with no lock held", held_in_cb[0] + held_in_cb[1] + held_in_cb[2], 0);
	bc_free(e);
	close(peer);
	close(lfd);
	bc_settle(t);
	bc_expect_int(t, "every lock freed", bc_locks.alive, base_alive);
	bc_expect_int(t, "no lock held", bc_locks.held, 0);
}

/* ---- I47: evbuffer_enable_locking. param 1 library lock, 2 caller's lock, 3 no lock callbacks ---- */

static int eb_cb_held, eb_cb_calls;
static void eb_lock_cb(struct evbuffer *b, const struct evbuffer_cb_info *i, void *arg)
{
	(void)b; (void)i; (void)arg;
	eb_cb_calls++;
	if (bc_locks.held > 0)
		eb_cb_held++;
}

void thr_evbuffer(struct bc_ctx *t)
{
	struct evbuffer *b = evbuffer_new();
	if (bc_param(t) == 3) {
		bc_expect_int(t, "enable_locking(NULL) with no lock callbacks", evbuffer_enable_locking(b, NULL), -1);
		evbuffer_lock(b);
		evbuffer_unlock(b);
		bc_expect_int(t, "the buffer still works", evbuffer_add(b, "ab", 2), 0);
		evbuffer_free(b);
		return;
	}
	int base_alive = bc_locks_install(t);
	void *mine = NULL;
	if (bc_param(t) == 1) {
		bc_expect_int(t, "enable_locking(NULL)", evbuffer_enable_locking(b, NULL), 0);
		bc_expect_int(t, "one lock allocated", bc_locks.alive - base_alive, 1);
	} else {
		mine = bc_lock_new();
		bc_expect_int(t, "enable_locking(caller's lock)", evbuffer_enable_locking(b, mine), 0);
	}
	bc_expect_int(t, "a second enable_locking fails", evbuffer_enable_locking(b, NULL), -1);
	evbuffer_lock(b);
	bc_expect_int(t, "evbuffer_lock takes the lock", bc_locks.held, 1);
	if (mine)
		bc_expect_int(t, "the caller's lock is the one taken", ((struct bc_lock *)mine)->depth, 1);
	evbuffer_unlock(b);
	bc_expect_int(t, "evbuffer_unlock releases it", bc_locks.held, 0);
	evbuffer_add_cb(b, eb_lock_cb, NULL);
	evbuffer_add(b, "hello", 5);
	evbuffer_drain(b, 2);
	bc_expect_int(t, "callbacks", eb_cb_calls, 2);
	bc_expect_int(t, "callbacks run with the buffer locked", eb_cb_held, 2);
	bc_expect_int(t, "no lock held after the calls", bc_locks.held, 0);
	evbuffer_free(b);
	if (mine) {
		bc_expect_int(t, "evbuffer_free leaves the caller's lock alone", bc_locks.alive - base_alive, 1);
		bc_lock_free(mine);
	}
	bc_expect_int(t, "no lock left", bc_locks.alive, base_alive);
	bc_expect_int(t, "balanced", bc_locks.bad, 0);
}

/* ---- J13: LEV_OPT_THREADSAFE ---- */

static int lst_held_in_cb = -1, lst_accepts, lst_errs, lst_err_held = -1;
static void thl_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len, void *arg)
{
	(void)l; (void)sa; (void)len; (void)arg;
	lst_held_in_cb = bc_locks.held;
	lst_accepts++;
	close(fd);
}
static void thl_error(struct evconnlistener *l, void *arg)
{
	(void)l; (void)arg;
	lst_err_held = bc_locks.held;
	lst_errs++;
}

void thr_listener(struct bc_ctx *t)
{
	int base_alive = bc_locks_install(t);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct evconnlistener *l = evconnlistener_new_bind(t->base, thl_accept, NULL,
		LEV_OPT_THREADSAFE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 8, (struct sockaddr *)&sin, sizeof sin);
	bc_expect(t, "evconnlistener_new_bind(THREADSAFE)", l != NULL);
	bc_expect_int(t, "the listener allocates a lock", bc_locks.alive - base_alive, 1);
	evconnlistener_set_error_cb(l, thl_error);
	socklen_t sl = sizeof sin;
	getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&sin, &sl);
	evutil_socket_t c = socket(AF_INET, SOCK_STREAM, 0);
	bc_expect_int(t, "connect", connect(c, (struct sockaddr *)&sin, sizeof sin), 0);
	bc_await(t, "accept callback", lst_accepts == 1);
	/* Since 2.2 both callbacks run with the lock held, on purpose (J13). */
	int held = bc_since(t, 2, 2, "J13 since 2.2: callbacks run with the listener locked (12cedc8a, #1226)");
	bc_expect_int(t, "the accept callback runs with the listener locked only since 2.2", lst_held_in_cb, held);
	bc_fault_fail(evconnlistener_get_fd(l), BC_ACCEPT, EMFILE, 1);
	evutil_socket_t c2 = socket(AF_INET, SOCK_STREAM, 0);
	bc_expect_int(t, "connect 2", connect(c2, (struct sockaddr *)&sin, sizeof sin), 0);
	bc_await(t, "error callback", lst_errs == 1);
	bc_expect_int(t, "the error callback runs with the listener locked only since 2.2", lst_err_held, held);
	bc_await(t, "the connection is accepted once accept works", lst_accepts == 2);
	evconnlistener_set_error_cb(l, NULL);
	evconnlistener_disable(l);
	evconnlistener_enable(l);
	bc_expect_int(t, "no lock held", bc_locks.held, 0);
	evconnlistener_free(l);
	bc_expect_int(t, "the lock is freed with the listener", bc_locks.alive, base_alive);
	bc_expect_int(t, "balanced", bc_locks.bad, 0);
	close(c);
	close(c2);
}
