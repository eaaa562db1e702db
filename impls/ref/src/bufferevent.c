/* bufferevent.c: what every bufferevent kind shares.
 *
 *  - Callbacks. The kinds call bufferevent_run_{read,write,event}cb_. Without
 *    BEV_OPT_DEFER_CALLBACKS the user's callback runs right there; with it, the call is
 *    recorded (flags in struct bufferevent) and one deferred callback in the loop's active
 *    queue replays them: CONNECTED first, then readcb, writecb, then the other events
 *    (ORed together), each with the errno it was recorded with.
 *  - Watermarks. readcb waits for the read low watermark; reading pauses at the read
 *    high watermark (a callback on the input suspends and resumes it, whoever drains).
 *    writecb waits for the output to drop to the write low watermark.
 *  - enable/disable: the user's view (`enabled`) versus what really runs: a direction
 *    can be suspended for an internal reason and still count as enabled.
 *  - Locks. A THREADSAFE bufferevent has a lock (thread-internal.h), shared with its
 *    buffers. User callbacks run with it held, except deferred ones under
 *    BEV_OPT_UNLOCK_CALLBACKS; bufferevent_lock takes it for the program. The socket
 *    handlers and the main user-facing calls take it too.
 *  - Lifetime. A reference count: the user holds one, every running handler and the
 *    queued deferred callback hold one. bufferevent_free clears the callbacks, stops all
 *    I/O and drops the user's reference; the memory goes with the last reference, so
 *    freeing inside a callback is safe.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buffer-internal.h"
#include "bufferevent-internal.h"
#include "thread-internal.h"

void bufferevent_incref(struct bufferevent *bev)
{
	bev->refcnt++;
}

int bufferevent_decref(struct bufferevent *bev)
{
	if (--bev->refcnt > 0)
		return 0;
	int saved = errno;
	/* The last reference dropped without bufferevent_free: unlink as the free would (a
	 * filter takes its callbacks back from the underlying, a pair side leaves its partner),
	 * so nothing calls into the memory freed below. */
	if (!bev->freed && bev->ops->unlink)
		bev->ops->unlink(bev);
	if (bev->ops->destruct)
		bev->ops->destruct(bev);
	event_del(&bev->ev_read);
	event_del(&bev->ev_write);
	evbuffer_free(bev->input);
	evbuffer_free(bev->output);
	ev_lock_unref(bev->lock);
	mm_free(bev); /* every kind starts with struct bufferevent */
	errno = saved;
	return 1;
}

/* ---- deferred callbacks ---- */

/* A user callback runs with the lock held unless it is deferred and the bufferevent
 * asked for BEV_OPT_UNLOCK_CALLBACKS. */
static void cb_enter(struct bufferevent *bev, bool deferred_run)
{
	if (!deferred_run || !(bev->options & BEV_OPT_UNLOCK_CALLBACKS))
		ev_lock_acquire(bev->lock);
}

static void cb_leave(struct bufferevent *bev, bool deferred_run)
{
	if (!deferred_run || !(bev->options & BEV_OPT_UNLOCK_CALLBACKS))
		ev_lock_release(bev->lock);
}

static void run_deferred(struct event_callback *cb)
{
	struct bufferevent *bev = container_of(cb, struct bufferevent, deferred);
	/* The reference taken when this was queued keeps bev alive through the calls. */
	cb_enter(bev, true);
	if (bev->eventcb_pending & BEV_EVENT_CONNECTED) {
		bev->eventcb_pending &= ~BEV_EVENT_CONNECTED;
		if (bev->eventcb)
			bev->eventcb(bev, BEV_EVENT_CONNECTED, bev->cbarg);
	}
	if (bev->readcb_pending) {
		bev->readcb_pending = false;
		if (bev->readcb)
			bev->readcb(bev, bev->cbarg);
	}
	if (bev->writecb_pending) {
		bev->writecb_pending = false;
		if (bev->writecb)
			bev->writecb(bev, bev->cbarg);
	}
	if (bev->eventcb_pending) {
		short what = bev->eventcb_pending;
		bev->eventcb_pending = 0;
		errno = bev->errno_pending;
		if (bev->eventcb)
			bev->eventcb(bev, what, bev->cbarg);
	}
	cb_leave(bev, true);
	bufferevent_decref(bev);
}

