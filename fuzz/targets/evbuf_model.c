/* evbuf_model.c: the flat model of evbuffer behaviour (cases/CONTRACT.md area I, from
 * /work/shared/contract-draft.md section I). Each buffer is a byte array with two freeze
 * flags. Where the contract leaves a value to the implementation ([impl]: vector counts
 * of peek and reserve_space), the model checks the rule that does hold and takes the
 * implementation's value. Quirks encoded on purpose:
 *   I9/I10  add_buffer/prepend_buffer/remove_buffer: empty or same buffer is a no-op
 *           returning 0 before any freeze check (remove_buffer: n == 0 or same buffer);
 *   I12     add_buffer_reference onto itself returns -1 (but 0 when src is empty), and
 *           it ignores src's freezes;
 *   I54     a src holding referenced (multicast) data is refused (-1). Which bytes sit in
 *           such chains is tracked per byte; where that depends on chunk sizes (a
 *           remove_buffer cut through referenced data copies the cut part) the mark is
 *           "maybe", the model allows either answer and model_ambiguous() says so;
 *   I15/I14 EOL_ANY consumes the whole CR/LF run, so a CRLF split across arrivals gives an
 *           extra empty line;
 *   I23     search with an empty needle "finds" the start position;
 *   I35/I36 which operations a frozen start or end refuses (add(0) on a frozen end is -1,
 *           prepend(0) is 0; copyout/drain/remove of nothing are 0 even when frozen);
 *   I27     peek: the joined vectors are the data from the start position and cover the
 *           asked length when the count returned fits the vectors given; with len -1 the
 *           count stops at n_vec (so it cannot tell that data was left out). */
#include "evbuf.h"

#include <event2/buffer.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Per-byte marks: is the byte in a chain add_buffer_reference made (I54)? */
enum { MK_PLAIN, MK_REF, MK_MAYBE };

struct mbuf {
	unsigned char d[MAXLEN + MAXDATA + 16];
	unsigned char mk[MAXLEN + MAXDATA + 16]; /* MK_* of each byte of d */
	size_t len;
	int fs, fe; /* frozen start, frozen end */
	unsigned refs; /* buffers whose data its multicast chains may reference (bit mask) */
	int xe;     /* may hold two or more empty chains after its data (finding F6) */
};

struct model {
	struct mbuf b[NBUF];
	int cbbuf[NCB]; /* buffer of each callback record, -1 when unused */
	unsigned char out[MAXLEN + MAXDATA + 16];
	char line[MAXLEN + 1];
};

#define MFAIL(what, ...) fuzz_fail("model", -1, op, what, __VA_ARGS__)

struct model *model_new(void)
{
	static struct model *m;
	if (!m && !(m = malloc(sizeof *m)))
		abort();

	for (int i = 0; i < NBUF; i++) /* only the headers: the data arrays need no clearing */
		memset(&m->b[i].len, 0, sizeof *m->b - offsetof(struct mbuf, len));
	for (int i = 0; i < NCB; i++)
		m->cbbuf[i] = -1;
	return m;
}

void model_free(struct model *m)
{
	(void)m; /* reused by the next input */
}

/* Append n bytes with marks mk (NULL: all MK_PLAIN). */
static void append_marked(struct mbuf *b, const unsigned char *d, const unsigned char *mk, size_t n)
{
	if (n)
		memmove(b->d + b->len, d, n);
	if (mk)
		MEMCPY(b->mk + b->len, mk, n);
	else
		memset(b->mk + b->len, MK_PLAIN, n);
	b->len += n;
}

static void append(struct mbuf *b, const unsigned char *d, size_t n)
{
	append_marked(b, d, NULL, n);
}

static void prepend_marked(struct mbuf *b, const unsigned char *d, const unsigned char *mk, size_t n)
{
	memmove(b->d + n, b->d, b->len);
	memmove(b->mk + n, b->mk, b->len);
	MEMCPY(b->d, d, n);
	if (mk)
		MEMCPY(b->mk, mk, n);
	else
		memset(b->mk, MK_PLAIN, n);
	b->len += n;
}

/* Does b surely hold referenced bytes (strict), or bytes that are or may be referenced? */
static int holds_ref(const struct mbuf *b, int strict)
{
	for (size_t i = 0; i < b->len; i++)
		if (b->mk[i] == MK_REF || (!strict && b->mk[i] == MK_MAYBE))
			return 1;
	return 0;
}

