/* evbuf_common.c: tape decoding, the cyclic pattern, failure reports and comparison
 * for the evbuffer targets (see evbuf.h). */
#include "evbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fuzz_verbose = -1;

static const char *names[OP_COUNT] = {
#define X(name, byte, str) [byte] = str,
#include "evbuf_ops.def"
#undef X
};

const char *op_name(int code)
{
	return code >= 0 && code < OP_COUNT ? names[code] : "?";
}

/* Period 251 (prime), with LF, CR and NUL sprinkled in so that readln and search_eol
 * meet terminators in generated data; everything else printable. */
unsigned char pattern_byte(unsigned long k)
{
	unsigned i = (unsigned)(k % 251);
	if (i % 17 == 3)
		return '\n';
	if (i % 19 == 5)
		return '\r';
	if (i % 41 == 7)
		return 0;
	return (unsigned char)(33 + (i * 7) % 90);
}

static unsigned u8(struct tape *t)
{
	if (!t->n)
		return 0;
	t->n--;
	return *t->p++;
}

static unsigned u16(struct tape *t)
{
	unsigned a = u8(t);
	return a | u8(t) << 8;
}

/* Mostly small sizes, sometimes up to 4 KiB (chain boundaries are at 1-4 KiB). */
static size_t size_of(unsigned b)
{
	return b < 240 ? b : (size_t)(b - 239) * 256;
}

static long pos_in(struct tape *t, size_t len)
{
	return (long)(u16(t) % (len + 1));
}

/* Payload: the pattern (n bytes) or a literal from the tape (up to 15 bytes). */
static void payload(struct tape *t, struct op *op, size_t n, unsigned long *ctr,
	unsigned char *scratch)
{
	unsigned mode = u8(t);
	op->data = scratch;
	if (mode >= 0xf0) {
		op->dlen = mode & 15;
		for (size_t i = 0; i < op->dlen; i++)
			scratch[i] = (unsigned char)u8(t);
		return;
	}
	if (n > MAXDATA)
		n = MAXDATA;
	for (size_t i = 0; i < n; i++)
		scratch[i] = pattern_byte(*ctr + i);
	*ctr += n;
	op->dlen = n;
}

/* Needle: usually bytes taken from the buffer (so searches hit), else a literal, or empty. */
static void needle(struct tape *t, struct op *op, size_t len, const unsigned char *content,
	unsigned char *scratch)
{
	unsigned mode = u8(t), nl = u8(t) % 9;
	op->data = scratch;
	op->dlen = 0;
	if (mode % 4 <= 1 && len) {
		size_t off = u16(t) % len;
		if (nl > len - off)
			nl = (unsigned)(len - off);
		MEMCPY(scratch, content + off, nl);
		op->dlen = nl;
	} else if (mode % 4 == 2) {
		for (unsigned i = 0; i < nl; i++)
			scratch[i] = (unsigned char)u8(t);
		op->dlen = nl;
	}
}