static void schedule_deferred(struct bufferevent *bev)
{
	if (ev_callback_schedule(bev->base, &bev->deferred))
		bufferevent_incref(bev);
}

static bool deferred(const struct bufferevent *bev, int options)
{
	return (options | bev->options) & BEV_OPT_DEFER_CALLBACKS;
}

void bufferevent_run_readcb_(struct bufferevent *bev, int options)
{
	if (!bev->readcb)
		return;
	if (deferred(bev, options)) {
		bev->readcb_pending = true;
		schedule_deferred(bev);
		return;
	}
	bufferevent_incref(bev);
	cb_enter(bev, false);
	bev->readcb(bev, bev->cbarg);
	cb_leave(bev, false);
	bufferevent_decref(bev);
}

void bufferevent_run_writecb_(struct bufferevent *bev, int options)
{
	if (!bev->writecb)
		return;
	if (deferred(bev, options)) {
		bev->writecb_pending = true;
		schedule_deferred(bev);
		return;
	}
	bufferevent_incref(bev);
	cb_enter(bev, false);
	bev->writecb(bev, bev->cbarg);
	cb_leave(bev, false);
	bufferevent_decref(bev);
}

void bufferevent_run_eventcb_(struct bufferevent *bev, short what, int options)
{
	if (!bev->eventcb)
		return;
	if (deferred(bev, options)) {
		bev->eventcb_pending |= what;
		bev->errno_pending = errno;
		schedule_deferred(bev);
		return;
	}
	bufferevent_incref(bev);
	cb_enter(bev, false);
	bev->eventcb(bev, what, bev->cbarg);
	cb_leave(bev, false);
	bufferevent_decref(bev);
}

void bufferevent_trigger_nolock_(struct bufferevent *bev, short iotype, int options)
{
	bool ignore_wm = options & BEV_TRIG_IGNORE_WATERMARKS;
	if ((iotype & EV_READ) && (ignore_wm || evbuffer_get_length(bev->input) >= bev->wm_read_low))
		bufferevent_run_readcb_(bev, options);
	if ((iotype & EV_WRITE) && (ignore_wm || evbuffer_get_length(bev->output) <= bev->wm_write_low))
		bufferevent_run_writecb_(bev, options);
}

void bufferevent_trigger(struct bufferevent *bev, short iotype, int options)
{
	bufferevent_incref(bev);
	bufferevent_trigger_nolock_(bev, iotype, options);
	bufferevent_decref(bev);
}

void bufferevent_trigger_event(struct bufferevent *bev, short what, int options)
{
	bufferevent_incref(bev);
	bufferevent_run_eventcb_(bev, what, options);
	bufferevent_decref(bev);
}

/* ---- suspension ---- */

void bufferevent_suspend_read_(struct bufferevent *bev, int why)
{
	if (!bev->read_suspended)
		bev->ops->disable(bev, EV_READ);
	bev->read_suspended |= why;
}

void bufferevent_unsuspend_read_(struct bufferevent *bev, int why)
{
	bev->read_suspended &= ~why;
	if (!bev->read_suspended && (bev->enabled & EV_READ))
		bev->ops->enable(bev, EV_READ);
}

void bufferevent_suspend_write_(struct bufferevent *bev, int why)
{
	if (!bev->write_suspended)
		bev->ops->disable(bev, EV_WRITE);
	bev->write_suspended |= why;
}

