/* Area I: the evbuffer API, buffer callbacks (evbuffer_add_cb and friends). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evbuffer.h"

/* One recorder per callback entry: every call's (orig_size, n_added, n_deleted). */
struct cb_rec {
	int tag;
	unsigned n;
	struct { size_t orig, added, deleted; int tag; } calls[64];
	size_t len_inside[64]; /* evbuffer_get_length inside the call */
	struct evbuffer *buf;
	int *order;            /* shared sequence of tags, for ordering checks */
	unsigned *norder;
};

static void rec_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct cb_rec *r = arg;
	if (r->n < 64) {
		r->calls[r->n].orig = info->orig_size;
		r->calls[r->n].added = info->n_added;
		r->calls[r->n].deleted = info->n_deleted;
		r->len_inside[r->n] = evbuffer_get_length(buf);
	}
	r->n++;
	if (r->order)
		r->order[(*r->norder)++ % 64] = r->tag;
}

static void expect_call(struct bc_ctx *t, const char *what, struct cb_rec *r, unsigned i,
			size_t orig, size_t added, size_t deleted)
{
	char c[200], x[80], a[80];
	snprintf(c, sizeof c, "%s: callback call #%u (orig_size, n_added, n_deleted)", what, i + 1);
	if (i >= r->n) {
		snprintf(x, sizeof x, "(%zu, +%zu, -%zu)", orig, added, deleted);
		snprintf(a, sizeof a, "only %u calls", r->n);
		bc_fail(t, c, a, x);
	}
	if (r->calls[i].orig != orig || r->calls[i].added != added || r->calls[i].deleted != deleted) {
		snprintf(x, sizeof x, "(%zu, +%zu, -%zu)", orig, added, deleted);
		snprintf(a, sizeof a, "(%zu, +%zu, -%zu)", r->calls[i].orig, r->calls[i].added, r->calls[i].deleted);
		bc_fail(t, c, a, x);
	}
	snprintf(c, sizeof c, "%s: length inside call #%u is the new length", what, i + 1);
	bc_expect_int(t, c, (long long)r->len_inside[i], (long long)(orig + added - deleted));
}

/* n calls so far, checked right after an operation: callbacks run inside the call. */
static void expect_ncalls(struct bc_ctx *t, const char *what, struct cb_rec *r, unsigned n)
{
	char c[200];
	snprintf(c, sizeof c, "callback calls after %s", what);
	bc_expect_int(t, c, r->n, n);
}

static struct evbuffer_cb_entry *add_rec(struct bc_ctx *t, struct evbuffer *b, struct cb_rec *r)
{
	struct evbuffer_cb_entry *e = evbuffer_add_cb(b, rec_cb, r);
	bc_expect(t, "evbuffer_add_cb returns an entry", e != NULL);
	return e;
}

/* ---- I38 ---- */

void eb_cb_basic(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	struct cb_rec r = { 0 };
	add_rec(t, b, &r);
	unsigned char p[16], out[16];
	struct evbuffer_iovec v[4];
	bc_pattern(p, 16, 0);
	evbuffer_add(b, p + 1, 5);
	expect_ncalls(t, "add 5", &r, 1);
	expect_call(t, "add 5", &r, 0, 0, 5, 0);
	evbuffer_add(b, p, 0);
	expect_ncalls(t, "add 0", &r, 1);
	evbuffer_prepend(b, p, 1);
	expect_ncalls(t, "prepend 1", &r, 2);
	expect_call(t, "prepend 1", &r, 1, 5, 1, 0);
	evbuffer_drain(b, 2);
	expect_ncalls(t, "drain 2", &r, 3);
	expect_call(t, "drain 2", &r, 2, 6, 0, 2);
	evbuffer_drain(b, 0);
	evbuffer_copyout(b, out, 4);
	evbuffer_pullup(b, -1);
	evbuffer_peek(b, -1, NULL, v, 4);
	evbuffer_search(b, "x", 1, NULL);
	evbuffer_expand(b, 1000);
	expect_ncalls(t, "drain 0, copyout, pullup, peek, search, expand", &r, 3);
	evbuffer_drain(b, 100);
	expect_ncalls(t, "drain past the end", &r, 4);
	expect_call(t, "drain past the end", &r, 3, 4, 0, 4);
	evbuffer_drain(b, 10);
	expect_ncalls(t, "drain of an empty buffer", &r, 4);
	evbuffer_free(b);
}

/* ---- I40: every kind of change reports itself; param 1 one buffer, 2 two buffers ---- */

static void cleanup_nop(const void *d, size_t l, void *x) { (void)d; (void)l; (void)x; }

