/* buffer.c: evbuffer, a byte queue.
 *
 * Storage. The bytes live in a singly linked list of chains. A chain is a window
 * [start, start+len) on a block of memory. A block is either ours (malloc'ed, and then
 * the space after the last chain's window can take appended bytes) or a caller's
 * (evbuffer_add_reference: read-only, with a cleanup function). Blocks are reference
 * counted so that evbuffer_add_buffer_reference can show the same bytes in two buffers;
 * a block is written to only while exactly one chain uses it and that chain is not a view.
 *
 * Invariant: only the last chain may be empty (space reserved for the next write).
 *
 * Positions. Every position is an offset from the front (evbuffer_ptr.pos); ref walks
 * the chain list to find it and leaves evbuffer_ptr.internal_ unused.
 *
 * Callbacks. Each change adds to n_added / n_deleted; the callbacks then run at once,
 * or, after evbuffer_defer_callbacks, once from the loop with the sums.
 *
 * Freezing. freeze_start forbids removing from the front, freeze_end adding at the end;
 * bufferevents freeze the ends of their buffers that belong to the I/O side.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <event2/buffer_compat.h>

#include "buffer-internal.h"
#include "event-internal.h"
#include "thread-internal.h"

#define MIN_CHAIN_SIZE 1024
#define MAX_READ 4096            /* one evbuffer_read reads at most this much */
#define MAX_WRITE_IOVECS 128
#define MAX_CHAIN_SIZE ((size_t)EV_SSIZE_MAX / 2) /* refuse absurd allocations */

struct block {
	int refcnt;
	unsigned char *mem;
	size_t size;
	bool owned; /* ours: mm_free() it; else a reference: call cleanup */
	evbuffer_ref_cleanup_cb cleanup;
	void *cleanup_arg;
};

struct chain {
	struct chain *next;
	struct block *block;
	size_t start; /* first byte in block->mem */
	size_t len;
	/* A view made by evbuffer_add_buffer_reference, or a file range: like libevent, a
	 * buffer holding one is refused as the source of evbuffer_add_buffer_reference. The
	 * mark moves with whole chains (add_buffer) and is lost when bytes are copied. */
	bool unreferenceable;
};

struct evbuffer_cb_entry {
	struct evbuffer_cb_entry *next;
	evbuffer_cb_func fn;
	evbuffer_cb obsolete_fn; /* set instead of fn by evbuffer_setcb */
	void *arg;
	ev_uint32_t flags;
};

struct evbuffer {
	struct chain *first, *last;
	size_t total;
	bool freeze_start, freeze_end;
	ev_uint64_t flags;

	struct evbuffer_cb_entry *callbacks; /* newest first */
	size_t n_added, n_deleted;           /* not yet reported to the callbacks */
	struct event_base *defer_base;       /* set: callbacks run from this loop */
	struct event_callback deferred;
	struct ev_lock *lock;                /* evbuffer_enable_locking; NULL: none */
};

/* ---- blocks and chains ---- */

static void block_release(struct block *b)
{
	if (--b->refcnt > 0)
		return;
	if (b->owned)
		mm_free(b->mem);
	else if (b->cleanup)
		b->cleanup(b->mem, b->size, b->cleanup_arg);
	mm_free(b);
}

static struct chain *chain_new(size_t capacity)
{
	if (capacity > MAX_CHAIN_SIZE)
		return NULL;
	if (capacity < MIN_CHAIN_SIZE)
		capacity = MIN_CHAIN_SIZE;
	struct chain *c = mm_calloc(1, sizeof *c);
	struct block *b = mm_calloc(1, sizeof *b);
	unsigned char *mem = mm_malloc(capacity);
	if (!c || !b || !mem) {
		mm_free(c), mm_free(b), mm_free(mem);
		return NULL;
	}
	b->refcnt = 1;
	b->mem = mem;
	b->size = capacity;
	b->owned = true;
	c->block = b;
	return c;
}

static void chain_free(struct chain *c)
{
	block_release(c->block);
	mm_free(c);
}

static unsigned char *chain_data(const struct chain *c)
{
	return c->block->mem + c->start;
}

/* Whether c's block may be written: ours and used by c alone. A view stays read-only even
 * when its source is gone (libevent's multicast chains are immutable), so that bytes
 * added later land in a plain chain that add_buffer_reference accepts. */
static bool chain_writable(const struct chain *c)
{
	return c->block->owned && c->block->refcnt == 1 && !c->unreferenceable;
}

/* Bytes that can be appended to c in place. */
static size_t chain_room(const struct chain *c)
{
	if (!chain_writable(c))
		return 0;
	return c->block->size - c->start - c->len;
}

