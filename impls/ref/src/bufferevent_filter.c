/* bufferevent_filter.c: a bufferevent that transforms data on its way to and from
 * another ("underlying") bufferevent.
 *
 *   user --write--> filter.output --output filter--> underlying.output --> socket
 *   user <--read--- filter.input  <--input filter--- underlying.input  <-- socket
 *
 * The filter takes over the underlying's callbacks: its readcb runs the input filter,
 * its writecb runs the output filter again (room freed up), and its events are passed on
 * unchanged. A filter function returns BEV_OK (made progress), BEV_NEED_MORE (cannot
 * progress with what it has) or BEV_ERROR. The underlying reads only while the filter
 * itself has EV_READ enabled (BEV_SUSPEND_FILT_READ). ev_read and ev_write are timers.
 */
#include <stdlib.h>

#include "bufferevent-internal.h"
#include "thread-internal.h"

struct bufferevent_filtered {
	struct bufferevent bev; /* first */
	struct bufferevent *underlying;
	bufferevent_filter_cb process_in, process_out;
	void (*free_context)(void *);
	void *context;
	struct evbuffer_cb_entry *inbuf_cb, *outbuf_cb;
};

static struct bufferevent_filtered *upcast(struct bufferevent *bev)
{
	return (struct bufferevent_filtered *)bev;
}

/* With NULL filter functions data passes through unchanged. */
static enum bufferevent_filter_result pass_through(struct evbuffer *src, struct evbuffer *dst,
						   ev_ssize_t limit, enum bufferevent_flush_mode mode,
						   void *ctx)
{
	(void)mode, (void)ctx;
	return evbuffer_remove_buffer(src, dst, (size_t)limit) >= 0 ? BEV_OK : BEV_ERROR;
}

/* In normal mode the filter's input stops at its read high watermark... */
static bool input_full(struct bufferevent_filtered *f, enum bufferevent_flush_mode mode)
{
	struct bufferevent *bev = &f->bev;
	return mode == BEV_NORMAL && bev->wm_read_high && evbuffer_get_length(bev->input) >= bev->wm_read_high;
}

/* ...and its output stops at the underlying's write high watermark. */
static bool underlying_full(struct bufferevent_filtered *f, enum bufferevent_flush_mode mode)
{
	struct bufferevent *u = f->underlying;
	return mode == BEV_NORMAL && u->wm_write_high && evbuffer_get_length(u->output) >= u->wm_write_high;
}

static enum bufferevent_filter_result process_input(struct bufferevent_filtered *f,
						    enum bufferevent_flush_mode mode, bool *processed)
{
	struct bufferevent *bev = &f->bev;
	enum bufferevent_filter_result res = BEV_OK;
	if (mode == BEV_NORMAL && (!(bev->enabled & EV_READ) || input_full(f, mode)))
		return BEV_OK;
	do {
		ev_ssize_t limit = -1;
		if (mode == BEV_NORMAL && bev->wm_read_high)
			limit = (ev_ssize_t)(bev->wm_read_high - evbuffer_get_length(bev->input));
		res = f->process_in(f->underlying->input, bev->input, limit, mode, f->context);
		if (res == BEV_OK)
			*processed = true;
	} while (res == BEV_OK && (bev->enabled & EV_READ) && evbuffer_get_length(f->underlying->input) &&
		 !input_full(f, mode));
	if (*processed)
		bufferevent_reset_read_timeout_(bev);
	return res;
}

