/* buffer-internal.h: what bufferevents need from evbuffers beyond the public API. */
#ifndef REF_BUFFER_INTERNAL_H
#define REF_BUFFER_INTERNAL_H

#include <event2/buffer.h>

/* A callback flag users cannot set: run this callback at once even when the buffer's
 * callbacks are deferred (bufferevents watch their own buffers this way). */
#define EVBUFFER_CB_NODEFER 2
void evbuffer_cb_set_nodefer_(struct evbuffer_cb_entry *ent);

/* Lock buf with lock (a reference is taken): a bufferevent's buffers share its lock. */
struct ev_lock;
void evbuffer_share_lock_(struct evbuffer *buf, struct ev_lock *lock);

/* evbuffer_add_reference for the bytes of a file segment: the chain is marked so that
 * evbuffer_add_buffer_reference refuses a buffer holding it, as libevent does. */
int evbuffer_add_file_range_(struct evbuffer *buf, const void *data, size_t n,
			     evbuffer_ref_cleanup_cb cleanup, void *arg);

#endif