static void append_chain(struct evbuffer *buf, struct chain *c)
{
	c->next = NULL;
	if (buf->last)
		buf->last->next = c;
	else
		buf->first = c;
	buf->last = c;
}

/* Keep the invariant before chains are added after the last one. */
static void drop_empty_tail(struct evbuffer *buf)
{
	if (!buf->last || buf->last->len)
		return;
	struct chain *prev = NULL;
	for (struct chain *c = buf->first; c != buf->last; c = c->next)
		prev = c;
	chain_free(buf->last);
	buf->last = prev;
	if (prev)
		prev->next = NULL;
	else
		buf->first = NULL;
}

/* Find the chain holding offset pos (< total) and the offset inside it. */
static struct chain *locate(const struct evbuffer *buf, size_t pos, size_t *in_chain)
{
	struct chain *c = buf->first;
	while (c && pos >= c->len) {
		pos -= c->len;
		c = c->next;
	}
	*in_chain = pos;
	return c;
}

/* ---- callbacks ---- */

static void run_callbacks(struct evbuffer *buf, bool deferred_run)
{
	if (!buf->n_added && !buf->n_deleted)
		return;
	struct evbuffer_cb_info info;
	info.n_added = buf->n_added;
	info.n_deleted = buf->n_deleted;
	info.orig_size = buf->total + buf->n_deleted - buf->n_added;
	/* With deferral on, the immediate run only serves NODEFER callbacks and leaves the
	 * sums for the deferred run. */
	bool only_nodefer = buf->defer_base && !deferred_run;
	if (!only_nodefer)
		buf->n_added = buf->n_deleted = 0;
	/* Callbacks run with the buffer locked, as if still inside the change they report.
	 * A callback may free the buffer (its bufferevent goes): hold our own reference. */
	struct ev_lock *lock = ev_lock_ref(buf->lock);
	ev_lock_acquire(lock);
	struct evbuffer_cb_entry *e, *next;
	for (e = buf->callbacks; e; e = next) {
		next = e->next;
		if (!(e->flags & EVBUFFER_CB_ENABLED))
			continue;
		bool nodefer = e->flags & EVBUFFER_CB_NODEFER;
		if (buf->defer_base && nodefer == deferred_run)
			continue;
		if (e->obsolete_fn)
			e->obsolete_fn(buf, info.orig_size, info.orig_size + info.n_added - info.n_deleted, e->arg);
		else
			e->fn(buf, &info, e->arg);
	}
	ev_lock_release(lock);
	ev_lock_unref(lock);
}

static void run_deferred_callbacks(struct event_callback *cb)
{
	run_callbacks(container_of(cb, struct evbuffer, deferred), true);
}

/* Report a change (already counted in n_added / n_deleted). */
static void changed(struct evbuffer *buf)
{
	if (!buf->callbacks) {
		buf->n_added = buf->n_deleted = 0;
		return;
	}
	if (!buf->n_added && !buf->n_deleted)
		return;
	if (buf->defer_base)
		ev_callback_schedule(buf->defer_base, &buf->deferred);
	run_callbacks(buf, false);
}

struct evbuffer_cb_entry *evbuffer_add_cb(struct evbuffer *buf, evbuffer_cb_func fn, void *arg)
{
	struct evbuffer_cb_entry *e = mm_calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->fn = fn;
	e->arg = arg;
	e->flags = EVBUFFER_CB_ENABLED;
	e->next = buf->callbacks;
	buf->callbacks = e;
	return e;
}

int evbuffer_setcb(struct evbuffer *buf, evbuffer_cb cb, void *arg)
{
	struct evbuffer_cb_entry *e = NULL;
	if (cb && !(e = mm_calloc(1, sizeof *e)))
		return -1; /* the old callbacks stay */
	while (buf->callbacks)
		evbuffer_remove_cb_entry(buf, buf->callbacks);
	if (e) {
		e->obsolete_fn = cb;
		e->arg = arg;
		e->flags = EVBUFFER_CB_ENABLED;
		buf->callbacks = e;
	}
	return 0;
}

int evbuffer_remove_cb_entry(struct evbuffer *buf, struct evbuffer_cb_entry *ent)
{
	for (struct evbuffer_cb_entry **p = &buf->callbacks; *p; p = &(*p)->next)
		if (*p == ent) {
			*p = ent->next;
			mm_free(ent);
			return 0;
		}
	return -1;
}

int evbuffer_remove_cb(struct evbuffer *buf, evbuffer_cb_func fn, void *arg)
{
	for (struct evbuffer_cb_entry *e = buf->callbacks; e; e = e->next)
		if (e->fn == fn && e->arg == arg)
			return evbuffer_remove_cb_entry(buf, e);
	return -1;
}