static enum bufferevent_filter_result process_output(struct bufferevent_filtered *f,
						     enum bufferevent_flush_mode mode, bool *processed)
{
	struct bufferevent *bev = &f->bev;
	enum bufferevent_filter_result res = BEV_OK;
	if (mode == BEV_NORMAL &&
	    (!(bev->enabled & EV_WRITE) || underlying_full(f, mode) || !evbuffer_get_length(bev->output)))
		return BEV_OK;
	/* Our own output callback would call us again while we drain the output. */
	evbuffer_cb_clear_flags(bev->output, f->outbuf_cb, EVBUFFER_CB_ENABLED);
	bool again;
	do {
		bool progress = false;
		again = false;
		do {
			ev_ssize_t limit = -1;
			if (mode == BEV_NORMAL && f->underlying->wm_write_high)
				limit = (ev_ssize_t)(f->underlying->wm_write_high -
						     evbuffer_get_length(f->underlying->output));
			res = f->process_out(bev->output, f->underlying->output, limit, mode, f->context);
			if (res == BEV_OK)
				progress = *processed = true;
		} while (res == BEV_OK && (bev->enabled & EV_WRITE) && evbuffer_get_length(bev->output) &&
			 !underlying_full(f, mode));
		if (progress) {
			bufferevent_trigger_nolock_(bev, EV_WRITE, 0);
			/* writecb may have queued more. */
			again = res == BEV_OK && (bev->enabled & EV_WRITE) && evbuffer_get_length(bev->output) &&
				!underlying_full(f, mode);
		}
	} while (again);
	evbuffer_cb_set_flags(bev->output, f->outbuf_cb, EVBUFFER_CB_ENABLED);
	if (*processed) {
		/* Progress restarts the write timer; with nothing left to write it stops. */
		if (evbuffer_get_length(bev->output))
			bufferevent_reset_write_timeout_(bev);
		else
			event_del(&bev->ev_write);
	}
	return res;
}

static void output_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct bufferevent_filtered *f = arg;
	bool processed = false;
	(void)buf;
	if (!info->n_added)
		return;
	bufferevent_incref(&f->bev);
	process_output(f, BEV_NORMAL, &processed);
	bufferevent_decref(&f->bev);
}

/* Run the input filter over what the underlying has read; readcb if anything came. */
static void filter_read(struct bufferevent_filtered *f)
{
	bool processed = false;
	process_input(f, BEV_NORMAL, &processed);
	if (!processed)
		return;
	bufferevent_trigger_nolock_(&f->bev, EV_READ, 0);
	/* Stopped at our high watermark with data left below: look again once drained. */
	if (evbuffer_get_length(f->underlying->input) && input_full(f, BEV_NORMAL))
		evbuffer_cb_set_flags(f->bev.input, f->inbuf_cb, EVBUFFER_CB_ENABLED);
}

static void input_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct bufferevent_filtered *f = arg;
	(void)buf, (void)info;
	if (input_full(f, BEV_NORMAL))
		return;
	evbuffer_cb_clear_flags(f->bev.input, f->inbuf_cb, EVBUFFER_CB_ENABLED);
	if (evbuffer_get_length(f->underlying->input)) {
		bufferevent_incref(&f->bev);
		filter_read(f);
		bufferevent_decref(&f->bev);
	}
}

/* ---- the underlying's callbacks ---- */

static void underlying_readcb(struct bufferevent *underlying, void *arg)
{
	struct bufferevent_filtered *f = arg;
	(void)underlying;
	bufferevent_incref(&f->bev);
	filter_read(f);
	bufferevent_decref(&f->bev);
}

static void underlying_writecb(struct bufferevent *underlying, void *arg)
{
	struct bufferevent_filtered *f = arg;
	bool processed = false;
	(void)underlying;
	bufferevent_incref(&f->bev);
	process_output(f, BEV_NORMAL, &processed);
	bufferevent_decref(&f->bev);
}

static void underlying_eventcb(struct bufferevent *underlying, short what, void *arg)
{
	struct bufferevent_filtered *f = arg;
	(void)underlying;
	bufferevent_run_eventcb_(&f->bev, what, 0);
}

/* ---- ops ---- */

static int filter_enable(struct bufferevent *bev, short what)
{
	struct bufferevent_filtered *f = upcast(bev);
	if ((what & EV_WRITE) && evbuffer_get_length(bev->output))
		bufferevent_reset_write_timeout_(bev);
	if (what & EV_READ) {
		bufferevent_reset_read_timeout_(bev);
		bufferevent_unsuspend_read_(f->underlying, BEV_SUSPEND_FILT_READ);
	}
	return 0;
}

static int filter_disable(struct bufferevent *bev, short what)
{
	struct bufferevent_filtered *f = upcast(bev);
	if (what & EV_WRITE)
		event_del(&bev->ev_write);
	if (what & EV_READ) {
		event_del(&bev->ev_read);
		bufferevent_suspend_read_(f->underlying, BEV_SUSPEND_FILT_READ);
	}
	return 0;
}