static void drain(struct mbuf *b, size_t n)
{
	if (n > b->len)
		n = b->len;
	/* libevent's evbuffer_drain frees every chain (the empty ones too) when it takes a
	 * non-empty buffer to 0; on an empty buffer it does nothing. */
	if (n && n == b->len)
		b->xe = 0;
	memmove(b->d, b->d + n, b->len - n);
	memmove(b->mk, b->mk + n, b->len - n); /* a partly drained chain keeps its kind */
	b->len -= n;
	if (!b->len)
		b->refs = 0;
}

/* Move everything from s to the end (or front) of d. */
static void move_all(struct mbuf *d, struct mbuf *s, int front)
{
	if (front)
		prepend_marked(d, s->d, s->mk, s->len);
	else
		append_marked(d, s->d, s->mk, s->len);
	d->refs |= s->refs;
	d->xe |= s->xe; /* APPEND_CHAIN/COPY_CHAIN move src's empty chains too */
	s->len = 0;
	s->refs = 0;
	s->xe = 0;
}

static long find(const struct mbuf *b, size_t from, const unsigned char *w, size_t n)
{
	if (n == 0)
		return (long)from;
	for (size_t i = from; i + n <= b->len; i++)
		if (b->d[i] == w[0] && !memcmp(b->d + i, w, n))
			return (long)i;
	return -1;
}

/* evbuffer_search_eol on the flat data: position and terminator length. */
static long find_eol(const struct mbuf *b, size_t from, int style, size_t *eol)
{
	*eol = 0;
	size_t i;
	switch (style) {
	case EVBUFFER_EOL_ANY:
		for (i = from; i < b->len; i++)
			if (b->d[i] == '\r' || b->d[i] == '\n')
				break;
		if (i == b->len)
			return -1;
		for (size_t j = i; j < b->len && (b->d[j] == '\r' || b->d[j] == '\n'); j++)
			++*eol;
		return (long)i;
	case EVBUFFER_EOL_CRLF_STRICT: {
		long r = find(b, from, (const unsigned char *)"\r\n", 2);
		if (r >= 0)
			*eol = 2;
		return r;
	}
	case EVBUFFER_EOL_CRLF:
		for (i = from; i < b->len && b->d[i] != '\n'; i++)
			;
		if (i == b->len)
			return -1;
		if (i > from && b->d[i - 1] == '\r') {
			*eol = 2;
			return (long)i - 1;
		}
		*eol = 1;
		return (long)i;
	case EVBUFFER_EOL_LF:
	case EVBUFFER_EOL_NUL: {
		unsigned char c = style == EVBUFFER_EOL_LF ? '\n' : 0;
		for (i = from; i < b->len && b->d[i] != c; i++)
			;
		if (i == b->len)
			return -1;
		*eol = 1;
		return (long)i;
	}
	default:
		return -1;
	}
}

/* Buffers reachable from x through multicast references. */
static unsigned reach(const struct model *m, unsigned x)
{
	unsigned r = x, prev;
	do {
		prev = r;
		for (int i = 0; i < NBUF; i++)
			if (r & 1u << i)
				r |= m->b[i].refs;
	} while (r != prev);
	return r;
}

static int no_skip = -1;

