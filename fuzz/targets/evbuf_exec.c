/* evbuf_exec.c: apply tape operations to real evbuffers through the public API of
 * event2/buffer.h and report what came back (struct obs).
 *
 * Compiled once per implementation: -DEXEC_NS=le for libevent, -DEXEC_NS=ref (with
 * symbols renamed) for ref. Checks that need no model live here: buffer callbacks report
 * counts consistent with the lengths before and after each operation and never run when
 * disabled or removed; reference cleanup callbacks run exactly once, with the right
 * arguments; a freed reference region is poisoned (and, under ASan, freed) so any later
 * read of it shows. */
#include "evbuf.h"

#include <event2/buffer.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef EXEC_NS
#define EXEC_NS le
#endif
#define CAT3(a, b, c) a##b##c
#define XCAT3(a, b, c) CAT3(a, b, c)
#define FN(x) XCAT3(exec_, EXEC_NS, _##x)
#define STR(x) #x
#define XSTR(x) STR(x)

#define MAXINV 8

struct cbrec {
	struct exec *e;
	int buf;             /* -1: not in use */
	int enabled;
	struct evbuffer_cb_entry *ent;
	int ninv;
	struct evbuffer_cb_info inv[MAXINV];
};

struct refrec {
	struct exec *e;
	unsigned char *data;
	const void *orig;
	size_t len;
	int with_cleanup, added, calls;
};

struct exec {
	const char *name;
	int step;
	const struct op *op;
	struct evbuffer *buf[NBUF];
	struct cbrec cb[NCB];
	struct refrec refs[MAXOPS];
	int nrefs;
	unsigned char content[NBUF][MAXLEN];
	unsigned char out[MAXLEN + MAXDATA + 16];
	struct evbuffer_iovec vec[MAXLEN + 8];
};

#define FAIL(e, what, ...) fuzz_fail((e)->name, (e)->step, (e)->op, what, __VA_ARGS__)

static void on_change(struct evbuffer *b, const struct evbuffer_cb_info *info, void *arg)
{
	struct cbrec *r = arg;
	struct exec *e = r->e;
	if (r->buf < 0)
		FAIL(e, "removed callback ran", "record %d", (int)(r - e->cb));
	if (e->buf[r->buf] != b)
		FAIL(e, "callback got another buffer", "record %d on buffer %d", (int)(r - e->cb), r->buf);
	if (!r->enabled)
		FAIL(e, "disabled callback ran", "record %d on buffer %d", (int)(r - e->cb), r->buf);
	if (r->ninv == MAXINV)
		FAIL(e, "callback ran too often in one operation", "%d calls", MAXINV);
	r->inv[r->ninv++] = *info;
}

static void never_added(struct evbuffer *b, const struct evbuffer_cb_info *info, void *arg)
{
	(void)b, (void)info, (void)arg;
	abort();
}

static void cleanup(const void *data, size_t len, void *extra)
{
	struct refrec *r = extra;
	struct exec *e = r->e;
	if (data != r->orig || len != r->len)
		FAIL(e, "reference cleanup arguments", "got (%p, %zu), added (%p, %zu)", data, len,
			r->orig, r->len);
	if (r->calls++)
		FAIL(e, "reference cleanup ran twice", "region of %zu bytes", len);
	if (!r->added)
		FAIL(e, "reference cleanup ran for a refused add_reference", "region of %zu bytes", len);
	/* Poison, then free: a later read shows as a content mismatch or an ASan report. */
	memset(r->data, 0xdd, r->len ? r->len : 1);
	free(r->data);
	r->data = NULL;
}

struct exec *FN(new)(const char *name)
{
	/* One per process, reused: the arrays are large and need no clearing. */
	static struct exec *e;
	if (!e && !(e = malloc(sizeof *e)))
		abort();
	memset(e, 0, offsetof(struct exec, content));
	e->name = name;
	for (int i = 0; i < NBUF; i++)
		if (!(e->buf[i] = evbuffer_new()))
			abort();
	for (int i = 0; i < NCB; i++) {
		e->cb[i].e = e;
		e->cb[i].buf = -1;
	}
	return e;
}