int decode_op(struct tape *t, const size_t lens[NBUF], const unsigned char *const contents[NBUF],
	struct op *op, unsigned long *ctr, unsigned char *scratch)
{
	if (!t->n)
		return 0;
	memset(op, 0, sizeof *op);
	op->code = (int)(u8(t) % OP_COUNT);
	unsigned bb = u8(t);
	op->b = (int)(bb % NBUF);
	op->b2 = (int)((bb / NBUF) % NBUF);
	op->pos = op->pos2 = -1;
	size_t len = lens[op->b];
	switch (op->code) {
	case OP_ADD:
	case OP_PREPEND:
	case OP_ADD_REFERENCE:
		op->n = size_of(u8(t));
		op->flag = (int)(u8(t) & 1); /* reference: with a cleanup callback */
		payload(t, op, op->n, ctr, scratch);
		op->n = op->dlen;
		break;
	case OP_ADD_IOVEC:
		op->n = size_of(u8(t));
		payload(t, op, op->n, ctr, scratch);
		op->n = op->dlen;
		op->split = op->n ? u8(t) % (op->n + 1) : 0;
		break;
	case OP_ADD_PRINTF:
		op->flag = (int)(u8(t) % 4);
		op->num = (long)(int16_t)u16(t);
		op->n = u16(t) % 5000; /* width for the %0*ld form */
		payload(t, op, u8(t) % 64, ctr, scratch);
		break;
	case OP_REMOVE:
	case OP_DRAIN:
	case OP_COPYOUT:
	case OP_REMOVE_BUFFER:
	case OP_EXPAND: {
		unsigned s = u8(t);
		op->n = s == 255 ? (size_t)-1 : size_of(s);
		if (op->code == OP_EXPAND && op->n == (size_t)-1)
			op->flag = 1;
		if (op->code == OP_EXPAND && op->n > MAXDATA)
			op->n = MAXDATA;
		break;
	}
	case OP_COPYOUT_FROM:
		op->pos = pos_in(t, len);
		op->n = size_of(u8(t));
		break;
	case OP_PULLUP: {
		unsigned s = u8(t);
		op->sn = s == 255 ? -1 : (ssize_t)size_of(s);
		break;
	}
	case OP_RESERVE_COMMIT:
		op->n = size_of(u8(t));
		op->flag = (int)(u8(t) % 4); /* n_vecs: 0 (invalid), 1, 2, 3 */
		op->flag2 = (int)(u8(t) % 8); /* 0: commit too long; 1: commit 0 vecs; else commit */
		payload(t, op, op->n, ctr, scratch);
		if (op->dlen > op->n)
			op->dlen = op->n;
		op->dlen -= u8(t) % (op->dlen + 1) / 2; /* commit up to half less than reserved */
		break;
	case OP_PEEK: {
		unsigned s = u8(t);
		op->sn = s == 255 ? -1 : (ssize_t)size_of(s);
		op->flag = (int)(u8(t) % 5); /* n_vec */
		if (u8(t) & 1)
			op->pos = pos_in(t, len);
		break;
	}
	case OP_SEARCH:
	case OP_SEARCH_RANGE:
		needle(t, op, len, contents[op->b], scratch);
		if (u8(t) & 1)
			op->pos = pos_in(t, len);
		if (op->code == OP_SEARCH_RANGE) {
			op->pos2 = pos_in(t, len);
			if (op->pos >= 0 && op->pos2 < op->pos)
				op->pos2 = op->pos;
		}
		break;
	case OP_SEARCH_EOL:
	case OP_READLN: {
		unsigned s = u8(t);
		op->flag = (int)(s % 6); /* 0..4 styles, 5 = unknown style (7) */
		if (op->flag == 5)
			op->flag = 7;
		op->flag2 = (int)(s >> 7); /* NULL eol_len_out / n_read_out */
		if (op->code == OP_SEARCH_EOL && (u8(t) & 1))
			op->pos = pos_in(t, len);
		break;
	}
	case OP_PTR_SET:
		op->pos = (long)(u16(t) % (len + 3)); /* up to 2 past the end */
		op->flag = (int)(u8(t) & 1);         /* then PTR_ADD */
		op->pos2 = (long)(u8(t) % 8);
		break;
	case OP_FREEZE:
	case OP_UNFREEZE:
		op->flag = (int)(u8(t) & 1);
		break;
	case OP_REMOVE_CB:
	case OP_CB_FLAGS:
		op->flag = (int)(u8(t) % NCB);
		op->flag2 = (int)(u8(t) % 3);
		break;
	default:
		break;
	}
	return 1;
}

int op_printf_expected(const struct op *op, char *out, size_t outsz)
{
	char s[80];
	size_t n = op->dlen < sizeof s - 1 ? op->dlen : sizeof s - 1;
	MEMCPY(s, op->data, n);
	s[n] = 0;
	switch (op->flag) {
	case 0: return snprintf(out, outsz, "%s", s);
	case 1: return snprintf(out, outsz, "%ld:%.*s;", op->num, (int)op->dlen, s);
	case 2: return snprintf(out, outsz, "%s", "");
	default: return snprintf(out, outsz, "%0*ld", (int)op->n, op->num);
	}
}

static void describe(char *buf, size_t sz, const struct op *op)
{
	snprintf(buf, sz, "%s b=%d b2=%d n=%zu sn=%zd pos=%ld pos2=%ld flag=%d flag2=%d dlen=%zu",
		op_name(op->code), op->b, op->b2, op->n, op->sn, op->pos, op->pos2, op->flag,
		op->flag2, op->dlen);
}