int model_skip(const struct model *m, const struct op *op)
{
	int d, s;
	unsigned add;
	if (no_skip < 0) {
		const char *v = getenv("BEVCONF_FUZZ_NO_SKIP");
		no_skip = v && *v && *v != '0';
	}
	if (no_skip)
		return 0;
	switch (op->code) {
	case OP_RESERVE_COMMIT:
		/* libevent: reserve_space(b, 0, vec, n >= 2) fails an assertion (abort) in
		 * evbuffer_read_setup_vecs_ when no chain has room (finding F4). */
		if (op->n == 0 && op->flag >= 2)
			return 1;
		/* libevent: commit_space(b, vec, 1) refuses (-1, I30 says 0) the very vector
		 * reserve_space(b, size, vec, 1) gave when that came from the empty chain after a
		 * last data chain that still has a little room, and another empty chain follows
		 * (left by evbuffer_expand_fast_: reserve_space with n_vecs >= 2, add_iovec): the
		 * reservation uses (*last_with_datap)->next, the commit compares the vector with
		 * buf->last, then with *last_with_datap (finding F6). Skipped on such buffers when
		 * the reservation is committed with data (commits of 0 vectors or of too much give
		 * 0 and -1 before that comparison matters). */
		return op->flag == 1 && op->flag2 >= 2 && m->b[op->b].xe;
	case OP_PULLUP:
		/* libevent: pullup writes into the spare room of a shared (multicast) first
		 * chain, so a buffer and the buffers referencing it corrupt each other's
		 * data (finding F2 in fuzz/README.md). Skipped while sharing may exist. */
		if (holds_ref(&m->b[op->b], 0))
			return 1;
		for (int i = 0; i < NBUF; i++)
			if (m->b[i].refs >> op->b & 1)
				return 1;
		return 0;
	case OP_ADD_BUFFER_REF:
		d = op->b, s = op->b2;
		add = 1u << s | m->b[s].refs;
		break;
	case OP_ADD_BUFFER:
	case OP_PREPEND_BUFFER:
		d = op->b, s = op->b2;
		add = m->b[s].refs;
		break;
	case OP_REMOVE_BUFFER:
		d = op->b2, s = op->b;
		add = m->b[s].refs;
		break;
	default:
		return 0;
	}
	if (d == s || !add)
		return 0;
	/* libevent: a buffer whose multicast chains reference itself (directly or through
	 * another buffer) is never freed; its reference cleanups never run. Reported as a
	 * finding (fuzz/README.md); the tapes avoid building such cycles. */
	return (reach(m, add) >> d) & 1;
}

int model_ambiguous(const struct model *m, const struct op *op)
{
	const struct mbuf *b = &m->b[op->b], *s = &m->b[op->b2];
	return op->code == OP_ADD_BUFFER_REF && s->len && !b->fe && b != s && !holds_ref(s, 1) &&
	       holds_ref(s, 0);
}

static void fill(struct model *m, struct obs *o)
{
	for (int i = 0; i < NBUF; i++) {
		o->len[i] = m->b[i].len;
		o->content[i] = m->b[i].d;
	}
}

