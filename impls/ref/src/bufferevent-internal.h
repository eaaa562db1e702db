/* bufferevent-internal.h: the common part of every bufferevent kind (not installed).
 *
 * A bufferevent is an input and an output evbuffer, three user callbacks and the
 * machinery deciding when they run. bufferevent.c holds what all kinds share; each kind
 * (bufferevent_sock.c, _pair.c, _filter.c) provides a struct bufferevent_ops saying how
 * its data actually moves, and embeds struct bufferevent as its first member. */
#ifndef REF_BUFFEREVENT_INTERNAL_H
#define REF_BUFFEREVENT_INTERNAL_H

#include <event2/bufferevent.h>

#include "event-internal.h"

struct bufferevent_ops {
	const char *type;
	/* Start or stop moving data in these directions (EV_READ, EV_WRITE). */
	int (*enable)(struct bufferevent *bev, short what);
	int (*disable)(struct bufferevent *bev, short what);
	/* bufferevent_free: cut links to other bufferevents (partner, underlying). */
	void (*unlink)(struct bufferevent *bev);
	/* The last reference is gone: release what the kind owns (e.g. close the fd). */
	void (*destruct)(struct bufferevent *bev);
	/* The timeouts changed: re-arm whatever is running. */
	void (*adj_timeouts)(struct bufferevent *bev);
	int (*flush)(struct bufferevent *bev, short iotype, enum bufferevent_flush_mode mode);
	evutil_socket_t (*getfd)(struct bufferevent *bev);
	int (*setfd)(struct bufferevent *bev, evutil_socket_t fd);
	struct bufferevent *(*underlying)(struct bufferevent *bev);
};

/* Why a direction is held back although the user enabled it. */
#define BEV_SUSPEND_WM 0x01        /* the input reached the read high watermark */
#define BEV_SUSPEND_FILT_READ 0x02 /* a filter on top does not want to read yet */

struct bufferevent {
	const struct bufferevent_ops *ops;
	struct event_base *base;
	struct evbuffer *input, *output;
	/* Sockets: the read and write events. Pairs and filters: timeout timers. */
	struct event ev_read, ev_write;

	bufferevent_data_cb readcb, writecb;
	bufferevent_event_cb eventcb;
	void *cbarg;

	struct timeval timeout_read, timeout_write; /* {0,0}: none */
	size_t wm_read_low, wm_read_high, wm_write_low, wm_write_high;
	struct evbuffer_cb_entry *read_wm_cb;

	short enabled;       /* what the user enabled (bufferevent_get_enabled) */
	int read_suspended;  /* BEV_SUSPEND_* bits */
	int write_suspended;
	int options;         /* BEV_OPT_* */
	size_t max_single_read, max_single_write;

	struct ev_lock *lock; /* BEV_OPT_THREADSAFE (with lock callbacks): shared with the buffers */
	struct ev_token_bucket_cfg *rate_cfg; /* bufferevent_set_rate_limit */

	int refcnt;          /* the user's reference, plus one per running handler */
	bool freed;          /* bufferevent_free was called */

	/* Deferred callbacks: what to run when `deferred` comes up in the loop. */
	struct event_callback deferred;
	bool readcb_pending, writecb_pending;
	short eventcb_pending;
	int errno_pending;
};

#define MAX_SINGLE_READ_DEFAULT 16384
#define MAX_SINGLE_WRITE_DEFAULT 16384

/* Lock bev and its buffers with lock (another bufferevent's: pairs, filters), replacing
 * the one THREADSAFE gave it. */
void bufferevent_share_lock_(struct bufferevent *bev, struct ev_lock *lock);

int bufferevent_init_common_(struct bufferevent *bev, struct event_base *base,
			     const struct bufferevent_ops *ops, int options);

/* Run a user callback now, or from the loop if `options` or the bufferevent asks for
 * BEV_OPT_DEFER_CALLBACKS. run_eventcb_ keeps errno for a deferred call. */
void bufferevent_run_readcb_(struct bufferevent *bev, int options);
void bufferevent_run_writecb_(struct bufferevent *bev, int options);
void bufferevent_run_eventcb_(struct bufferevent *bev, short what, int options);
/* readcb if the input is at or above the low watermark, writecb if the output is at or
 * below its low watermark (or always, with BEV_TRIG_IGNORE_WATERMARKS). */
void bufferevent_trigger_nolock_(struct bufferevent *bev, short iotype, int options);

void bufferevent_suspend_read_(struct bufferevent *bev, int why);
void bufferevent_unsuspend_read_(struct bufferevent *bev, int why);
void bufferevent_suspend_write_(struct bufferevent *bev, int why);
void bufferevent_unsuspend_write_(struct bufferevent *bev, int why);

/* Pairs and filters: ev_read / ev_write as plain timers that report a timeout. */
void bufferevent_init_generic_timeouts_(struct bufferevent *bev);
void bufferevent_generic_adj_timeouts_(struct bufferevent *bev);
void bufferevent_reset_read_timeout_(struct bufferevent *bev);
void bufferevent_reset_write_timeout_(struct bufferevent *bev);

/* Arm ev with tv when tv is set, else without a timeout. */
int bufferevent_add_event_(struct event *ev, const struct timeval *tv);

#endif
