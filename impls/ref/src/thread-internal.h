/* thread-internal.h: the locks of THREADSAFE objects (thread.c).
 *
 * The lock itself is the program's (made by the callbacks given to
 * evthread_set_lock_callbacks, or handed to evbuffer_enable_locking). ref wraps it in a
 * reference-counted struct ev_lock because one lock is shared: a bufferevent and its two
 * buffers, both sides of a pair, a filter and the bufferevent under it. Whoever goes
 * last frees it, whatever the order of the frees. Every function accepts NULL (no lock)
 * and then does nothing. */
#ifndef REF_THREAD_INTERNAL_H
#define REF_THREAD_INTERNAL_H

struct ev_lock;

/* A new recursive lock from the lock callbacks; NULL if none are installed (or on OOM). */
struct ev_lock *ev_lock_new(void);
/* The caller's lock: taken and released like ours, never freed by ref. */
struct ev_lock *ev_lock_wrap(void *user_lock);
struct ev_lock *ev_lock_ref(struct ev_lock *lock);
void ev_lock_unref(struct ev_lock *lock);
void ev_lock_acquire(struct ev_lock *lock);
void ev_lock_release(struct ev_lock *lock);

#endif