/* The whole content through evbuffer_peek (which ignores freezes). */
static void snapshot(struct exec *e, struct obs *o)
{
	for (int b = 0; b < NBUF; b++) {
		size_t len = evbuffer_get_length(e->buf[b]);
		if (len > MAXLEN)
			FAIL(e, "length beyond the tape's limit", "buffer %d: %zu", b, len);
		size_t contig = evbuffer_get_contiguous_space(e->buf[b]);
		if (contig > len)
			FAIL(e, "contiguous space larger than the length", "buffer %d: %zu > %zu", b,
				contig, len);
		int n = evbuffer_peek(e->buf[b], -1, NULL, NULL, 0);
		if (n < 0 || n > MAXLEN + 8)
			FAIL(e, "peek vector count", "buffer %d: %d", b, n);
		int m = evbuffer_peek(e->buf[b], -1, NULL, e->vec, n);
		size_t k = 0;
		for (int i = 0; i < m && i < n; i++) {
			if (k + e->vec[i].iov_len > len)
				FAIL(e, "peek covers more than the length", "buffer %d", b);
			MEMCPY(e->content[b] + k, e->vec[i].iov_base, e->vec[i].iov_len);
			k += e->vec[i].iov_len;
		}
		if (k != len)
			FAIL(e, "peek of everything misses data", "buffer %d: %zu of %zu bytes", b, k, len);
		o->len[b] = len;
		o->content[b] = e->content[b];
	}
}

/* Join up to n vectors into e->out. */
static size_t join(struct exec *e, int n)
{
	size_t k = 0;
	for (int i = 0; i < n; i++) {
		MEMCPY(e->out + k, e->vec[i].iov_base, e->vec[i].iov_len);
		k += e->vec[i].iov_len;
	}
	return k;
}

static int set_ptr(struct exec *e, int b, long pos, struct evbuffer_ptr *p)
{
	if (pos < 0)
		return 0;
	memset(p, 0, sizeof *p);
	if (evbuffer_ptr_set(e->buf[b], p, (size_t)pos, EVBUFFER_PTR_SET) != 0)
		FAIL(e, "ptr_set inside the buffer failed", "position %ld", pos);
	return 1;
}

/* After each operation: every enabled callback of a buffer saw the same calls, each
 * reporting a change, chained from the length before to the length after. */
static void check_callbacks(struct exec *e, const size_t before[NBUF], const struct obs *o)
{
	for (int i = 0; i < NCB; i++) {
		struct cbrec *r = &e->cb[i];
		if (r->buf < 0 || !r->enabled) {
			r->ninv = 0;
			continue;
		}
		size_t cur = before[r->buf];
		for (int k = 0; k < r->ninv; k++) {
			const struct evbuffer_cb_info *c = &r->inv[k];
			if (c->orig_size != cur)
				FAIL(e, "callback orig_size", "record %d call %d: %zu, expected %zu", i, k,
					c->orig_size, cur);
			if (!c->n_added && !c->n_deleted)
				FAIL(e, "callback without a change", "record %d call %d", i, k);
			if (c->n_deleted > cur + c->n_added)
				FAIL(e, "callback deletes more than there was", "record %d", i);
			cur = cur + c->n_added - c->n_deleted;
		}
		if (cur != o->len[r->buf])
			FAIL(e, "callback counts do not add up to the new length",
				"record %d on buffer %d: %d calls reach %zu, length %zu", i, r->buf, r->ninv,
				cur, o->len[r->buf]);
		for (int j = 0; j < i; j++) {
			struct cbrec *q = &e->cb[j];
			if (q->buf != r->buf || !q->enabled)
				continue;
			if (q->ninv != r->ninv || memcmp(q->inv, r->inv, r->ninv * sizeof r->inv[0]))
				FAIL(e, "two callbacks of one buffer saw different calls", "records %d, %d", j, i);
		}
	}
	for (int i = 0; i < NCB; i++)
		e->cb[i].ninv = 0;
}