/* At free: with CLOSE_ON_FREE the underlying goes too; without, it is handed back,
 * silent and free to read. */
static void filter_unlink(struct bufferevent *bev)
{
	struct bufferevent_filtered *f = upcast(bev);
	if (bev->options & BEV_OPT_CLOSE_ON_FREE) {
		bufferevent_free(f->underlying);
	} else {
		if (f->underlying->eventcb == underlying_eventcb)
			bufferevent_setcb(f->underlying, NULL, NULL, NULL, NULL);
		bufferevent_unsuspend_read_(f->underlying, BEV_SUSPEND_FILT_READ);
	}
}

static void filter_destruct(struct bufferevent *bev)
{
	struct bufferevent_filtered *f = upcast(bev);
	if (f->free_context)
		f->free_context(f->context);
	bufferevent_decref(f->underlying); /* the reference taken in bufferevent_filter_new */
}

static int filter_flush(struct bufferevent *bev, short iotype, enum bufferevent_flush_mode mode)
{
	struct bufferevent_filtered *f = upcast(bev);
	bool processed = false;
	bufferevent_incref(bev);
	if (iotype & EV_READ)
		process_input(f, mode, &processed);
	if (iotype & EV_WRITE)
		process_output(f, mode, &processed);
	bufferevent_flush(f->underlying, iotype, mode);
	bufferevent_decref(bev);
	return processed;
}

static evutil_socket_t filter_getfd(struct bufferevent *bev)
{
	return bufferevent_getfd(upcast(bev)->underlying);
}

static int filter_setfd(struct bufferevent *bev, evutil_socket_t fd)
{
	return bufferevent_setfd(upcast(bev)->underlying, fd);
}

static struct bufferevent *filter_underlying(struct bufferevent *bev)
{
	return upcast(bev)->underlying;
}

static const struct bufferevent_ops filter_ops = {
	.type = "filter",
	.enable = filter_enable,
	.disable = filter_disable,
	.unlink = filter_unlink,
	.destruct = filter_destruct,
	.adj_timeouts = bufferevent_generic_adj_timeouts_,
	.flush = filter_flush,
	.getfd = filter_getfd,
	.setfd = filter_setfd,
	.underlying = filter_underlying,
};

struct bufferevent *bufferevent_filter_new(struct bufferevent *underlying, bufferevent_filter_cb input_filter,
					   bufferevent_filter_cb output_filter, int options,
					   void (*free_context)(void *), void *ctx)
{
	if (!underlying)
		return NULL;
	struct bufferevent_filtered *f = mm_calloc(1, sizeof *f);
	if (!f)
		return NULL;
	struct bufferevent *bev = &f->bev;
	if (bufferevent_init_common_(bev, underlying->base, &filter_ops, options & ~BEV_OPT_THREADSAFE) != 0) {
		mm_free(f);
		return NULL;
	}
	bufferevent_init_generic_timeouts_(bev);
	if (options & BEV_OPT_THREADSAFE) {
		/* One lock for the whole stack: the underlying's, or a new one it takes too. */
		struct ev_lock *lock = underlying->lock ? ev_lock_ref(underlying->lock) : ev_lock_new();
		bufferevent_share_lock_(bev, lock);
		if (!underlying->lock)
			bufferevent_share_lock_(underlying, lock);
		ev_lock_unref(lock);
		bev->options |= BEV_OPT_THREADSAFE;
	}
	f->underlying = underlying;
	f->process_in = input_filter ? input_filter : pass_through;
	f->process_out = output_filter ? output_filter : pass_through;
	f->free_context = free_context;
	f->context = ctx;
	bufferevent_setcb(underlying, underlying_readcb, underlying_writecb, underlying_eventcb, f);
	f->inbuf_cb = evbuffer_add_cb(bev->input, input_cb, f);
	evbuffer_cb_clear_flags(bev->input, f->inbuf_cb, EVBUFFER_CB_ENABLED);
	f->outbuf_cb = evbuffer_add_cb(bev->output, output_cb, f);
	bufferevent_incref(underlying);
	bufferevent_enable(underlying, EV_READ | EV_WRITE);
	bufferevent_suspend_read_(underlying, BEV_SUSPEND_FILT_READ);
	return bev;
}