int evbuffer_cb_set_flags(struct evbuffer *buf, struct evbuffer_cb_entry *e, ev_uint32_t flags)
{
	(void)buf;
	e->flags |= flags & EVBUFFER_CB_ENABLED;
	return 0;
}

int evbuffer_cb_clear_flags(struct evbuffer *buf, struct evbuffer_cb_entry *e, ev_uint32_t flags)
{
	(void)buf;
	e->flags &= ~(flags & EVBUFFER_CB_ENABLED);
	return 0;
}

void evbuffer_cb_set_nodefer_(struct evbuffer_cb_entry *e)
{
	e->flags |= EVBUFFER_CB_NODEFER;
}

int evbuffer_defer_callbacks(struct evbuffer *buf, struct event_base *base)
{
	if (buf->defer_base)
		ev_callback_cancel(buf->defer_base, &buf->deferred);
	buf->defer_base = base;
	return 0;
}

/* ---- life cycle and flags ---- */

struct evbuffer *evbuffer_new(void)
{
	struct evbuffer *buf = mm_calloc(1, sizeof *buf);
	if (buf)
		ev_callback_init(&buf->deferred, run_deferred_callbacks);
	return buf;
}

void evbuffer_free(struct evbuffer *buf)
{
	if (!buf)
		return;
	if (buf->defer_base)
		ev_callback_cancel(buf->defer_base, &buf->deferred);
	struct chain *c, *next;
	for (c = buf->first; c; c = next) {
		next = c->next;
		chain_free(c);
	}
	struct evbuffer_cb_entry *e, *enext;
	for (e = buf->callbacks; e; e = enext) {
		enext = e->next;
		mm_free(e);
	}
	ev_lock_unref(buf->lock);
	mm_free(buf);
}

/* ---- locking: ref only takes the lock around callbacks and when asked to ---- */

int evbuffer_enable_locking(struct evbuffer *buf, void *lock)
{
	if (buf->lock)
		return -1;
	buf->lock = lock ? ev_lock_wrap(lock) : ev_lock_new();
	return buf->lock ? 0 : -1;
}

void evbuffer_share_lock_(struct evbuffer *buf, struct ev_lock *lock)
{
	ev_lock_unref(buf->lock);
	buf->lock = ev_lock_ref(lock);
}

void evbuffer_lock(struct evbuffer *buf) { ev_lock_acquire(buf->lock); }
void evbuffer_unlock(struct evbuffer *buf) { ev_lock_release(buf->lock); }
int evbuffer_set_flags(struct evbuffer *buf, ev_uint64_t flags) { buf->flags |= flags; return 0; }
int evbuffer_clear_flags(struct evbuffer *buf, ev_uint64_t flags) { buf->flags &= ~flags; return 0; }

int evbuffer_freeze(struct evbuffer *buf, int at_front)
{
	if (at_front)
		buf->freeze_start = true;
	else
		buf->freeze_end = true;
	return 0;
}

int evbuffer_unfreeze(struct evbuffer *buf, int at_front)
{
	if (at_front)
		buf->freeze_start = false;
	else
		buf->freeze_end = false;
	return 0;
}

size_t evbuffer_get_length(const struct evbuffer *buf)
{
	return buf->total;
}

size_t evbuffer_get_contiguous_space(const struct evbuffer *buf)
{
	return buf->first ? buf->first->len : 0;
}

/* ---- adding ---- */

/* Copy n bytes to the end, without freeze checks or callbacks. */
static int append_bytes(struct evbuffer *buf, const void *data, size_t n)
{
	const unsigned char *p = data;
	if (n == 0)
		return 0;
	if (n > SIZE_MAX - buf->total)
		return -1;
	struct chain *tail = buf->last;
	size_t room = tail ? chain_room(tail) : 0;
	struct chain *extra = NULL;
	if (room < n) {
		extra = chain_new(n - room);
		if (!extra)
			return -1;
	}
	if (room) {
		size_t k = room < n ? room : n;
		memcpy(chain_data(tail) + tail->len, p, k);
		tail->len += k;
		p += k;
		n -= k;
		buf->total += k;
	}
	if (extra) {
		drop_empty_tail(buf);
		memcpy(chain_data(extra), p, n);
		extra->len = n;
		append_chain(buf, extra);
		buf->total += n;
	}
	return 0;
}

int evbuffer_add(struct evbuffer *buf, const void *data, size_t n)
{
	if (buf->freeze_end || n > SIZE_MAX - buf->total)
		return -1;
	if (append_bytes(buf, data, n) != 0)
		return -1;
	buf->n_added += n;
	changed(buf);
	return 0;
}