static void do_op(struct exec *e, const struct op *op, struct obs *o)
{
	struct evbuffer *b = e->buf[op->b], *b2 = e->buf[op->b2];
	struct evbuffer_ptr p, p2;
	size_t sz;
	switch (op->code) {
	case OP_ADD:
		o->ret = evbuffer_add(b, op->data, op->dlen); /* (NULL, 0): UB in libevent's memcpy */
		break;
	case OP_PREPEND:
		o->ret = evbuffer_prepend(b, op->data, op->dlen);
		break;
	case OP_ADD_PRINTF: {
		char s[80];
		size_t n = op->dlen < sizeof s - 1 ? op->dlen : sizeof s - 1;
		MEMCPY(s, op->data, n);
		s[n] = 0;
		switch (op->flag) {
		case 0: o->ret = evbuffer_add_printf(b, "%s", s); break;
		case 1: o->ret = evbuffer_add_printf(b, "%ld:%.*s;", op->num, (int)op->dlen, s); break;
		case 2: o->ret = evbuffer_add_printf(b, "%s", ""); break;
		default: o->ret = evbuffer_add_printf(b, "%0*ld", (int)op->n, op->num); break;
		}
		break;
	}
	case OP_ADD_REFERENCE: {
		struct refrec *r = &e->refs[e->nrefs++];
		r->e = e;
		r->len = op->dlen;
		r->data = malloc(op->dlen ? op->dlen : 1);
		if (!r->data)
			abort();
		MEMCPY(r->data, op->data, op->dlen);
		r->orig = r->data;
		r->with_cleanup = op->flag;
		r->added = 1; /* before the call: cleanup may legitimately run inside it */
		o->ret = evbuffer_add_reference(b, r->data, r->len, op->flag ? cleanup : NULL, r);
		r->added = o->ret == 0;
		break;
	}
	case OP_ADD_BUFFER:
		o->ret = evbuffer_add_buffer(b, b2);
		break;
	case OP_ADD_BUFFER_REF:
		o->ret = evbuffer_add_buffer_reference(b, b2);
		break;
	case OP_PREPEND_BUFFER:
		o->ret = evbuffer_prepend_buffer(b, b2);
		break;
	case OP_REMOVE:
		o->ret = evbuffer_remove(b, e->out, op->n);
		o->out = e->out;
		o->out_len = o->ret > 0 ? (size_t)o->ret : 0;
		break;
	case OP_REMOVE_BUFFER:
		o->ret = evbuffer_remove_buffer(b, b2, op->n);
		break;
	case OP_DRAIN:
		o->ret = evbuffer_drain(b, op->n);
		break;
	case OP_COPYOUT:
		o->ret = evbuffer_copyout(b, e->out, op->n);
		o->out = e->out;
		o->out_len = o->ret > 0 ? (size_t)o->ret : 0;
		break;
	case OP_COPYOUT_FROM:
		set_ptr(e, op->b, op->pos, &p);
		o->ret = evbuffer_copyout_from(b, &p, e->out, op->n);
		o->out = e->out;
		o->out_len = o->ret > 0 ? (size_t)o->ret : 0;
		break;
	case OP_PULLUP: {
		size_t len = evbuffer_get_length(b);
		unsigned char *r = evbuffer_pullup(b, op->sn);
		o->ret = r != NULL;
		if (r) {
			o->out = r;
			o->out_len = op->sn < 0 ? len : (size_t)op->sn;
			if (evbuffer_get_contiguous_space(b) < o->out_len)
				FAIL(e, "pullup left the data non-contiguous", "contiguous %zu < %zu",
					evbuffer_get_contiguous_space(b), o->out_len);
		}
		break;
	}
	case OP_RESERVE_COMMIT: {
		struct evbuffer_iovec v[3];
		memset(v, 0, sizeof v);
		int n = evbuffer_reserve_space(b, (ev_ssize_t)op->n, v, op->flag);
		o->ret = n;
		o->ret2 = -2;
		if (n <= 0)
			break;
		if (n > op->flag)
			FAIL(e, "reserve_space returned more vectors than asked", "%d > %d", n, op->flag);
		size_t total = 0, left = op->dlen, off = 0;
		for (int i = 0; i < n; i++)
			total += v[i].iov_len;
		if (total < op->n)
			FAIL(e, "reserve_space gave less space than asked", "%zu < %zu", total, op->n);
		o->ret = 1; /* the vector count is [impl]; its validity is checked above */
		if (op->flag2 == 1) {
			o->ret2 = evbuffer_commit_space(b, v, 0);
			break;
		}
		for (int i = 0; i < n; i++) {
			size_t k = v[i].iov_len < left ? v[i].iov_len : left;
			MEMCPY(v[i].iov_base, op->data + off, k);
			v[i].iov_len = k;
			off += k;
			left -= k;
		}
		int m = n;
		while (m > 1 && v[m - 1].iov_len == 0)
			m--;
		if (op->flag2 == 0) {
			/* one byte more than reserved in the last vector */
			struct evbuffer_iovec w[3];
			memset(w, 0, sizeof w);
			evbuffer_reserve_space(b, (ev_ssize_t)op->n, w, op->flag);
			v[n - 1].iov_len = w[n - 1].iov_len + 1;
			m = n;
		}
		o->ret2 = evbuffer_commit_space(b, v, m);
		break;
	}
	case OP_PEEK: {
		int has = set_ptr(e, op->b, op->pos, &p);
		int n = evbuffer_peek(b, op->sn, has ? &p : NULL, op->flag ? e->vec : NULL, op->flag);
		o->ret = n;
		o->out = e->out;
		o->out_len = join(e, n < op->flag ? n : op->flag);
		o->out_prefix = 1;
		break;
	}
	case OP_SEARCH:
	case OP_SEARCH_RANGE: {
		int has = set_ptr(e, op->b, op->pos, &p);
		struct evbuffer_ptr r;
		if (op->code == OP_SEARCH) {
			r = evbuffer_search(b, (const char *)op->data, op->dlen, has ? &p : NULL);
		} else {
			set_ptr(e, op->b, op->pos2, &p2);
			r = evbuffer_search_range(b, (const char *)op->data, op->dlen, has ? &p : NULL, &p2);
		}
		o->pos = r.pos;
		if (r.pos >= 0 && op->dlen) {
			/* The returned pointer must point at the match. */
			int n = evbuffer_peek(b, (ev_ssize_t)op->dlen, &r, e->vec, 16);
			o->out = e->out;
			o->out_len = join(e, n < 16 ? n : 16);
			o->out_prefix = 1;
		}
		break;
	}
	case OP_SEARCH_EOL: {
		int has = set_ptr(e, op->b, op->pos, &p);
		size_t eol = 12345;
		struct evbuffer_ptr r = evbuffer_search_eol(b, has ? &p : NULL,
			op->flag2 ? NULL : &eol, (enum evbuffer_eol_style)op->flag);
		o->pos = r.pos;
		o->eol_len = op->flag2 ? 0 : eol;
		if (r.pos >= 0) {
			int n = evbuffer_peek(b, 1, &r, e->vec, 1);
			o->out = e->out;
			o->out_len = join(e, n < 1 ? n : 1);
			o->out_prefix = 1;
		}
		break;
	}
	case OP_READLN: {
		size_t n = 12345;
		char *line = evbuffer_readln(b, op->flag2 ? NULL : &n, (enum evbuffer_eol_style)op->flag);
		o->ret = line != NULL;
		o->eol_len = op->flag2 ? 0 : n;
		if (line) {
			if (op->flag2)
				n = strlen(line) <= MAXLEN ? strlen(line) : 0; /* only a sanity bound */
			if (!op->flag2 && line[n] != 0)
				FAIL(e, "readln line not NUL-terminated", "n=%zu", n);
			memcpy(e->out, line, n);
			o->out = e->out;
			o->out_len = n;
			o->out_prefix = op->flag2; /* without n, only the part before a NUL is known */
			free(line);
		}
		break;
	}
	case OP_PTR_SET:
		memset(&p, 0, sizeof p);
		o->ret = evbuffer_ptr_set(b, &p, (size_t)op->pos, EVBUFFER_PTR_SET);
		o->ret2 = -2;
		if (op->flag)
			o->ret2 = evbuffer_ptr_set(b, &p, (size_t)op->pos2, EVBUFFER_PTR_ADD);
		o->pos = p.pos;
		if (p.pos >= 0) {
			int n = evbuffer_peek(b, 1, &p, e->vec, 1);
			o->out = e->out;
			o->out_len = join(e, n < 1 ? n : 1);
			o->out_prefix = 1;
		}
		break;
	case OP_EXPAND:
		o->ret = evbuffer_expand(b, op->flag ? (size_t)-1 : op->n);
		break;
	case OP_FREEZE:
		o->ret = evbuffer_freeze(b, op->flag);
		break;
	case OP_UNFREEZE:
		o->ret = evbuffer_unfreeze(b, op->flag);
		break;
	case OP_ADD_CB: {
		int i = 0;
		while (i < NCB && e->cb[i].buf >= 0)
			i++;
		if (i == NCB) {
			o->skipped = 1;
			break;
		}
		struct cbrec *r = &e->cb[i];
		r->ent = evbuffer_add_cb(b, on_change, r);
		o->ret = r->ent != NULL;
		if (r->ent) {
			r->buf = op->b;
			r->enabled = 1;
		}
		break;
	}
	case OP_REMOVE_CB: {
		struct cbrec *r = &e->cb[op->flag];
		if (op->flag2 == 0) {
			if (r->buf < 0) {
				o->skipped = 1;
				break;
			}
			o->ret = evbuffer_remove_cb_entry(e->buf[r->buf], r->ent);
			r->buf = -1;
		} else if (op->flag2 == 1) {
			o->ret = evbuffer_remove_cb(b, on_change, r);
			if (r->buf == op->b && o->ret == 0)
				r->buf = -1;
		} else {
			o->ret = evbuffer_remove_cb(b, never_added, r);
		}
		break;
	}
	case OP_CB_FLAGS: {
		struct cbrec *r = &e->cb[op->flag];
		if (r->buf < 0) {
			o->skipped = 1;
			break;
		}
		r->enabled = op->flag2 != 0;
		o->ret = r->enabled ? evbuffer_cb_set_flags(e->buf[r->buf], r->ent, EVBUFFER_CB_ENABLED)
			: evbuffer_cb_clear_flags(e->buf[r->buf], r->ent, EVBUFFER_CB_ENABLED);
		break;
	}
	case OP_ADD_IOVEC: {
		struct evbuffer_iovec v[2] = {
			{ op->data, op->split },
			{ op->data + op->split, op->dlen - op->split },
		};
		o->ret = evbuffer_add_iovec(b, v, 2);
		break;
	}
	case OP_ADD_HUGE:
		sz = evbuffer_get_length(b);
		o->ret = evbuffer_add(b, op->data, (size_t)-1 - sz + 1 + (sz == 0 ? (size_t)-1 : 0));
		break;
	case OP_FREE_NEW:
		evbuffer_free(b);
		if (!(e->buf[op->b] = evbuffer_new()))
			abort();
		for (int i = 0; i < NCB; i++)
			if (e->cb[i].buf == op->b)
				e->cb[i].buf = -1;
		break;
	}
}

void FN(step)(struct exec *e, int step, const struct op *op, struct obs *o)
{
	size_t before[NBUF];
	memset(o, 0, sizeof *o);
	e->step = step;
	e->op = op;
	for (int b = 0; b < NBUF; b++)
		before[b] = evbuffer_get_length(e->buf[b]);
	do_op(e, op, o);
	snapshot(e, o);
	check_callbacks(e, before, o);
}

void FN(finish)(struct exec *e)
{
	e->op = NULL;
	e->step = -1;
	for (int b = 0; b < NBUF; b++) {
		evbuffer_free(e->buf[b]);
		e->buf[b] = NULL; /* so LeakSanitizer sees a buffer that was never really freed */
	}
	for (int i = 0; i < e->nrefs; i++) {
		struct refrec *r = &e->refs[i];
		if (r->added && r->with_cleanup && r->calls != 1)
			FAIL(e, "reference cleanup did not run", "region %d of %zu bytes: %d calls", i,
				r->len, r->calls);
		if (r->data)
			free(r->data);
	}
}