void model_step(struct model *m, const struct op *op, struct obs *o, const struct obs *a)
{
	struct mbuf *b = &m->b[op->b], *b2 = &m->b[op->b2];
	memset(o, 0, sizeof *o);
	switch (op->code) {
	case OP_ADD:
		o->ret = b->fe ? -1 : 0;
		if (!b->fe)
			append(b, op->data, op->dlen);
		break;
	case OP_PREPEND:
		o->ret = op->dlen && b->fs ? -1 : 0;
		if (o->ret == 0)
			prepend_marked(b, op->data, NULL, op->dlen);
		break;
	case OP_ADD_PRINTF: {
		char s[5200];
		int n = op_printf_expected(op, s, sizeof s);
		o->ret = b->fe ? -1 : n;
		if (!b->fe)
			append(b, (unsigned char *)s, (size_t)n);
		break;
	}
	case OP_ADD_REFERENCE:
		o->ret = b->fe ? -1 : 0;
		if (!b->fe)
			append(b, op->data, op->dlen);
		break;
	case OP_ADD_BUFFER:
	case OP_PREPEND_BUFFER:
		if (!b2->len || b == b2)
			o->ret = 0;
		else if ((op->code == OP_ADD_BUFFER ? b->fe : b->fs) || b2->fs)
			o->ret = -1;
		else
			move_all(b, b2, op->code == OP_PREPEND_BUFFER);
		break;
	case OP_ADD_BUFFER_REF:
		if (!b2->len)
			o->ret = 0;
		else if (b->fe || b == b2)
			o->ret = -1;
		else if (holds_ref(b2, 1) || (holds_ref(b2, 0) && a && a->ret == -1))
			o->ret = -1; /* I54 */
		else {
			size_t at = b->len;
			append(b, b2->d, b2->len);
			memset(b->mk + at, MK_REF, b2->len);
			b->refs |= 1u << op->b2 | b2->refs;
		}
		break;
	case OP_REMOVE:
	case OP_COPYOUT: {
		size_t n = op->n < b->len ? op->n : b->len;
		o->out = m->out;
		if (n && b->fs) {
			o->ret = -1;
			break;
		}
		memcpy(m->out, b->d, n);
		o->ret = (long)n;
		o->out_len = n;
		if (op->code == OP_REMOVE)
			drain(b, n);
		break;
	}
	case OP_COPYOUT_FROM: {
		size_t avail = b->len - (size_t)op->pos;
		size_t n = op->n < avail ? op->n : avail;
		o->out = m->out;
		if (n && b->fs) {
			o->ret = -1;
			break;
		}
		memcpy(m->out, b->d + op->pos, n);
		o->ret = (long)n;
		o->out_len = n;
		break;
	}
	case OP_REMOVE_BUFFER: {
		if (op->n == 0 || b == b2) {
			o->ret = 0;
			break;
		}
		if (b2->fe || b->fs) {
			o->ret = -1;
			break;
		}
		size_t n = op->n < b->len ? op->n : b->len;
		o->ret = (long)n;
		if (n == b->len) {
			if (n)
				move_all(b2, b, 0);
		} else {
			/* Whole chains move with their kind; the chain cut at n is copied. A
			 * referenced byte surely sits in a whole chain when a plain byte follows it
			 * before the cut (chains are of one kind); else it is only maybe referenced. */
			size_t at = b2->len;
			append_marked(b2, b->d, b->mk, n);
			int boundary = b->mk[n] == MK_PLAIN;
			for (size_t i = n; i-- > 0;) {
				if (b->mk[i] == MK_PLAIN)
					boundary = 1;
				else if (!boundary)
					b2->mk[at + i] = MK_MAYBE;
			}
			b2->refs |= b->refs;
			drain(b, n);
		}
		break;
	}
	case OP_DRAIN:
		if (b->len && b->fs)
			o->ret = -1;
		else
			drain(b, op->n);
		break;
	case OP_PULLUP: {
		size_t n = op->sn < 0 ? b->len : (size_t)op->sn;
		if (n == 0 || n > b->len)
			break;
		o->ret = 1;
		o->out = b->d;
		o->out_len = n;
		break;
	}
	case OP_RESERVE_COMMIT:
		o->ret2 = -2;
		if (b->fe || op->flag < 1) {
			o->ret = -1;
			break;
		}
		o->ret = 1;
		if (op->n == 0 && a && a->ret == 0) {
			o->ret = 0; /* nothing asked: no vector is fine ([impl]) */
			break;
		}
		if (op->flag >= 2)
			b->xe = 1; /* evbuffer_expand_fast_ may have appended empty chains */
		if (op->flag2 == 1) {
			o->ret2 = 0;
		} else if (op->flag2 == 0) {
			o->ret2 = -1;
		} else {
			o->ret2 = 0;
			append(b, op->data, op->dlen);
		}
		break;
	case OP_PEEK: {
		size_t start = op->pos < 0 ? 0 : (size_t)op->pos;
		size_t avail = b->len - start;
		size_t want = op->sn < 0 ? avail : ((size_t)op->sn < avail ? (size_t)op->sn : avail);
		/* I27: the joined vectors are the data from start; they cover the asked length
		 * when the count fits; a non-empty request of available data needs a vector. */
		if (a->out_len > avail || !MEMEQ(a->out, b->d + start, a->out_len))
			MFAIL("peek vectors are not the data", "joined %zu bytes, %zu available", a->out_len,
				avail);
		if (op->sn >= 0 && a->ret >= 0 && a->ret <= op->flag && a->out_len < want)
			MFAIL("peek covers less than asked", "count %ld, %zu of %zu bytes", a->ret,
				a->out_len, want);
		if (want && a->ret < 1)
			MFAIL("peek returned no vector for available data", "count %ld, %zu bytes", a->ret,
				want);
		if (op->flag && a->ret < 0)
			MFAIL("peek returned a negative count", "%ld", a->ret);
		o->ret = a->ret;
		o->out = b->d + start;
		o->out_len = a->out_len;
		o->out_prefix = 1;
		break;
	}
	case OP_SEARCH:
	case OP_SEARCH_RANGE: {
		size_t from = op->pos < 0 ? 0 : (size_t)op->pos;
		long r = find(b, from, op->data, op->dlen);
		if (r >= 0 && op->dlen == 0)
			r = op->pos < 0 ? 0 : op->pos; /* I23 */
		if (op->code == OP_SEARCH_RANGE && op->dlen && r >= 0 && r + (long)op->dlen > op->pos2)
			r = -1;
		o->pos = r;
		if (r >= 0 && op->dlen) {
			o->out = b->d + r;
			o->out_len = op->dlen;
			o->out_prefix = 1;
		}
		break;
	}
	case OP_SEARCH_EOL: {
		size_t eol;
		long r;
		if (op->pos >= 0 && (size_t)op->pos == b->len)
			r = -1, eol = 0; /* the end pointer */
		else
			r = find_eol(b, op->pos < 0 ? 0 : (size_t)op->pos, op->flag, &eol);
		o->pos = r;
		o->eol_len = op->flag2 ? 0 : eol;
		if (r >= 0) {
			o->out = b->d + r;
			o->out_len = 1;
			o->out_prefix = 1;
		}
		break;
	}
	case OP_READLN: {
		size_t eol;
		long r = b->fs ? -1 : find_eol(b, 0, op->flag, &eol);
		if (r < 0)
			break;
		o->ret = 1;
		o->eol_len = op->flag2 ? 0 : (size_t)r;
		memcpy(m->out, b->d, (size_t)r);
		o->out = m->out;
		o->out_len = (size_t)r;
		o->out_prefix = op->flag2;
		drain(b, (size_t)r + eol);
		break;
	}
	case OP_PTR_SET: {
		long pos = op->pos;
		o->ret = 0;
		if ((size_t)pos > b->len) {
			o->ret = -1;
			pos = -1;
		}
		o->ret2 = -2;
		if (op->flag) {
			if (pos < 0) {
				o->ret2 = -1;
			} else if ((size_t)(pos + op->pos2) > b->len) {
				o->ret2 = -1;
				pos = -1;
			} else {
				o->ret2 = 0;
				pos += op->pos2;
			}
		}
		o->pos = pos;
		if (pos >= 0 && (size_t)pos < b->len) {
			o->out = b->d + pos;
			o->out_len = 1;
			o->out_prefix = 1;
		}
		break;
	}
	case OP_EXPAND:
		o->ret = op->flag ? -1 : 0;
		break;
	case OP_FREEZE:
	case OP_UNFREEZE:
		*(op->flag ? &b->fs : &b->fe) = op->code == OP_FREEZE;
		break;
	case OP_ADD_CB: {
		int i = 0;
		while (i < NCB && m->cbbuf[i] >= 0)
			i++;
		if (i == NCB) {
			o->skipped = 1;
			break;
		}
		m->cbbuf[i] = op->b;
		o->ret = 1;
		break;
	}
	case OP_REMOVE_CB:
		if (op->flag2 == 0) {
			if (m->cbbuf[op->flag] < 0)
				o->skipped = 1;
			m->cbbuf[op->flag] = -1;
		} else if (op->flag2 == 1) {
			o->ret = m->cbbuf[op->flag] == op->b ? 0 : -1;
			if (!o->ret)
				m->cbbuf[op->flag] = -1;
		} else {
			o->ret = -1;
		}
		break;
	case OP_CB_FLAGS:
		if (m->cbbuf[op->flag] < 0)
			o->skipped = 1;
		break;
	case OP_ADD_IOVEC:
		o->ret = b->fe ? 0 : (long)op->dlen;
		if (!b->fe)
			append(b, op->data, op->dlen);
		/* evbuffer_add_iovec calls evbuffer_expand_fast_(b, total, 2), which may append an
		 * empty chain after an empty one; when the data then fits in a realigned last data
		 * chain (evbuffer_add), both stay (F6). */
		if (!b->fe && op->dlen)
			b->xe = 1;
		break;
	case OP_ADD_HUGE:
		o->ret = -1;
		break;
	case OP_FREE_NEW:
		/* libevent: evbuffer_free only drops a reference; multicast chains in other
		 * buffers hold references to their source (evbuffer_incref_ in
		 * APPEND_CHAIN_MULTICAST), so a freed source referenced elsewhere stays alive with
		 * its own multicast chains. Its references pass to the buffers referencing it, so
		 * that model_skip still sees cycles through it (F3; soak findings ea207d7fc722,
		 * ba91ce9529c3 and 9be6b1b2e9f4 were such cycles through a freed buffer). */
		for (int i = 0; i < NBUF; i++)
			if (m->b[i].refs >> op->b & 1)
				m->b[i].refs = (m->b[i].refs & ~(1u << op->b)) | b->refs;
		b->len = 0;
		b->fs = b->fe = b->xe = 0;
		b->refs = 0;
		for (int i = 0; i < NCB; i++)
			if (m->cbbuf[i] == op->b)
				m->cbbuf[i] = -1;
		break;
	}
	fill(m, o);
}