int evbuffer_prepend(struct evbuffer *buf, const void *data, size_t n)
{
	if (n == 0) /* moves nothing: fine even when frozen */
		return 0;
	if (buf->freeze_start || n > SIZE_MAX - buf->total)
		return -1;
	struct chain *c = buf->first;
	if (c && chain_writable(c) && (c->len == 0 || c->start >= n)) {
		if (c->len == 0)
			c->start = c->block->size >= n ? c->block->size - n : 0;
		if (c->start >= n) {
			c->start -= n;
			memcpy(chain_data(c), data, n);
			c->len += n;
			goto done;
		}
	}
	/* A new chain in front, its data at the end of the block so later prepends fit. */
	c = chain_new(n);
	if (!c)
		return -1;
	c->start = c->block->size - n;
	c->len = n;
	memcpy(chain_data(c), data, n);
	if (buf->first && buf->first->len == 0) { /* the only chain, and empty: replace it */
		chain_free(buf->first);
		buf->first = buf->last = NULL;
	}
	c->next = buf->first;
	buf->first = c;
	if (!buf->last)
		buf->last = c;
done:
	buf->total += n;
	buf->n_added += n;
	changed(buf);
	return 0;
}

int evbuffer_add_vprintf(struct evbuffer *buf, const char *fmt, va_list ap)
{
	if (buf->freeze_end)
		return -1;
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		return -1;
	char *tmp = mm_malloc((size_t)n + 1);
	if (!tmp)
		return -1;
	vsnprintf(tmp, (size_t)n + 1, fmt, ap);
	int r = evbuffer_add(buf, tmp, (size_t)n);
	mm_free(tmp);
	return r == 0 ? n : -1;
}

int evbuffer_add_printf(struct evbuffer *buf, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = evbuffer_add_vprintf(buf, fmt, ap);
	va_end(ap);
	return r;
}

size_t evbuffer_add_iovec(struct evbuffer *buf, struct evbuffer_iovec *vec, int n_vec)
{
	size_t added = 0;
	for (int i = 0; i < n_vec; i++) {
		if (evbuffer_add(buf, vec[i].iov_base, vec[i].iov_len) != 0)
			break;
		added += vec[i].iov_len;
	}
	return added;
}

static int add_reference(struct evbuffer *buf, const void *data, size_t n,
			 evbuffer_ref_cleanup_cb cleanup, void *arg, bool unreferenceable)
{
	if (buf->freeze_end || n > SIZE_MAX - buf->total)
		return -1;
	struct chain *c = mm_calloc(1, sizeof *c);
	struct block *b = mm_calloc(1, sizeof *b);
	if (!c || !b) {
		mm_free(c), mm_free(b);
		return -1;
	}
	b->refcnt = 1;
	b->mem = (unsigned char *)data;
	b->size = n;
	b->cleanup = cleanup;
	b->cleanup_arg = arg;
	c->block = b;
	c->len = n;
	c->unreferenceable = unreferenceable;
	if (n == 0) { /* nothing to hold on to */
		chain_free(c);
		return 0;
	}
	drop_empty_tail(buf);
	append_chain(buf, c);
	buf->total += n;
	buf->n_added += n;
	changed(buf);
	return 0;
}

int evbuffer_add_reference(struct evbuffer *buf, const void *data, size_t n,
			   evbuffer_ref_cleanup_cb cleanup, void *arg)
{
	return add_reference(buf, data, n, cleanup, arg, false);
}

int evbuffer_add_file_range_(struct evbuffer *buf, const void *data, size_t n,
			     evbuffer_ref_cleanup_cb cleanup, void *arg)
{
	return add_reference(buf, data, n, cleanup, arg, true);
}

/* ---- reserve / commit ---- */

int evbuffer_expand(struct evbuffer *buf, size_t n)
{
	if (n > MAX_CHAIN_SIZE || n > SIZE_MAX - buf->total)
		return -1;
	if (buf->last && chain_room(buf->last) >= n)
		return 0;
	struct chain *c = chain_new(n);
	if (!c)
		return -1;
	drop_empty_tail(buf);
	append_chain(buf, c);
	return 0;
}

int evbuffer_reserve_space(struct evbuffer *buf, ev_ssize_t size, struct evbuffer_iovec *vec, int n_vec)
{
	if (buf->freeze_end || size < 0 || n_vec < 1)
		return -1;
	if (evbuffer_expand(buf, (size_t)size) != 0)
		return -1;
	struct chain *tail = buf->last;
	if (!tail) { /* size 0 on an empty buffer: still hand out some space */
		if (evbuffer_expand(buf, 1) != 0)
			return -1;
		tail = buf->last;
	}
	vec[0].iov_base = chain_data(tail) + tail->len;
	vec[0].iov_len = chain_room(tail);
	return 1;
}

