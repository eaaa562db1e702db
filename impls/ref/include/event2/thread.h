/* event2/thread.h (ref): how a program gives the library its locks. Names, prototypes and
 * constant values follow libevent 2.1.
 *
 * ref never starts threads; it only takes the locks the program supplies, so that a
 * bufferevent, evbuffer or listener made THREADSAFE can be shared with the program's own
 * threads through bufferevent_lock / evbuffer_lock. */
#ifndef REF_EVENT2_THREAD_H
#define REF_EVENT2_THREAD_H

#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Lock modes passed to the lock and unlock callbacks. */
#define EVTHREAD_WRITE 0x04
#define EVTHREAD_READ 0x08
#define EVTHREAD_TRY 0x10

#define EVTHREAD_LOCK_API_VERSION 1
/* Lock types passed to alloc and free. */
#define EVTHREAD_LOCKTYPE_RECURSIVE 1
#define EVTHREAD_LOCKTYPE_READWRITE 2

struct evthread_lock_callbacks {
	int lock_api_version;
	unsigned supported_locktypes;
	void *(*alloc)(unsigned locktype);
	void (*free)(void *lock, unsigned locktype);
	int (*lock)(unsigned mode, void *lock);
	int (*unlock)(unsigned mode, void *lock);
};
int evthread_set_lock_callbacks(const struct evthread_lock_callbacks *);

#define EVTHREAD_CONDITION_API_VERSION 1
struct timeval;
struct evthread_condition_callbacks {
	int condition_api_version;
	void *(*alloc_condition)(unsigned condtype);
	void (*free_condition)(void *cond);
	int (*signal_condition)(void *cond, int broadcast);
	int (*wait_condition)(void *cond, void *lock, const struct timeval *timeout);
};
int evthread_set_condition_callbacks(const struct evthread_condition_callbacks *);
void evthread_set_id_callback(unsigned long (*id_fn)(void));

/* Installs lock callbacks built on pthread mutexes. */
int evthread_use_pthreads(void);
#define EVTHREAD_USE_PTHREADS_IMPLEMENTED 1

#ifdef __cplusplus
}
#endif
#endif
