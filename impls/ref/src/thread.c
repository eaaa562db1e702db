/* thread.c: evthread_set_lock_callbacks & co., and the shared, reference-counted locks
 * of THREADSAFE objects (thread-internal.h).
 *
 * ref starts no threads and waits on no conditions: it only needs locks, so the
 * condition and id callbacks are accepted and kept for no use. */
#include <stdbool.h>
#include <string.h>

#include <event2/thread.h>

#include "mm-internal.h"
#include "thread-internal.h"

static struct evthread_lock_callbacks lock_cbs; /* .alloc == NULL: none installed */

struct ev_lock {
	void *lock;  /* the program's */
	int refcnt;
	bool owned;  /* made by lock_cbs.alloc: freed with the last reference */
};

int evthread_set_lock_callbacks(const struct evthread_lock_callbacks *cbs)
{
	if (!cbs) {
		memset(&lock_cbs, 0, sizeof lock_cbs);
		return 0;
	}
	if (cbs->lock_api_version != EVTHREAD_LOCK_API_VERSION || !cbs->alloc || !cbs->free ||
	    !cbs->lock || !cbs->unlock || !(cbs->supported_locktypes & EVTHREAD_LOCKTYPE_RECURSIVE))
		return -1;
	/* Locks made with the old callbacks would be released with the new ones: as libevent,
	 * refuse a change once installed (installing the same ones again is fine). */
	if (lock_cbs.alloc && memcmp(&lock_cbs, cbs, sizeof lock_cbs) != 0)
		return -1;
	lock_cbs = *cbs;
	return 0;
}

int evthread_set_condition_callbacks(const struct evthread_condition_callbacks *cbs)
{
	if (cbs && cbs->condition_api_version != EVTHREAD_CONDITION_API_VERSION)
		return -1;
	return 0;
}

void evthread_set_id_callback(unsigned long (*id_fn)(void))
{
	(void)id_fn;
}

static struct ev_lock *wrap(void *user_lock, bool owned)
{
	struct ev_lock *l = mm_malloc(sizeof *l);
	if (!l)
		return NULL;
	l->lock = user_lock;
	l->refcnt = 1;
	l->owned = owned;
	return l;
}

struct ev_lock *ev_lock_new(void)
{
	if (!lock_cbs.alloc)
		return NULL;
	void *user_lock = lock_cbs.alloc(EVTHREAD_LOCKTYPE_RECURSIVE);
	if (!user_lock)
		return NULL;
	struct ev_lock *l = wrap(user_lock, true);
	if (!l)
		lock_cbs.free(user_lock, EVTHREAD_LOCKTYPE_RECURSIVE);
	return l;
}

struct ev_lock *ev_lock_wrap(void *user_lock)
{
	return wrap(user_lock, false);
}

struct ev_lock *ev_lock_ref(struct ev_lock *l)
{
	if (l)
		l->refcnt++;
	return l;
}

void ev_lock_unref(struct ev_lock *l)
{
	if (!l || --l->refcnt > 0)
		return;
	if (l->owned && lock_cbs.free)
		lock_cbs.free(l->lock, EVTHREAD_LOCKTYPE_RECURSIVE);
	mm_free(l);
}

void ev_lock_acquire(struct ev_lock *l)
{
	if (l && lock_cbs.lock)
		lock_cbs.lock(0, l->lock);
}

void ev_lock_release(struct ev_lock *l)
{
	if (l && lock_cbs.unlock)
		lock_cbs.unlock(0, l->lock);
}