int evbuffer_commit_space(struct evbuffer *buf, struct evbuffer_iovec *vec, int n_vecs)
{
	if (buf->freeze_end)
		return -1;
	if (n_vecs == 0)
		return 0;
	struct chain *tail = buf->last;
	size_t n = vec[0].iov_len;
	for (int i = 1; i < n_vecs; i++)
		if (vec[i].iov_len)
			return -1; /* ref hands out one vector only */
	if (n_vecs < 1 || !tail || vec[0].iov_base != chain_data(tail) + tail->len ||
	    n > chain_room(tail))
		return -1;
	tail->len += n;
	buf->total += n;
	buf->n_added += n;
	changed(buf);
	return 0;
}

/* ---- removing ---- */

/* Drop n (<= total) bytes from the front, without freeze checks or callbacks. */
static void consume(struct evbuffer *buf, size_t n)
{
	buf->total -= n;
	while (n) {
		struct chain *c = buf->first;
		if (n < c->len) {
			c->start += n;
			c->len -= n;
			return;
		}
		n -= c->len;
		buf->first = c->next;
		if (!buf->first)
			buf->last = NULL;
		chain_free(c);
	}
	/* Whole chains went; an empty reserved tail may now be first: keep it. */
}

int evbuffer_drain(struct evbuffer *buf, size_t n)
{
	if (buf->total == 0)
		return 0;
	if (buf->freeze_start) /* as libevent: even draining 0 bytes of a frozen buffer fails */
		return -1;
	if (n > buf->total)
		n = buf->total;
	if (n == 0)
		return 0;
	consume(buf, n);
	buf->n_deleted += n;
	changed(buf);
	return 0;
}

/* Copy n bytes from offset pos (pos + n <= total) into out. */
static void copy_from(const struct evbuffer *buf, size_t pos, void *out, size_t n)
{
	unsigned char *o = out;
	size_t off;
	for (struct chain *c = locate(buf, pos, &off); n; c = c->next, off = 0) {
		size_t k = c->len - off < n ? c->len - off : n;
		memcpy(o, chain_data(c) + off, k);
		o += k;
		n -= k;
	}
}

ev_ssize_t evbuffer_copyout_from(struct evbuffer *buf, const struct evbuffer_ptr *ptr, void *out, size_t n)
{
	size_t pos = 0;
	if (ptr) {
		if (ptr->pos < 0 || n > (size_t)(EV_SSIZE_MAX - ptr->pos))
			return -1;
		pos = (size_t)ptr->pos;
	}
	if (pos > buf->total)
		return -1;
	if (n > buf->total - pos)
		n = buf->total - pos;
	if (n == 0)
		return 0;
	if (buf->freeze_start)
		return -1;
	copy_from(buf, pos, out, n);
	return (ev_ssize_t)n;
}

ev_ssize_t evbuffer_copyout(struct evbuffer *buf, void *out, size_t n)
{
	return evbuffer_copyout_from(buf, NULL, out, n);
}

int evbuffer_remove(struct evbuffer *buf, void *out, size_t n)
{
	ev_ssize_t k = evbuffer_copyout(buf, out, n);
	if (k > 0 && evbuffer_drain(buf, (size_t)k) != 0)
		return -1;
	return (int)k;
}

unsigned char *evbuffer_pullup(struct evbuffer *buf, ev_ssize_t size)
{
	if (size < 0)
		size = (ev_ssize_t)buf->total;
	if (size == 0 || (size_t)size > buf->total)
		return NULL;
	if (buf->first->len >= (size_t)size)
		return chain_data(buf->first);
	/* Gather the first `size` bytes into one new chain that replaces those bytes. */
	struct chain *c = chain_new((size_t)size);
	if (!c)
		return NULL;
	copy_from(buf, 0, chain_data(c), (size_t)size);
	c->len = (size_t)size;
	consume(buf, (size_t)size);
	buf->total += (size_t)size;
	c->next = buf->first;
	buf->first = c;
	if (!buf->last)
		buf->last = c;
	return chain_data(c);
}

/* ---- moving between buffers ---- */

/* src's chains now belong to dst: the lengths and the callbacks follow. */
static void moved_all(struct evbuffer *dst, struct evbuffer *src)
{
	size_t n = src->total;
	dst->total += n;
	src->first = src->last = NULL;
	src->total = 0;
	src->n_deleted += n;
	dst->n_added += n;
	changed(src);
	changed(dst);
}