void bufferevent_unsuspend_write_(struct bufferevent *bev, int why)
{
	bev->write_suspended &= ~why;
	if (!bev->write_suspended && (bev->enabled & EV_WRITE))
		bev->ops->enable(bev, EV_WRITE);
}

/* The input changed size: pause reading at the high watermark, resume below it. */
static void input_wm_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct bufferevent *bev = arg;
	(void)info;
	if (evbuffer_get_length(buf) >= bev->wm_read_high)
		bufferevent_suspend_read_(bev, BEV_SUSPEND_WM);
	else
		bufferevent_unsuspend_read_(bev, BEV_SUSPEND_WM);
}

/* ---- creation and the user-facing calls ---- */

int bufferevent_init_common_(struct bufferevent *bev, struct event_base *base,
			     const struct bufferevent_ops *ops, int options)
{
	if ((options & (BEV_OPT_DEFER_CALLBACKS | BEV_OPT_UNLOCK_CALLBACKS)) == BEV_OPT_UNLOCK_CALLBACKS) {
		ev_warn("UNLOCK_CALLBACKS requires DEFER_CALLBACKS");
		return -1;
	}
	bev->input = evbuffer_new();
	bev->output = evbuffer_new();
	if (!bev->input || !bev->output) {
		evbuffer_free(bev->input);
		evbuffer_free(bev->output);
		return -1;
	}
	bev->ops = ops;
	bev->base = base;
	bev->options = options;
	bev->enabled = EV_WRITE; /* reading starts when the user asks for it */
	if (options & BEV_OPT_THREADSAFE) {
		/* Without lock callbacks there is nothing to lock with: the bufferevent simply
		 * has no lock (libevent fails the creation instead). */
		bev->lock = ev_lock_new();
		evbuffer_share_lock_(bev->input, bev->lock);
		evbuffer_share_lock_(bev->output, bev->lock);
	}
	bev->refcnt = 1;
	bev->max_single_read = MAX_SINGLE_READ_DEFAULT;
	bev->max_single_write = MAX_SINGLE_WRITE_DEFAULT;
	ev_callback_init(&bev->deferred, run_deferred);
	return 0;
}

void bufferevent_share_lock_(struct bufferevent *bev, struct ev_lock *lock)
{
	ev_lock_ref(lock);
	ev_lock_unref(bev->lock);
	bev->lock = lock;
	evbuffer_share_lock_(bev->input, lock);
	evbuffer_share_lock_(bev->output, lock);
}

void bufferevent_free(struct bufferevent *bev)
{
	bufferevent_setcb(bev, NULL, NULL, NULL, NULL);
	bev->freed = true;
	if (bev->ops->unlink)
		bev->ops->unlink(bev);
	event_del(&bev->ev_read);
	event_del(&bev->ev_write);
	if (ev_callback_cancel(bev->base, &bev->deferred))
		bufferevent_decref(bev); /* the queued deferred callback's reference */
	bufferevent_decref(bev);
}

void bufferevent_setcb(struct bufferevent *bev, bufferevent_data_cb readcb, bufferevent_data_cb writecb,
		       bufferevent_event_cb eventcb, void *cbarg)
{
	bev->readcb = readcb;
	bev->writecb = writecb;
	bev->eventcb = eventcb;
	bev->cbarg = cbarg;
}

void bufferevent_getcb(struct bufferevent *bev, bufferevent_data_cb *readcb, bufferevent_data_cb *writecb,
		       bufferevent_event_cb *eventcb, void **cbarg)
{
	if (readcb)
		*readcb = bev->readcb;
	if (writecb)
		*writecb = bev->writecb;
	if (eventcb)
		*eventcb = bev->eventcb;
	if (cbarg)
		*cbarg = bev->cbarg;
}

struct evbuffer *bufferevent_get_input(struct bufferevent *bev) { return bev->input; }
struct evbuffer *bufferevent_get_output(struct bufferevent *bev) { return bev->output; }
struct event_base *bufferevent_get_base(struct bufferevent *bev) { return bev->base; }
short bufferevent_get_enabled(struct bufferevent *bev) { return bev->enabled; }