void fuzz_trace_op(int step, const struct op *op)
{
	if (fuzz_verbose < 0) {
		const char *v = getenv("BEVCONF_FUZZ_VERBOSE");
		fuzz_verbose = v && *v && *v != '0';
	}
	if (!fuzz_verbose)
		return;
	char d[256];
	describe(d, sizeof d, op);
	fprintf(stderr, "  step %d: %s\n", step, d);
}

void fuzz_fail(const char *target, int step, const struct op *op, const char *what,
	const char *fmt, ...)
{
	char d[256] = "end of tape";
	if (op)
		describe(d, sizeof d, op);
	/* The first line is the finding's signature (make fuzz deduplicates on it). */
	fprintf(stderr, "bevconf-fuzz: FAIL %s: %s: %s\n", target,
		op ? op_name(op->code) : "finish", what);
	fprintf(stderr, "  step %d: %s\n  ", step, d);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

static void hexdiff(char *buf, size_t sz, const unsigned char *a, size_t alen,
	const unsigned char *b, size_t blen)
{
	size_t i = 0;
	while (i < alen && i < blen && a[i] == b[i])
		i++;
	int k = snprintf(buf, sz, "first difference at byte %zu of %zu/%zu:", i, alen, blen);
	for (size_t j = i; j < i + 8 && k > 0 && (size_t)k < sz; j++)
		k += snprintf(buf + k, sz - k, " %02x/%02x", j < alen ? a[j] : 0, j < blen ? b[j] : 0);
}

void obs_compare(const char *target, int step, const struct op *op, const struct obs *want,
	const struct obs *got, const char *wn, const char *gn)
{
	char h[256];
#define CMP(field, label) \
	if (want->field != got->field) \
		fuzz_fail(target, step, op, label, "%s: %ld, %s: %ld", wn, (long)want->field, gn, \
			(long)got->field)
	CMP(skipped, "skipped");
	if (want->skipped)
		return;
	CMP(ret, "return value");
	CMP(ret2, "second return value");
	CMP(pos, "returned position");
	CMP(eol_len, "eol_len");
	if (want->out_prefix || got->out_prefix) {
		size_t n = want->out_len < got->out_len ? want->out_len : got->out_len;
		if (n && memcmp(want->out, got->out, n)) {
			hexdiff(h, sizeof h, want->out, n, got->out, n);
			fuzz_fail(target, step, op, "returned data", "%s vs %s: %s", wn, gn, h);
		}
	} else {
		CMP(out_len, "returned length");
		if (want->out_len && memcmp(want->out, got->out, want->out_len)) {
			hexdiff(h, sizeof h, want->out, want->out_len, got->out, got->out_len);
			fuzz_fail(target, step, op, "returned data", "%s vs %s: %s", wn, gn, h);
		}
	}
	for (int b = 0; b < NBUF; b++) {
		if (want->len[b] != got->len[b])
			fuzz_fail(target, step, op, "length", "buffer %d: %s: %zu, %s: %zu", b, wn,
				want->len[b], gn, got->len[b]);
		if (want->len[b] && memcmp(want->content[b], got->content[b], want->len[b])) {
			hexdiff(h, sizeof h, want->content[b], want->len[b], got->content[b], got->len[b]);
			fuzz_fail(target, step, op, "content", "buffer %d: %s vs %s: %s", b, wn, gn, h);
		}
	}
#undef CMP
}

/* Whether the operation keeps every buffer within MAXLEN (else both sides skip it). */
int op_fits(const struct op *op, const size_t lens[NBUF])
{
	size_t grow = 0, l = lens[op->b];
	char tmp[5200];
	switch (op->code) {
	case OP_ADD: case OP_PREPEND: case OP_ADD_REFERENCE: case OP_ADD_IOVEC:
		grow = op->dlen;
		break;
	case OP_RESERVE_COMMIT:
		grow = op->n;
		break;
	case OP_ADD_PRINTF:
		grow = (size_t)op_printf_expected(op, tmp, sizeof tmp);
		break;
	case OP_ADD_BUFFER: case OP_ADD_BUFFER_REF: case OP_PREPEND_BUFFER: case OP_REMOVE_BUFFER:
		l = lens[op->b] + lens[op->b2];
		break;
	}
	return l + grow <= MAXLEN;
}