int evbuffer_add_buffer(struct evbuffer *dst, struct evbuffer *src)
{
	size_t n = src->total;
	if (n == 0 || dst == src)
		return 0;
	if (dst->freeze_end || src->freeze_start)
		return -1;
	drop_empty_tail(dst);
	/* Hand the whole chain list over. */
	if (dst->last)
		dst->last->next = src->first;
	else
		dst->first = src->first;
	dst->last = src->last;
	moved_all(dst, src);
	return 0;
}

int evbuffer_prepend_buffer(struct evbuffer *dst, struct evbuffer *src)
{
	size_t n = src->total;
	if (n == 0 || dst == src)
		return 0;
	if (dst->freeze_start || src->freeze_start)
		return -1;
	drop_empty_tail(src);
	if (dst->first && dst->first->len == 0) { /* dst holds only an empty reservation */
		chain_free(dst->first);
		dst->first = dst->last = NULL;
	}
	src->last->next = dst->first;
	dst->first = src->first;
	if (!dst->last)
		dst->last = src->last;
	moved_all(dst, src);
	return 0;
}

int evbuffer_remove_buffer(struct evbuffer *src, struct evbuffer *dst, size_t n)
{
	if (n == 0 || dst == src)
		return 0;
	if (dst->freeze_end || src->freeze_start) /* as libevent: even when src is empty */
		return -1;
	if (n >= src->total) {
		n = src->total;
		evbuffer_add_buffer(dst, src);
		return (int)n;
	}
	/* Whole chains move; the chain cut in two is copied. Only the last chain can be
	 * empty and n < src->total, so the loop stops at a chain holding data. */
	size_t left = n;
	drop_empty_tail(dst);
	while (left >= src->first->len) {
		struct chain *c = src->first;
		src->first = c->next;
		left -= c->len;
		src->total -= c->len;
		dst->total += c->len;
		append_chain(dst, c);
	}
	if (left) {
		if (append_bytes(dst, chain_data(src->first), left) != 0)
			return -1;
		src->first->start += left;
		src->first->len -= left;
		src->total -= left;
	}
	dst->n_added += n;
	src->n_deleted += n;
	changed(dst);
	changed(src);
	return (int)n;
}

int evbuffer_add_buffer_reference(struct evbuffer *dst, struct evbuffer *src)
{
	if (src->total == 0)
		return 0;
	if (dst == src || dst->freeze_end)
		return -1;
	for (struct chain *c = src->first; c; c = c->next)
		if (c->unreferenceable)
			return -1;
	size_t n = 0;
	for (struct chain *c = src->first; c; c = c->next) {
		if (!c->len)
			continue;
		struct chain *view = mm_calloc(1, sizeof *view);
		if (!view)
			break;
		*view = *c;
		view->unreferenceable = true;
		view->block->refcnt++; /* now read-only for both buffers */
		drop_empty_tail(dst);
		append_chain(dst, view);
		dst->total += c->len;
		n += c->len;
	}
	dst->n_added += n;
	changed(dst);
	return 0;
}

/* ---- positions and searching ---- */

int evbuffer_ptr_set(struct evbuffer *buf, struct evbuffer_ptr *ptr, size_t position,
		     enum evbuffer_ptr_how how)
{
	size_t pos;
	if (how == EVBUFFER_PTR_SET)
		pos = position;
	else if (how == EVBUFFER_PTR_ADD && ptr->pos >= 0 &&
		 position <= (size_t)(EV_SSIZE_MAX - ptr->pos))
		pos = (size_t)ptr->pos + position;
	else
		return -1;
	ptr->internal_.chain = NULL;
	ptr->internal_.pos_in_chain = 0;
	if (pos > buf->total) {
		ptr->pos = -1;
		return -1;
	}
	ptr->pos = (ev_ssize_t)pos;
	return 0;
}

static struct evbuffer_ptr make_ptr(ev_ssize_t pos)
{
	struct evbuffer_ptr p;
	memset(&p, 0, sizeof p);
	p.pos = pos;
	return p;
}

/* Does the buffer hold what[0..len) at pos? (pos + len <= total) */
static bool bytes_equal(const struct evbuffer *buf, size_t pos, const char *what, size_t len)
{
	size_t off;
	for (struct chain *c = locate(buf, pos, &off); len; c = c->next, off = 0) {
		size_t k = c->len - off < len ? c->len - off : len;
		if (memcmp(chain_data(c) + off, what, k) != 0)
			return false;
		what += k;
		len -= k;
	}
	return true;
}