int bufferevent_write(struct bufferevent *bev, const void *data, size_t size)
{
	return evbuffer_add(bev->output, data, size) == 0 ? 0 : -1;
}

int bufferevent_write_buffer(struct bufferevent *bev, struct evbuffer *buf)
{
	return evbuffer_add_buffer(bev->output, buf) == 0 ? 0 : -1;
}

size_t bufferevent_read(struct bufferevent *bev, void *data, size_t size)
{
	int n = evbuffer_remove(bev->input, data, size);
	return n > 0 ? (size_t)n : 0;
}

int bufferevent_read_buffer(struct bufferevent *bev, struct evbuffer *buf)
{
	return evbuffer_add_buffer(buf, bev->input);
}

int bufferevent_enable(struct bufferevent *bev, short what)
{
	short run = what;
	if (bev->read_suspended)
		run &= ~EV_READ;
	if (bev->write_suspended)
		run &= ~EV_WRITE;
	bev->enabled |= what;
	bufferevent_incref(bev);
	int r = run ? bev->ops->enable(bev, run) : 0;
	bufferevent_decref(bev);
	return r;
}

int bufferevent_disable(struct bufferevent *bev, short what)
{
	bev->enabled &= ~what;
	return bev->ops->disable(bev, what);
}

void bufferevent_setwatermark(struct bufferevent *bev, short events, size_t low, size_t high)
{
	if (events & EV_WRITE) {
		bev->wm_write_low = low;
		bev->wm_write_high = high;
	}
	if (!(events & EV_READ))
		return;
	bev->wm_read_low = low;
	bev->wm_read_high = high;
	if (high) {
		if (!bev->read_wm_cb) {
			bev->read_wm_cb = evbuffer_add_cb(bev->input, input_wm_cb, bev);
			evbuffer_cb_set_nodefer_(bev->read_wm_cb);
		}
		evbuffer_cb_set_flags(bev->input, bev->read_wm_cb, EVBUFFER_CB_ENABLED);
		/* The new limit applies to what is already in the input. */
		if (evbuffer_get_length(bev->input) >= high)
			bufferevent_suspend_read_(bev, BEV_SUSPEND_WM);
		else
			bufferevent_unsuspend_read_(bev, BEV_SUSPEND_WM);
	} else {
		if (bev->read_wm_cb)
			evbuffer_cb_clear_flags(bev->input, bev->read_wm_cb, EVBUFFER_CB_ENABLED);
		bufferevent_unsuspend_read_(bev, BEV_SUSPEND_WM);
	}
}

int bufferevent_getwatermark(struct bufferevent *bev, short events, size_t *low, size_t *high)
{
	size_t l, h;
	if (events == EV_READ)
		l = bev->wm_read_low, h = bev->wm_read_high;
	else if (events == EV_WRITE)
		l = bev->wm_write_low, h = bev->wm_write_high;
	else
		return -1;
	if (low)
		*low = l;
	if (high)
		*high = h;
	return 0;
}

int bufferevent_set_timeouts(struct bufferevent *bev, const struct timeval *tr, const struct timeval *tw)
{
	static const struct timeval none = { 0, 0 };
	bev->timeout_read = tr ? *tr : none;
	bev->timeout_write = tw ? *tw : none;
	if (bev->ops->adj_timeouts)
		bev->ops->adj_timeouts(bev);
	return 0;
}

int bufferevent_flush(struct bufferevent *bev, short iotype, enum bufferevent_flush_mode mode)
{
	return bev->ops->flush ? bev->ops->flush(bev, iotype, mode) : -1;
}

evutil_socket_t bufferevent_getfd(struct bufferevent *bev)
{
	return bev->ops->getfd ? bev->ops->getfd(bev) : -1;
}

