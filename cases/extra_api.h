/* extra_api.h: libevent API beyond the core headers (threads, compat, memory functions),
 * declared here when the implementation's headers lack them (e.g. impls/ref), so the cases
 * still compile; a missing function then SKIPs through mk/link.sh's stubs. Which headers
 * it has is bc_have.h's word (mk/probe.sh looks under the implementation's own include
 * directories; only the system libevent's come from the host). */
#ifndef BC_EXTRA_API_H
#define BC_EXTRA_API_H
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include "bevconf.h"

#ifdef BC_HAVE_EVENT2_THREAD_H
#include <event2/thread.h>
#define BC_HAVE_THREAD_H 1
#else
#define EVTHREAD_LOCK_API_VERSION 1
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
/* Weak: threads.c SKIPs when it is NULL (no such function in the library). */
int evthread_set_lock_callbacks(const struct evthread_lock_callbacks *) __attribute__((weak));
#endif

#ifdef BC_HAVE_EVENT2_BUFFEREVENT_COMPAT_H
#include <event2/bufferevent_compat.h>
#else
struct bufferevent *bufferevent_new(evutil_socket_t fd, bufferevent_data_cb readcb,
	bufferevent_data_cb writecb, bufferevent_event_cb errorcb, void *cbarg);
void bufferevent_settimeout(struct bufferevent *bufev, int timeout_read, int timeout_write);
#endif

#ifdef BC_HAVE_EVENT2_EVENT_COMPAT_H
#include <event2/event_compat.h>
#else
struct event_base *event_init(void);
#endif

#ifdef BC_HAVE_EVENT2_BUFFER_COMPAT_H
#include <event2/buffer_compat.h>
#endif

#ifndef EVENT_SET_MEM_FUNCTIONS_IMPLEMENTED
void event_set_mem_functions(void *(*malloc_fn)(size_t sz), void *(*realloc_fn)(void *ptr, size_t sz),
	void (*free_fn)(void *ptr));
#endif

#ifndef EV_RATE_LIMIT_MAX
struct ev_token_bucket_cfg;
struct ev_token_bucket_cfg *ev_token_bucket_cfg_new(size_t read_rate, size_t read_burst,
	size_t write_rate, size_t write_burst, const struct timeval *tick_len) __attribute__((weak));
void ev_token_bucket_cfg_free(struct ev_token_bucket_cfg *cfg) __attribute__((weak));
int bufferevent_set_rate_limit(struct bufferevent *bev, struct ev_token_bucket_cfg *cfg);
#endif

#ifdef BC_HAVE_EVENT2_DNS_H
#include <event2/dns.h>
#else
struct evdns_base;
struct evdns_base *evdns_base_new(struct event_base *event_base, int flags);
int evdns_base_nameserver_ip_add(struct evdns_base *base, const char *ip_as_string);
void evdns_base_free(struct evdns_base *base, int fail_requests);
#define EVUTIL_EAI_CANCEL -90001
#endif
int bufferevent_socket_connect_hostname(struct bufferevent *, struct evdns_base *, int, const char *, int);
int bufferevent_socket_get_dns_error(struct bufferevent *bev);

/* ---- counting lock callbacks (threads.c): no real threads, every lock is recursive ---- */
struct bc_lockstats {
	int alive;    /* locks allocated and not freed */
	int held;     /* sum of the lock depths: > 0 while any lock is held */
	int bad;      /* unlock of an unheld lock, or free of a held one */
};
extern struct bc_lockstats bc_locks;
/* Installs the counting callbacks (skips the case if the implementation has no
 * evthread_set_lock_callbacks); returns the number of locks alive afterwards. */
int bc_locks_install(struct bc_ctx *t);
void *bc_lock_new(void);
/* When set, called with the lock at the start of every lock acquisition, before it is taken:
 * a case stands in there for what another thread does while this one waits for the lock. */
extern void (*bc_lock_hook)(void *lock);
void bc_lock_free(void *lock);

/* malloc/realloc/free that fail on demand (alloc.c in threads.c) */
extern int bc_alloc_fail; /* > 0: that many next allocations fail; < 0: all fail */
void bc_alloc_install(struct bc_ctx *t);
#endif
