/* event2/bufferevent.h (ref): buffered I/O over sockets, pairs and filters. Names,
 * prototypes and constant values follow libevent 2.1; struct bufferevent is opaque. */
#ifndef REF_EVENT2_BUFFEREVENT_H
#define REF_EVENT2_BUFFEREVENT_H

#include <event2/util.h>
#include <event2/event.h>
#include <event2/buffer.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bufferevent;
struct sockaddr;

/* Flags passed to the event callback. */
#define BEV_EVENT_READING 0x01   /* while reading */
#define BEV_EVENT_WRITING 0x02   /* while writing */
#define BEV_EVENT_EOF 0x10       /* end of stream */
#define BEV_EVENT_ERROR 0x20     /* an error; EVUTIL_SOCKET_ERROR() says which */
#define BEV_EVENT_TIMEOUT 0x40   /* a read or write timeout expired */
#define BEV_EVENT_CONNECTED 0x80 /* a connect finished */

typedef void (*bufferevent_data_cb)(struct bufferevent *bev, void *ctx);
typedef void (*bufferevent_event_cb)(struct bufferevent *bev, short what, void *ctx);

enum bufferevent_options {
	BEV_OPT_CLOSE_ON_FREE = (1 << 0),    /* freeing closes the fd / frees the underlying */
	BEV_OPT_THREADSAFE = (1 << 1),       /* a lock (see event2/thread.h), shared by both buffers */
	BEV_OPT_DEFER_CALLBACKS = (1 << 2),  /* callbacks run from the loop, never inline */
	BEV_OPT_UNLOCK_CALLBACKS = (1 << 3)  /* only valid together with DEFER_CALLBACKS */
};

enum bufferevent_flush_mode { BEV_NORMAL = 0, BEV_FLUSH = 1, BEV_FINISHED = 2 };

enum bufferevent_trigger_options {
	BEV_TRIG_IGNORE_WATERMARKS = (1 << 16),
	BEV_TRIG_DEFER_CALLBACKS = BEV_OPT_DEFER_CALLBACKS
};

/* Socket bufferevents. */
struct bufferevent *bufferevent_socket_new(struct event_base *base, evutil_socket_t fd, int options);
int bufferevent_socket_connect(struct bufferevent *bev, const struct sockaddr *sa, int socklen);
int bufferevent_setfd(struct bufferevent *bufev, evutil_socket_t fd);
evutil_socket_t bufferevent_getfd(struct bufferevent *bufev);

/* Resolve hostname (no evdns_base: the system resolver, blocking), then connect to the
 * first address. Returns -1 only for bad arguments; lookup failures come as an event. */
struct evdns_base;
int bufferevent_socket_connect_hostname(struct bufferevent *bev, struct evdns_base *evdns_base,
					int family, const char *hostname, int port);
/* The EVUTIL_EAI_* code of the last lookup, 0 if it succeeded. */
int bufferevent_socket_get_dns_error(struct bufferevent *bev);

/* Every kind. */
int bufferevent_base_set(struct event_base *base, struct bufferevent *bufev);
struct event_base *bufferevent_get_base(struct bufferevent *bev);
int bufferevent_priority_set(struct bufferevent *bufev, int pri);
int bufferevent_get_priority(const struct bufferevent *bufev);
void bufferevent_free(struct bufferevent *bufev);
void bufferevent_setcb(struct bufferevent *bufev, bufferevent_data_cb readcb,
		       bufferevent_data_cb writecb, bufferevent_event_cb eventcb, void *cbarg);
void bufferevent_getcb(struct bufferevent *bufev, bufferevent_data_cb *readcb_ptr,
		       bufferevent_data_cb *writecb_ptr, bufferevent_event_cb *eventcb_ptr,
		       void **cbarg_ptr);
struct bufferevent *bufferevent_get_underlying(struct bufferevent *bufev);
int bufferevent_write(struct bufferevent *bufev, const void *data, size_t size);
int bufferevent_write_buffer(struct bufferevent *bufev, struct evbuffer *buf);
size_t bufferevent_read(struct bufferevent *bufev, void *data, size_t size);
int bufferevent_read_buffer(struct bufferevent *bufev, struct evbuffer *buf);
struct evbuffer *bufferevent_get_input(struct bufferevent *bufev);
struct evbuffer *bufferevent_get_output(struct bufferevent *bufev);
int bufferevent_enable(struct bufferevent *bufev, short event);
int bufferevent_disable(struct bufferevent *bufev, short event);
short bufferevent_get_enabled(struct bufferevent *bufev);
int bufferevent_set_timeouts(struct bufferevent *bufev, const struct timeval *timeout_read,
			     const struct timeval *timeout_write);
void bufferevent_setwatermark(struct bufferevent *bufev, short events, size_t lowmark, size_t highmark);
int bufferevent_getwatermark(struct bufferevent *bufev, short events, size_t *lowmark, size_t *highmark);
void bufferevent_lock(struct bufferevent *bufev);
void bufferevent_unlock(struct bufferevent *bufev);
void bufferevent_incref(struct bufferevent *bufev);
int bufferevent_decref(struct bufferevent *bufev);
int bufferevent_flush(struct bufferevent *bufev, short iotype, enum bufferevent_flush_mode mode);
void bufferevent_trigger(struct bufferevent *bufev, short iotype, int options);
void bufferevent_trigger_event(struct bufferevent *bufev, short what, int options);
int bufferevent_set_max_single_read(struct bufferevent *bev, size_t size);
int bufferevent_set_max_single_write(struct bufferevent *bev, size_t size);
ev_ssize_t bufferevent_get_max_single_read(struct bufferevent *bev);
ev_ssize_t bufferevent_get_max_single_write(struct bufferevent *bev);
ev_ssize_t bufferevent_get_max_to_read(struct bufferevent *bev);
ev_ssize_t bufferevent_get_max_to_write(struct bufferevent *bev);

/* Rate limits: a token bucket per direction, refilled every tick. */
struct ev_token_bucket_cfg;
#define EV_RATE_LIMIT_MAX EV_SSIZE_MAX
struct ev_token_bucket_cfg *ev_token_bucket_cfg_new(size_t read_rate, size_t read_burst,
						    size_t write_rate, size_t write_burst,
						    const struct timeval *tick_len);
void ev_token_bucket_cfg_free(struct ev_token_bucket_cfg *cfg);
/* cfg is shared, not copied: free it only after the bufferevents using it. NULL: no limit. */
int bufferevent_set_rate_limit(struct bufferevent *bev, struct ev_token_bucket_cfg *cfg);

/* Filters. */
enum bufferevent_filter_result { BEV_OK = 0, BEV_NEED_MORE = 1, BEV_ERROR = 2 };
typedef enum bufferevent_filter_result (*bufferevent_filter_cb)(
	struct evbuffer *src, struct evbuffer *dst, ev_ssize_t dst_limit,
	enum bufferevent_flush_mode mode, void *ctx);
struct bufferevent *bufferevent_filter_new(struct bufferevent *underlying,
					   bufferevent_filter_cb input_filter,
					   bufferevent_filter_cb output_filter, int options,
					   void (*free_context)(void *), void *ctx);

/* Pairs. */
int bufferevent_pair_new(struct event_base *base, int options, struct bufferevent *pair[2]);
struct bufferevent *bufferevent_pair_get_partner(struct bufferevent *bev);

#ifdef __cplusplus
}
#endif
#endif