int bufferevent_setfd(struct bufferevent *bev, evutil_socket_t fd)
{
	return bev->ops->setfd ? bev->ops->setfd(bev, fd) : -1;
}

struct bufferevent *bufferevent_get_underlying(struct bufferevent *bev)
{
	return bev->ops->underlying ? bev->ops->underlying(bev) : NULL;
}

int bufferevent_set_max_single_read(struct bufferevent *bev, size_t size)
{
	bev->max_single_read = (size == 0 || size > EV_SSIZE_MAX) ? MAX_SINGLE_READ_DEFAULT : size;
	return 0;
}

int bufferevent_set_max_single_write(struct bufferevent *bev, size_t size)
{
	bev->max_single_write = (size == 0 || size > EV_SSIZE_MAX) ? MAX_SINGLE_WRITE_DEFAULT : size;
	return 0;
}

ev_ssize_t bufferevent_get_max_single_read(struct bufferevent *bev) { return (ev_ssize_t)bev->max_single_read; }
ev_ssize_t bufferevent_get_max_single_write(struct bufferevent *bev) { return (ev_ssize_t)bev->max_single_write; }
ev_ssize_t bufferevent_get_max_to_read(struct bufferevent *bev) { return (ev_ssize_t)bev->max_single_read; }
ev_ssize_t bufferevent_get_max_to_write(struct bufferevent *bev) { return (ev_ssize_t)bev->max_single_write; }

void bufferevent_lock(struct bufferevent *bev) { ev_lock_acquire(bev->lock); }
void bufferevent_unlock(struct bufferevent *bev) { ev_lock_release(bev->lock); }

/* ---- timeouts for kinds without I/O events: plain timers ---- */

int bufferevent_add_event_(struct event *ev, const struct timeval *tv)
{
	return event_add(ev, evutil_timerisset(tv) ? tv : NULL);
}

static void generic_read_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct bufferevent *bev = arg;
	(void)fd, (void)what;
	bufferevent_incref(bev);
	bufferevent_disable(bev, EV_READ);
	bufferevent_run_eventcb_(bev, BEV_EVENT_READING | BEV_EVENT_TIMEOUT, 0);
	bufferevent_decref(bev);
}

static void generic_write_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct bufferevent *bev = arg;
	(void)fd, (void)what;
	bufferevent_incref(bev);
	bufferevent_disable(bev, EV_WRITE);
	bufferevent_run_eventcb_(bev, BEV_EVENT_WRITING | BEV_EVENT_TIMEOUT, 0);
	bufferevent_decref(bev);
}

void bufferevent_init_generic_timeouts_(struct bufferevent *bev)
{
	ev_assign(&bev->ev_read, bev->base, -1, 0, generic_read_timeout, bev);
	ev_assign(&bev->ev_write, bev->base, -1, 0, generic_write_timeout, bev);
}

void bufferevent_reset_read_timeout_(struct bufferevent *bev)
{
	if (evutil_timerisset(&bev->timeout_read))
		event_add(&bev->ev_read, &bev->timeout_read);
}

void bufferevent_reset_write_timeout_(struct bufferevent *bev)
{
	if (evutil_timerisset(&bev->timeout_write))
		event_add(&bev->ev_write, &bev->timeout_write);
}

void bufferevent_generic_adj_timeouts_(struct bufferevent *bev)
{
	if ((bev->enabled & EV_READ) && !bev->read_suspended && evutil_timerisset(&bev->timeout_read))
		event_add(&bev->ev_read, &bev->timeout_read);
	else
		event_del(&bev->ev_read);
	if ((bev->enabled & EV_WRITE) && !bev->write_suspended && evutil_timerisset(&bev->timeout_write) &&
	    evbuffer_get_length(bev->output))
		event_add(&bev->ev_write, &bev->timeout_write);
	else
		event_del(&bev->ev_write);
}
