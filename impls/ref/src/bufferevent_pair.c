/* bufferevent_pair.c: two bufferevents joined back to back, in memory.
 *
 * Whatever one side writes moves straight into the other side's input, inside the call
 * that queued it, as long as the writer has EV_WRITE and the reader has EV_READ enabled
 * and is below its read high watermark; otherwise it waits in the writer's output until
 * an enable, a drain or a flush lets it through. The callbacks are always deferred, so
 * no user code runs inside the writer's call. There is no fd; ev_read and ev_write are
 * plain timers for the timeouts.
 */
#include <stdlib.h>

#include "bufferevent-internal.h"

struct bufferevent_pair {
	struct bufferevent bev; /* first */
	struct bufferevent_pair *partner;
};

static struct bufferevent_pair *upcast(struct bufferevent *bev)
{
	return (struct bufferevent_pair *)bev;
}

/* Move src's output into dst's input. Up to dst's read high watermark, unless
 * ignore_wm and dst is already at it (a flush), then everything. */
static void transfer(struct bufferevent *src, struct bufferevent *dst, bool ignore_wm)
{
	size_t n = evbuffer_get_length(src->output);
	size_t in = evbuffer_get_length(dst->input);
	if (dst->wm_read_high) {
		if (in < dst->wm_read_high) {
			if (n > dst->wm_read_high - in)
				n = dst->wm_read_high - in;
		} else if (!ignore_wm)
			return;
	}
	bufferevent_incref(src);
	bufferevent_incref(dst);
	evbuffer_unfreeze(src->output, 1);
	evbuffer_unfreeze(dst->input, 0);
	evbuffer_remove_buffer(src->output, dst->input, n);
	evbuffer_freeze(src->output, 1);
	evbuffer_freeze(dst->input, 0);
	if (n) {
		/* Both sides made progress: the reader's idle timer restarts; the writer's
		 * write timer restarts while it still has data, and stops once it has none. */
		bufferevent_reset_read_timeout_(dst);
		if (evbuffer_get_length(src->output))
			bufferevent_reset_write_timeout_(src);
		else
			event_del(&src->ev_write);
	}
	bufferevent_trigger_nolock_(dst, EV_READ, 0);
	bufferevent_trigger_nolock_(src, EV_WRITE, 0);
	bufferevent_decref(dst);
	bufferevent_decref(src);
}

static bool wants_to_talk(struct bufferevent_pair *src, struct bufferevent_pair *dst)
{
	return (src->bev.enabled & EV_WRITE) && (dst->bev.enabled & EV_READ) &&
	       !dst->bev.read_suspended && evbuffer_get_length(src->bev.output);
}

/* Bytes were queued on this side: hand them over if the partner is reading. */
static void output_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct bufferevent_pair *p = arg;
	(void)buf;
	if (info->n_added > info->n_deleted && p->partner && wants_to_talk(p, p->partner))
		transfer(&p->bev, &p->partner->bev, false);
}

static int pair_enable(struct bufferevent *bev, short what)
{
	struct bufferevent_pair *p = upcast(bev);
	if (what & EV_READ)
		bufferevent_reset_read_timeout_(bev);
	if ((what & EV_WRITE) && evbuffer_get_length(bev->output))
		bufferevent_reset_write_timeout_(bev);
	if ((what & EV_READ) && p->partner && wants_to_talk(p->partner, p))
		transfer(&p->partner->bev, bev, false);
	if ((what & EV_WRITE) && p->partner && wants_to_talk(p, p->partner))
		transfer(bev, &p->partner->bev, false);
	return 0;
}

static int pair_disable(struct bufferevent *bev, short what)
{
	if (what & EV_READ)
		event_del(&bev->ev_read);
	if (what & EV_WRITE)
		event_del(&bev->ev_write);
	return 0;
}

static void pair_unlink(struct bufferevent *bev)
{
	struct bufferevent_pair *p = upcast(bev);
	if (p->partner) {
		p->partner->partner = NULL;
		p->partner = NULL;
	}
}

/* BEV_FLUSH / BEV_FINISHED: move everything now, whatever is enabled; FINISHED also
 * tells the partner the stream ended (EOF, with READING for what it received and
 * WRITING for what was taken from it). */
static int pair_flush(struct bufferevent *bev, short iotype, enum bufferevent_flush_mode mode)
{
	struct bufferevent_pair *p = upcast(bev);
	if (!p->partner)
		return -1;
	if (mode == BEV_NORMAL)
		return 0;
	struct bufferevent *partner = &p->partner->bev;
	bufferevent_incref(bev);
	bufferevent_incref(partner);
	if (iotype & EV_READ)
		transfer(partner, bev, true);
	if (iotype & EV_WRITE)
		transfer(bev, partner, true);
	if (mode == BEV_FINISHED) {
		short what = BEV_EVENT_EOF;
		if (iotype & EV_READ)
			what |= BEV_EVENT_WRITING;
		if (iotype & EV_WRITE)
			what |= BEV_EVENT_READING;
		bufferevent_run_eventcb_(partner, what, 0);
	}
	bufferevent_decref(partner);
	bufferevent_decref(bev);
	return 0;
}

static const struct bufferevent_ops pair_ops = {
	.type = "pair",
	.enable = pair_enable,
	.disable = pair_disable,
	.unlink = pair_unlink,
	.adj_timeouts = bufferevent_generic_adj_timeouts_,
	.flush = pair_flush,
};

static struct bufferevent_pair *pair_side_new(struct event_base *base, int options)
{
	struct bufferevent_pair *p = mm_calloc(1, sizeof *p);
	if (!p)
		return NULL;
	if (bufferevent_init_common_(&p->bev, base, &pair_ops, options) != 0) {
		mm_free(p);
		return NULL;
	}
	bufferevent_init_generic_timeouts_(&p->bev);
	evbuffer_add_cb(p->bev.output, output_cb, p);
	evbuffer_freeze(p->bev.input, 0);
	evbuffer_freeze(p->bev.output, 1);
	return p;
}

int bufferevent_pair_new(struct event_base *base, int options, struct bufferevent *pair[2])
{
	options |= BEV_OPT_DEFER_CALLBACKS; /* a pair never calls back inside the writer's call */
	struct bufferevent_pair *a = pair_side_new(base, options);
	/* Both sides share a's lock (a transfer touches both). */
	struct bufferevent_pair *b = a ? pair_side_new(base, options & ~BEV_OPT_THREADSAFE) : NULL;
	if (!b) {
		if (a)
			bufferevent_free(&a->bev);
		return -1;
	}
	if (a->bev.lock)
		bufferevent_share_lock_(&b->bev, a->bev.lock);
	a->partner = b;
	b->partner = a;
	pair[0] = &a->bev;
	pair[1] = &b->bev;
	return 0;
}

struct bufferevent *bufferevent_pair_get_partner(struct bufferevent *bev)
{
	struct bufferevent_pair *p = upcast(bev);
	return p->partner ? &p->partner->bev : NULL;
}
