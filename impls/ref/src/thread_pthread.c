/* thread_pthread.c: evthread_use_pthreads, lock callbacks over recursive pthread mutexes. */
#include <pthread.h>

#include <event2/thread.h>

#include "mm-internal.h"

static void *mutex_alloc(unsigned locktype)
{
	(void)locktype; /* every lock ref asks for is recursive */
	pthread_mutexattr_t attr;
	pthread_mutex_t *m = mm_malloc(sizeof *m);
	if (!m)
		return NULL;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	int r = pthread_mutex_init(m, &attr);
	pthread_mutexattr_destroy(&attr);
	if (r != 0) {
		mm_free(m);
		return NULL;
	}
	return m;
}

static void mutex_free(void *lock, unsigned locktype)
{
	(void)locktype;
	pthread_mutex_destroy(lock);
	mm_free(lock);
}

static int mutex_lock(unsigned mode, void *lock)
{
	if (mode & EVTHREAD_TRY)
		return pthread_mutex_trylock(lock);
	return pthread_mutex_lock(lock);
}

static int mutex_unlock(unsigned mode, void *lock)
{
	(void)mode;
	return pthread_mutex_unlock(lock);
}

int evthread_use_pthreads(void)
{
	static const struct evthread_lock_callbacks cbs = {
		EVTHREAD_LOCK_API_VERSION, EVTHREAD_LOCKTYPE_RECURSIVE,
		mutex_alloc, mutex_free, mutex_lock, mutex_unlock
	};
	return evthread_set_lock_callbacks(&cbs);
}