void eb_cb_ops(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	struct cb_rec r = { 0 };
	unsigned char p[64], out[64];
	memset(p, 'p', sizeof p); /* no NUL: the readln(NUL) below must find nothing */
	add_rec(t, b, &r);
	if (bc_param(t) == 1) {
		struct evbuffer_iovec v[2];
		evbuffer_add_printf(b, "%d", 12345);
		expect_call(t, "add_printf", &r, 0, 0, 5, 0);
		evbuffer_add_reference(b, p, 7, cleanup_nop, NULL);
		expect_call(t, "add_reference", &r, 1, 5, 7, 0);
		bc_expect_int(t, "reserve", evbuffer_reserve_space(b, 20, v, 1), 1);
		expect_ncalls(t, "reserve_space", &r, 2);
		v[0].iov_len = 11;
		memset(v[0].iov_base, 'x', 11);
		evbuffer_commit_space(b, v, 1);
		expect_call(t, "commit_space", &r, 2, 12, 11, 0);
		evbuffer_remove(b, out, 9);
		expect_call(t, "remove", &r, 3, 23, 0, 9);
		struct evbuffer_iovec iv[2] = { { p, 3 }, { p + 3, 4 } };
		evbuffer_add_iovec(b, iv, 2);
		unsigned after_iovec = r.n;
		size_t added = 0;
		for (unsigned i = 4; i < after_iovec; i++)
			added += r.calls[i].added;
		bc_expect_int(t, "add_iovec reports 7 added bytes in all", (long long)added, 7);
		char *l = evbuffer_readln(b, NULL, EVBUFFER_EOL_NUL);
		bc_expect(t, "no NUL in the buffer yet", l == NULL);
		expect_ncalls(t, "a readln that found nothing", &r, after_iovec);
		evbuffer_free(b);
		return;
	}
	struct evbuffer *o = eb_new(t);
	struct cb_rec ro = { 0 };
	add_rec(t, o, &ro);
	evbuffer_add(b, p, 30);
	evbuffer_add(o, p, 10);
	r.n = ro.n = 0;
	evbuffer_add_buffer(o, b);
	expect_ncalls(t, "add_buffer (source)", &r, 1);
	expect_call(t, "add_buffer (source)", &r, 0, 30, 0, 30);
	expect_ncalls(t, "add_buffer (destination)", &ro, 1);
	expect_call(t, "add_buffer (destination)", &ro, 0, 10, 30, 0);
	evbuffer_remove_buffer(o, b, 15);
	expect_ncalls(t, "remove_buffer (source)", &ro, 2);
	expect_call(t, "remove_buffer (source)", &ro, 1, 40, 0, 15);
	expect_ncalls(t, "remove_buffer (destination)", &r, 2);
	expect_call(t, "remove_buffer (destination)", &r, 1, 0, 15, 0);
	evbuffer_prepend_buffer(o, b);
	expect_call(t, "prepend_buffer (source)", &r, 2, 15, 0, 15);
	expect_call(t, "prepend_buffer (destination)", &ro, 2, 25, 15, 0);
	evbuffer_add_buffer_reference(b, o);
	expect_ncalls(t, "add_buffer_reference (source)", &ro, 3);
	expect_call(t, "add_buffer_reference (destination)", &r, 3, 0, 40, 0);
	evbuffer_remove_buffer(o, b, 1000);
	expect_call(t, "remove_buffer of everything (source)", &ro, 3, 40, 0, 40);
	expect_call(t, "remove_buffer of everything (destination)", &r, 4, 40, 40, 0);
	evbuffer_free(o);
	evbuffer_free(b);
	expect_ncalls(t, "evbuffer_free (no callback)", &r, 5);
}

/* ---- I39: readln; param 1 totals (MUST), 2 two calls (QUIRK) ---- */

void eb_cb_readln(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	struct cb_rec r = { 0 };
	evbuffer_add(b, "hello\r\nworld", 12);
	add_rec(t, b, &r);
	char *l = evbuffer_readln(b, NULL, EVBUFFER_EOL_CRLF);
	bc_expect(t, "a line", l != NULL);
	free(l);
	size_t del = 0, added = 0;
	for (unsigned i = 0; i < r.n; i++) {
		del += r.calls[i].deleted;
		added += r.calls[i].added;
	}
	bc_expect(t, "readln reports its removal", r.n >= 1);
	bc_expect_int(t, "first call's orig_size", (long long)r.calls[0].orig, 12);
	bc_expect_int(t, "n_deleted over the readln's calls: line and terminator", (long long)del, 7);
	bc_expect_int(t, "n_added over the readln's calls", (long long)added, 0);
	if (bc_param(t) == 2) {
		expect_ncalls(t, "readln", &r, 2);
		expect_call(t, "readln (the line)", &r, 0, 12, 0, 5);
		expect_call(t, "readln (the terminator)", &r, 1, 7, 0, 2);
	}
	evbuffer_free(b);
}

/* ---- I41 (QUIRK): several callbacks on one buffer run most recent first ---- */