/* The byte at pos (< total). */
static unsigned char byte_at(const struct evbuffer *buf, size_t pos)
{
	size_t off;
	return chain_data(locate(buf, pos, &off))[off];
}

/* Offset of the first byte at or after pos for which `match` holds, or -1. */
static ev_ssize_t find_byte(const struct evbuffer *buf, size_t pos, bool (*match)(unsigned char, const void *),
			    const void *arg)
{
	size_t off, at = pos;
	if (pos >= buf->total)
		return -1;
	for (struct chain *c = locate(buf, pos, &off); c; c = c->next, off = 0)
		for (size_t i = off; i < c->len; i++, at++)
			if (match(chain_data(c)[i], arg))
				return (ev_ssize_t)at;
	return -1;
}

static bool is_byte(unsigned char ch, const void *arg) { return ch == *(const unsigned char *)arg; }
static bool is_cr_or_lf(unsigned char ch, const void *arg) { (void)arg; return ch == '\r' || ch == '\n'; }

struct evbuffer_ptr evbuffer_search_range(struct evbuffer *buf, const char *what, size_t len,
					  const struct evbuffer_ptr *start, const struct evbuffer_ptr *end)
{
	ev_ssize_t pos = start ? start->pos : 0;
	if (pos < 0)
		return make_ptr(-1);
	/* As libevent: an empty (or absurdly long) needle "matches" where the search starts. */
	if (len == 0 || len > EV_SSIZE_MAX)
		return make_ptr(pos);
	size_t limit = buf->total; /* a match must end at or before this */
	if (end && end->pos >= 0 && (size_t)end->pos < limit)
		limit = (size_t)end->pos;
	unsigned char first = (unsigned char)what[0];
	for (size_t p = (size_t)pos; p + len <= limit;) {
		ev_ssize_t hit = find_byte(buf, p, is_byte, &first);
		if (hit < 0 || (size_t)hit + len > limit)
			break;
		if (bytes_equal(buf, (size_t)hit, what, len))
			return make_ptr(hit);
		p = (size_t)hit + 1;
	}
	return make_ptr(-1);
}

struct evbuffer_ptr evbuffer_search(struct evbuffer *buf, const char *what, size_t len,
				    const struct evbuffer_ptr *start)
{
	return evbuffer_search_range(buf, what, len, start, NULL);
}

struct evbuffer_ptr evbuffer_search_eol(struct evbuffer *buf, struct evbuffer_ptr *start,
					size_t *eol_len_out, enum evbuffer_eol_style style)
{
	ev_ssize_t from = start ? start->pos : 0, at = -1;
	size_t eol_len = 0;
	if (from < 0)
		goto done;
	switch (style) {
	case EVBUFFER_EOL_ANY: /* the first CR or LF, and the whole run of them after it */
		at = find_byte(buf, (size_t)from, is_cr_or_lf, NULL);
		if (at >= 0)
			while ((size_t)at + eol_len < buf->total &&
			       is_cr_or_lf(byte_at(buf, (size_t)at + eol_len), NULL))
				eol_len++;
		break;
	case EVBUFFER_EOL_CRLF: { /* LF, or CR LF; a lone CR is data */
		unsigned char lf = '\n';
		at = find_byte(buf, (size_t)from, is_byte, &lf);
		eol_len = 1;
		if (at > from && byte_at(buf, (size_t)at - 1) == '\r')
			at--, eol_len = 2;
		break;
	}
	case EVBUFFER_EOL_CRLF_STRICT:
		at = evbuffer_search(buf, "\r\n", 2, start).pos;
		eol_len = 2;
		break;
	case EVBUFFER_EOL_LF:
	case EVBUFFER_EOL_NUL: {
		unsigned char ch = style == EVBUFFER_EOL_LF ? '\n' : '\0';
		at = find_byte(buf, (size_t)from, is_byte, &ch);
		eol_len = 1;
		break;
	}
	default:
		at = -1;
	}
done:
	if (at < 0)
		eol_len = 0;
	if (eol_len_out)
		*eol_len_out = eol_len;
	return make_ptr(at);
}

char *evbuffer_readln(struct evbuffer *buf, size_t *n_read_out, enum evbuffer_eol_style style)
{
	size_t eol_len;
	if (n_read_out)
		*n_read_out = 0;
	if (buf->freeze_start)
		return NULL;
	struct evbuffer_ptr at = evbuffer_search_eol(buf, NULL, &eol_len, style);
	if (at.pos < 0)
		return NULL;
	size_t n = (size_t)at.pos;
	char *line = mm_malloc(n + 1);
	if (!line)
		return NULL;
	/* Two steps, as libevent: callbacks see the line removed, then the terminator. */
	evbuffer_remove(buf, line, n);
	line[n] = '\0';
	evbuffer_drain(buf, eol_len);
	if (n_read_out)
		*n_read_out = n;
	return line;
}