void eb_cb_order(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	int order[64];
	unsigned norder = 0;
	struct cb_rec r[3] = { { .tag = 1 }, { .tag = 2 }, { .tag = 3 } };
	for (int i = 0; i < 3; i++) {
		r[i].order = order;
		r[i].norder = &norder;
		add_rec(t, b, &r[i]);
	}
	evbuffer_add(b, "abc", 3);
	bc_expect_int(t, "calls", norder, 3);
	bc_expect_int(t, "first callback run (the last added)", order[0], 3);
	bc_expect_int(t, "second", order[1], 2);
	bc_expect_int(t, "third", order[2], 1);
	evbuffer_free(b);
}

/* Several callbacks on one buffer: each sees every change once (MUST, order-free). */
void eb_cb_many(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	struct cb_rec r[3] = { { 0 } };
	for (int i = 0; i < 3; i++)
		add_rec(t, b, &r[i]);
	evbuffer_add(b, "abcdef", 6);
	evbuffer_drain(b, 4);
	for (int i = 0; i < 3; i++) {
		expect_ncalls(t, "add and drain, each callback", &r[i], 2);
		expect_call(t, "add", &r[i], 0, 0, 6, 0);
		expect_call(t, "drain", &r[i], 1, 6, 0, 4);
	}
	evbuffer_free(b);
}

/* ---- I42 ---- */

void eb_cb_disable(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	struct cb_rec r = { 0 };
	struct evbuffer_cb_entry *e = add_rec(t, b, &r);
	evbuffer_add(b, "abc", 3);
	expect_ncalls(t, "add while enabled", &r, 1);
	bc_expect_int(t, "clear ENABLED", evbuffer_cb_clear_flags(b, e, EVBUFFER_CB_ENABLED), 0);
	evbuffer_add(b, "defg", 4);
	evbuffer_drain(b, 1);
	expect_ncalls(t, "add and drain while disabled", &r, 1);
	bc_expect_int(t, "set ENABLED", evbuffer_cb_set_flags(b, e, EVBUFFER_CB_ENABLED), 0);
	expect_ncalls(t, "re-enabling (no catch-up call)", &r, 1);
	evbuffer_add(b, "h", 1);
	expect_ncalls(t, "add after re-enabling", &r, 2);
	expect_call(t, "first change after re-enabling", &r, 1, 6, 1, 0);
	evbuffer_free(b);
}

/* ---- I43 ---- */

void eb_cb_remove(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	struct cb_rec r1 = { 0 }, r2 = { 0 }, r3 = { 0 };
	add_rec(t, b, &r1);
	struct evbuffer_cb_entry *e2 = add_rec(t, b, &r2);
	add_rec(t, b, &r3);
	evbuffer_add(b, "ab", 2);
	bc_expect_int(t, "remove_cb of a registered (cb, arg)", evbuffer_remove_cb(b, rec_cb, &r1), 0);
	bc_expect_int(t, "remove_cb again", evbuffer_remove_cb(b, rec_cb, &r1), -1);
	bc_expect_int(t, "remove_cb of an unknown arg", evbuffer_remove_cb(b, rec_cb, &b), -1);
	bc_expect_int(t, "remove_cb_entry", evbuffer_remove_cb_entry(b, e2), 0);
	evbuffer_add(b, "cd", 2);
	evbuffer_drain(b, 3);
	expect_ncalls(t, "removed callback (remove_cb)", &r1, 1);
	expect_ncalls(t, "removed callback (remove_cb_entry)", &r2, 1);
	expect_ncalls(t, "the remaining callback", &r3, 3);
	expect_call(t, "the remaining callback", &r3, 2, 4, 0, 3);
	evbuffer_free(b);
}

/* ---- I44: deferred callbacks coalesce ---- */

void eb_cb_deferred(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	struct cb_rec r = { 0 };
	add_rec(t, b, &r);
	bc_expect_int(t, "evbuffer_defer_callbacks", evbuffer_defer_callbacks(b, t->base), 0);
	evbuffer_add(b, "abc", 3);
	evbuffer_add(b, "de", 2);
	evbuffer_drain(b, 1);
	expect_ncalls(t, "three changes (nothing inline)", &r, 0);
	bc_await(t, "a deferred call from the loop", r.n >= 1);
	bc_settle(t);
	expect_ncalls(t, "the loop ran", &r, 1);
	expect_call(t, "coalesced", &r, 0, 0, 5, 1);
	evbuffer_prepend(b, "z", 1);
	expect_ncalls(t, "a later change (nothing inline)", &r, 1);
	bc_await(t, "a second deferred call", r.n >= 2);
	bc_settle(t);
	expect_ncalls(t, "the loop ran again", &r, 2);
	expect_call(t, "second batch", &r, 1, 4, 1, 0);
	evbuffer_free(b);
}