char *evbuffer_readline(struct evbuffer *buf)
{
	return evbuffer_readln(buf, NULL, EVBUFFER_EOL_ANY);
}

unsigned char *evbuffer_find(struct evbuffer *buf, const unsigned char *what, size_t len)
{
	struct evbuffer_ptr at = evbuffer_search(buf, (const char *)what, len, NULL);
	if (at.pos < 0)
		return NULL;
	unsigned char *all = evbuffer_pullup(buf, -1);
	return all ? all + at.pos : NULL;
}

int evbuffer_peek(struct evbuffer *buf, ev_ssize_t len, struct evbuffer_ptr *start_at,
		  struct evbuffer_iovec *vec, int n_vec)
{
	size_t off = 0;
	struct chain *c = buf->first;
	if (start_at) {
		if (start_at->pos < 0 || (size_t)start_at->pos >= buf->total)
			return 0;
		c = locate(buf, (size_t)start_at->pos, &off);
	}
	if (n_vec == 0 && len < 0) /* no room and "everything": count what exists */
		len = (ev_ssize_t)(buf->total - (start_at ? (size_t)start_at->pos : 0));
	int used = 0;
	size_t so_far = 0;
	for (; c; c = c->next, off = 0) {
		if (c->len == 0)
			continue;
		if (len >= 0 && so_far >= (size_t)len)
			break;
		if (used < n_vec) {
			vec[used].iov_base = chain_data(c) + off;
			vec[used].iov_len = c->len - off;
		} else if (len < 0)
			break;
		used++;
		so_far += c->len - off;
	}
	return used;
}

/* ---- socket I/O ---- */

int evbuffer_read(struct evbuffer *buf, evutil_socket_t fd, int howmuch)
{
	if (buf->freeze_end)
		return -1;
	if (howmuch < 0 || howmuch > MAX_READ)
		howmuch = MAX_READ;
	/* Read into the room after the last chain and, if that is short, a new chain. */
	struct chain *tail = buf->last;
	struct iovec iov[2];
	int niov = 0;
	size_t room = tail ? chain_room(tail) : 0;
	if (room > (size_t)howmuch)
		room = (size_t)howmuch;
	if (room) {
		iov[niov].iov_base = chain_data(tail) + tail->len;
		iov[niov++].iov_len = room;
	}
	struct chain *extra = NULL;
	if (room < (size_t)howmuch) {
		extra = chain_new((size_t)howmuch - room);
		if (!extra)
			return -1;
		iov[niov].iov_base = chain_data(extra);
		iov[niov++].iov_len = (size_t)howmuch - room;
	}
	ssize_t r = readv(fd, iov, niov);
	if (r <= 0) {
		int saved = errno;
		if (extra)
			chain_free(extra);
		errno = saved;
		return (int)r;
	}
	size_t got = (size_t)r;
	size_t into_tail = got < room ? got : room;
	if (into_tail)
		tail->len += into_tail;
	if (extra) {
		if (got > into_tail) {
			extra->len = got - into_tail;
			drop_empty_tail(buf);
			append_chain(buf, extra);
		} else
			chain_free(extra);
	}
	buf->total += got;
	buf->n_added += got;
	changed(buf);
	return (int)r;
}

int evbuffer_write_atmost(struct evbuffer *buf, evutil_socket_t fd, ev_ssize_t howmuch)
{
	if (buf->freeze_start)
		return -1;
	if (howmuch < 0 || (size_t)howmuch > buf->total)
		howmuch = (ev_ssize_t)buf->total;
	if (howmuch == 0)
		return 0;
	struct iovec iov[MAX_WRITE_IOVECS];
	int niov = 0;
	size_t left = (size_t)howmuch;
	for (struct chain *c = buf->first; c && left && niov < MAX_WRITE_IOVECS; c = c->next) {
		if (!c->len)
			continue;
		iov[niov].iov_base = chain_data(c);
		iov[niov].iov_len = c->len < left ? c->len : left;
		left -= iov[niov++].iov_len;
	}
	ssize_t r = writev(fd, iov, niov);
	if (r > 0) {
		int saved = errno;
		evbuffer_drain(buf, (size_t)r);
		errno = saved;
	}
	return (int)r;
}

int evbuffer_write(struct evbuffer *buf, evutil_socket_t fd)
{
	return evbuffer_write_atmost(buf, fd, -1);
}
