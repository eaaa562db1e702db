/* evbuf_repro.c: write an evbuffer tape as a standalone C program (a reproducer a
 * libevent maintainer can read and run), for evbuffer_tape.
 *
 * BEVCONF_FUZZ_REPRO=<file> turns it on. Each decoded step becomes the same public-API
 * call the executor (evbuf_exec.c) makes, with literal arguments, followed by checks of
 * what the model (evbuf_model.c) expects: the return value, returned bytes, and the
 * length and content of every buffer. The program exits 1 at the first unexpected result
 * (printing the step, the call, expected and got), 0 when every result is as expected.
 * A step whose call never returned here (a libevent assertion, a sanitizer report) is
 * written without checks: the program stops at it (libevent's fatal callback exits 1)
 * while the bug is there. The file is written when the tape ends or the process dies.
 *
 * Only what a program uses goes into it: callback records, reference regions, reserve
 * and pointer helpers are emitted on first use. Byte strings are literals d<k>, each
 * written once; a string inside an earlier one is referenced as d<k> + offset. */
#include "evbuf.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sanitizers call this before they exit (weak: absent in plain builds). */
extern void __sanitizer_set_death_callback(void (*)(void)) __attribute__((weak));

/* The helpers a program may need, each written once when a step first uses it. */
enum { USE_CB = 1, USE_NEVER = 2, USE_REGION = 4, USE_VEC = 8, USE_RESERVE = 16, USE_MORE = 32,
	USE_PEEK = 64, USE_PTR = 128, USE_AT = 256, USE_LINE = 512, USE_CLEANUP = 1024, USE_ADD_CB = 2048 };

struct literal {
	unsigned char *d;
	size_t len;
	int prefix;     /* an earlier literal this one starts with (written as D<k> "..."), or -1 */
	int is_prefix;  /* a later one starts with this one: it is also a macro D<k> */
};

static struct {
	FILE *out;           /* the program's file; NULL: not writing */
	char *body;          /* main's steps, written to memory until the end */
	size_t body_len;
	FILE *b;
	unsigned uses;
	struct literal lit[4 * MAXOPS + 8];
	int nlit;
	char content[NBUF][32];    /* each buffer's expected content: a literal reference */
	size_t len[NBUF];
	char cbbuf[NCB];     /* callback records: the buffer each is on, -1 free (as the executor) */
	int nregions;
	int region_cleanup[MAXOPS]; /* expected cleanup calls per region: 1 or 0; -1: no cleanup */
	const struct op *pending;  /* a step whose call is not written yet */
	int pending_step;
	size_t tape_len;
	int ended, done;
	const char *title;
} R;

static void finish(void);

static void on_abort(int sig)
{
	finish();
	signal(sig, SIG_DFL);
	raise(sig);
}

void repro_begin(size_t tape_len)
{
	const char *path = getenv("BEVCONF_FUZZ_REPRO");
	if (!path || !*path)
		return;
	memset(&R, 0, sizeof R);
	if (!(R.out = fopen(path, "w")) || !(R.b = open_memstream(&R.body, &R.body_len))) {
		fprintf(stderr, "bevconf-fuzz: cannot write %s\n", path);
		exit(2);
	}
	R.title = getenv("BEVCONF_REPRO_TITLE");
	R.tape_len = tape_len; /* only for the header */
	for (int i = 0; i < NBUF; i++)
		strcpy(R.content[i], "\"\"");
	memset(R.cbbuf, -1, sizeof R.cbbuf);
	signal(SIGABRT, on_abort);
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(finish);
}

/* ---- literals ---- */

/* d[0..n) as a C string literal, in pieces of about 72 characters joined by brk. */
static void c_string(FILE *f, const unsigned char *d, size_t n, const char *brk)
{
	size_t col = 0;
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		if (col >= 72) {
			fprintf(f, "\"%s\"", brk);
			col = 0;
		}
		unsigned c = d[i];
		if (c == '"' || c == '\\')
			col += (size_t)fprintf(f, "\\%c", c);
		else if (c >= 32 && c < 127 && c != '?')
			fputc((int)c, f), col++;
		else
			col += (size_t)fprintf(f, "\\%03o", c);
	}
	fputc('"', f);
}

/* A reference to bytes d[0..n): "d<k>", "(d<k> + off)" or "\"\"". Static storage, one of a
 * few rotating slots (a call line uses at most three). */
static const char *lit(const void *d, size_t n)
{
	static char slot[8][32];
	static int next;
	char *s = slot[next++ % 8];
	if (!n)
		return "\"\"";
	for (int i = 0; i < R.nlit; i++) {
		struct literal *l = &R.lit[i];
		for (size_t off = 0; off + n <= l->len; off++)
			if (!memcmp(l->d + off, d, n)) {
				if (off)
					snprintf(s, 32, "(d%d + %zu)", i, off);
				else
					snprintf(s, 32, "d%d", i);
				return s;
			}
	}
	if (R.nlit == (int)(sizeof R.lit / sizeof R.lit[0]) || !(R.lit[R.nlit].d = malloc(n)))
		abort();
	struct literal *l = &R.lit[R.nlit];
	memcpy(l->d, d, n);
	l->len = n;
	l->prefix = -1;
	/* A buffer's content usually grows at its end: start from the longest earlier one. */
	for (int i = 0; i < R.nlit; i++)
		if (R.lit[i].len >= 16 && R.lit[i].len < n && !memcmp(R.lit[i].d, d, R.lit[i].len) &&
		    (l->prefix < 0 || R.lit[i].len > R.lit[l->prefix].len))
			l->prefix = i;
	if (l->prefix >= 0)
		R.lit[l->prefix].is_prefix = 1;
	snprintf(s, 32, "d%d", R.nlit++);
	return s;
}

/* ---- the steps ---- */

static const char *const eol_styles[] = { "EVBUFFER_EOL_ANY", "EVBUFFER_EOL_CRLF",
	"EVBUFFER_EOL_CRLF_STRICT", "EVBUFFER_EOL_LF", "EVBUFFER_EOL_NUL" };

static const char *eol_style(int s, char *buf, size_t sz)
{
	if (s >= 0 && s < 5)
		return eol_styles[s];
	snprintf(buf, sz, "(enum evbuffer_eol_style)%d /* no such style */", s);
	return buf;
}

/* A size argument: SIZE_MAX, or the number. */
static const char *size_arg(size_t n, char *buf, size_t sz)
{
	if (n == (size_t)-1)
		return "SIZE_MAX";
	snprintf(buf, sz, "%zu", n);
	return buf;
}

/* An evbuffer_ptr argument: NULL, or at(&p, buffer, pos). */
static const char *ptr_arg(const char *var, int b, long pos, char *buf, size_t sz)
{
	if (pos < 0)
		return "NULL";
	R.uses |= USE_PTR;
	snprintf(buf, sz, "at(&%s, %d, %ld)", var, b, pos);
	return buf;
}

#define W(...) fprintf(R.b, __VA_ARGS__)

/* The call of one step; with want, the checks of what the model expects. */
static void emit(int step, const struct op *op, const struct obs *want)
{
	int b = op->b, b2 = op->b2;
	char p1[48], p2[48], st[80];
#define d lit(op->data, op->dlen) /* the payload, written only where a step uses it */
	const char *cur = R.content[b];
	W("\n\tSTEP(%d); /* %s */\n", step, op_name(op->code));
	if (want && want->skipped) {
		W("\t/* nothing to do: the executor skips this step (no such callback record) */\n");
		return;
	}
#define CALL(want_ret, ...) do { \
		W("\t"); \
		if (want) W("CHECK("); else W("(void)"); \
		W(__VA_ARGS__); \
		if (want) W(", %ld);\n", (long)(want_ret)); else W(";\n"); \
	} while (0)
	switch (op->code) {
	case OP_ADD:
		CALL(want->ret, "evbuffer_add(b[%d], %s, %zu)", b, d, op->dlen);
		break;
	case OP_PREPEND:
		CALL(want->ret, "evbuffer_prepend(b[%d], %s, %zu)", b, d, op->dlen);
		break;
	case OP_ADD_PRINTF: {
		size_t n = op->dlen < 79 ? op->dlen : 79;
		const unsigned char *nul = memchr(op->data, 0, n);
		const char *s = lit(op->data, nul ? (size_t)(nul - op->data) : n);
		switch (op->flag) {
		case 0: CALL(want->ret, "evbuffer_add_printf(b[%d], \"%%s\", %s)", b, s); break;
		case 1: CALL(want->ret, "evbuffer_add_printf(b[%d], \"%%ld:%%.*s;\", %ldL, %d, %s)", b,
			op->num, (int)op->dlen, s); break;
		case 2: CALL(want->ret, "evbuffer_add_printf(b[%d], \"%%s\", \"\")", b); break;
		default: CALL(want->ret, "evbuffer_add_printf(b[%d], \"%%0*ld\", %d, %ldL)", b,
			(int)op->n, op->num); break;
		}
		break;
	}
	case OP_ADD_REFERENCE: {
		int k = R.nregions++;
		char how[32] = "NULL, NULL";
		if (op->flag)
			snprintf(how, sizeof how, "cleanup, &region[%d]", k);
		R.uses |= USE_REGION | (op->flag ? USE_CLEANUP : 0);
		R.region_cleanup[k] = !op->flag ? -1 : !want || want->ret == 0;
		CALL(want->ret, "evbuffer_add_reference(b[%d], region_new(%d, %s, %zu), %zu, %s)", b, k,
			d, op->dlen, op->dlen, how);
		break;
	}
	case OP_ADD_BUFFER:
		CALL(want->ret, "evbuffer_add_buffer(b[%d], b[%d])", b, b2);
		break;
	case OP_ADD_BUFFER_REF:
		CALL(want->ret, "evbuffer_add_buffer_reference(b[%d], b[%d])", b, b2);
		break;
	case OP_PREPEND_BUFFER:
		CALL(want->ret, "evbuffer_prepend_buffer(b[%d], b[%d])", b, b2);
		break;
	case OP_REMOVE:
	case OP_COPYOUT:
	case OP_COPYOUT_FROM:
		if (op->code == OP_COPYOUT_FROM)
			CALL(want->ret, "evbuffer_copyout_from(b[%d], %s, out, %zu)", b,
				ptr_arg("p", b, op->pos, p1, sizeof p1), op->n);
		else
			CALL(want->ret, "evbuffer_%s(b[%d], out, %s)", op->code == OP_REMOVE ? "remove" : "copyout",
				b, size_arg(op->n, st, sizeof st));
		if (want && want->out_len)
			W("\texpect_bytes(\"the bytes it returned\", out, %zu, %s, %zu);\n", want->out_len,
				lit(want->out, want->out_len), want->out_len);
		break;
	case OP_REMOVE_BUFFER:
		CALL(want->ret, "evbuffer_remove_buffer(b[%d], b[%d], %s)", b, b2,
			size_arg(op->n, st, sizeof st));
		break;
	case OP_DRAIN:
		CALL(want->ret, "evbuffer_drain(b[%d], %s)", b,
			size_arg(op->n, st, sizeof st));
		break;
	case OP_PULLUP:
		W("\tu = evbuffer_pullup(b[%d], %zd);\n", b, op->sn);
		if (want) {
			W("\tCHECK(u != NULL, %ld);\n", want->ret);
			if (want->ret && want->out_len)
				W("\texpect_bytes(\"the pulled-up bytes\", u, %zu, %s, %zu);\n"
				  "\tCHECK(evbuffer_get_contiguous_space(b[%d]) >= %zu, 1);\n", want->out_len,
					lit(want->out, want->out_len), want->out_len, b, want->out_len);
		}
		break;
	case OP_RESERVE_COMMIT:
		R.uses |= USE_VEC;
		W("\tmemset(v, 0, sizeof v);\n");
		if (!want || want->ret <= 0) {
			CALL(want->ret, "evbuffer_reserve_space(b[%d], %zu, v, %d)", b, op->n, op->flag);
			break;
		} else {
			R.uses |= USE_RESERVE;
			W("\tn = evbuffer_reserve_space(b[%d], %zu, v, %d);\n", b, op->n, op->flag);
			W("\texpect_reserved(v, n, %d, %zu);\n", op->flag, op->n);
		}
		if (want->ret2 == -2)
			break;
		if (op->flag2 == 1) {
			W("\tCHECK(evbuffer_commit_space(b[%d], v, 0), %ld);\n", b, want->ret2);
			break;
		}
		W("\tm = fill(v, n, %s, %zu);\n", d, op->dlen);
		if (op->flag2 == 0)
			R.uses |= USE_MORE, W("\tm = one_byte_more(b[%d], v, n, %zu, %d); /* commit more than reserved */\n", b,
				op->n, op->flag);
		W("\tCHECK(evbuffer_commit_space(b[%d], v, m), %ld);\n", b, want->ret2);
		break;
	case OP_PEEK:
		R.uses |= USE_VEC | (want ? USE_PEEK : 0);
		if (!want) {
			W("\t(void)evbuffer_peek(b[%d], %zd, %s, v, %d);\n", b, op->sn,
				ptr_arg("p", b, op->pos, p1, sizeof p1), op->flag);
			break;
		}
		W("\texpect_peek(b[%d], %zd, %s, %d, %s, %zu); /* the vector count is up to the "
		  "implementation */\n", b, op->sn, ptr_arg("p", b, op->pos, p1, sizeof p1), op->flag,
			op->pos > 0 ? (snprintf(st, sizeof st, "(%s + %ld)", cur, op->pos), st) : cur,
			R.len[b] - (op->pos > 0 ? (size_t)op->pos : 0));
		break;
	case OP_SEARCH:
		W("\tr = evbuffer_search(b[%d], %s, %zu, %s);\n", b, d, op->dlen,
			ptr_arg("p", b, op->pos, p1, sizeof p1));
		goto found;
	case OP_SEARCH_RANGE:
		W("\tr = evbuffer_search_range(b[%d], %s, %zu, %s, %s);\n", b, d, op->dlen,
			ptr_arg("p", b, op->pos, p1, sizeof p1), ptr_arg("p2", b, op->pos2, p2, sizeof p2));
	found:
		if (want) {
			W("\tCHECK(r.pos, %ld);\n", want->pos);
			if (want->pos >= 0 && op->dlen)
				R.uses |= USE_AT, W("\texpect_at(b[%d], &r, %s, %zu);\n", b, d, op->dlen);
		}
		break;
	case OP_SEARCH_EOL:
		W("\teol = 12345;\n\tr = evbuffer_search_eol(b[%d], %s, %s, %s);\n", b,
			ptr_arg("p", b, op->pos, p1, sizeof p1), op->flag2 ? "NULL" : "&eol",
			eol_style(op->flag, st, sizeof st));
		if (want) {
			W("\tCHECK(r.pos, %ld);\n", want->pos);
			if (!op->flag2)
				W("\tCHECK(eol, %zu);\n", want->eol_len);
			if (want->pos >= 0)
				R.uses |= USE_AT, W("\texpect_at(b[%d], &r, (%s + %ld), 1);\n", b, cur, want->pos);
		}
		break;
	case OP_READLN:
		R.uses |= USE_LINE;
		W("\teol = 12345;\n\tline = evbuffer_readln(b[%d], %s, %s);\n", b,
			op->flag2 ? "NULL" : "&eol", eol_style(op->flag, st, sizeof st));
		if (want)
			W("\texpect_line(line, %s, %s, %zu);\n", op->flag2 ? "NULL" : "&eol",
				want->ret ? lit(want->out, want->out_len) : "NULL", want->out_len);
		W("\tcount_free(line); /* libevent allocated it */\n");
		break;
	case OP_PTR_SET:
		W("\tmemset(&p, 0, sizeof p);\n");
		CALL(want->ret, "evbuffer_ptr_set(b[%d], &p, %ld, EVBUFFER_PTR_SET)", b, op->pos);
		if (op->flag)
			CALL(want->ret2, "evbuffer_ptr_set(b[%d], &p, %ld, EVBUFFER_PTR_ADD)", b, op->pos2);
		if (want) {
			W("\tCHECK(p.pos, %ld);\n", want->pos);
			if (want->out_len)
				R.uses |= USE_AT, W("\texpect_at(b[%d], &p, (%s + %ld), 1);\n", b, cur, want->pos);
		}
		break;
	case OP_EXPAND:
		CALL(want->ret, "evbuffer_expand(b[%d], %s)", b,
			size_arg(op->flag ? (size_t)-1 : op->n, st, sizeof st));
		break;
	case OP_FREEZE:
	case OP_UNFREEZE:
		CALL(want->ret, "evbuffer_%sfreeze(b[%d], %d)", op->code == OP_FREEZE ? "" : "un", b,
			op->flag);
		break;
	case OP_ADD_CB: {
		int i = 0;
		while (i < NCB && R.cbbuf[i] >= 0)
			i++;
		R.uses |= USE_CB | USE_ADD_CB;
		CALL(want->ret, "add_cb(%d, %d)", i, b);
		if (!want || want->ret)
			R.cbbuf[i] = (char)b;
		break;
	}
	case OP_REMOVE_CB: {
		int k = op->flag;
		R.uses |= USE_CB;
		if (op->flag2 == 0) {
			CALL(want->ret, "evbuffer_remove_cb_entry(b[%d], cb[%d].ent)", R.cbbuf[k], k);
			W("\tcb[%d].buf = -1;\n", k);
			R.cbbuf[k] = -1;
		} else if (op->flag2 == 1) {
			CALL(want->ret, "evbuffer_remove_cb(b[%d], on_change, &cb[%d])", b, k);
			if (R.cbbuf[k] == b && (!want || want->ret == 0)) {
				W("\tcb[%d].buf = -1;\n", k);
				R.cbbuf[k] = -1;
			}
		} else {
			R.uses |= USE_NEVER;
			CALL(want->ret, "evbuffer_remove_cb(b[%d], never_added, &cb[%d])", b, k);
		}
		break;
	}
	case OP_CB_FLAGS:
		W("\tcb[%d].enabled = %d;\n", op->flag, op->flag2 != 0);
		CALL(want->ret, "evbuffer_cb_%s_flags(b[%d], cb[%d].ent, EVBUFFER_CB_ENABLED)",
			op->flag2 ? "set" : "clear", R.cbbuf[op->flag], op->flag);
		break;
	case OP_ADD_IOVEC:
		CALL(want->ret, "evbuffer_add_iovec(b[%d], (struct evbuffer_iovec[]){ { (void *)%s, %zu }, "
			"{ (void *)%s, %zu } }, 2)", b, d, op->split, lit(op->data + op->split, op->dlen - op->split),
			op->dlen - op->split);
		break;
	case OP_ADD_HUGE: {
		size_t sz = R.len[b];
		size_t huge = (size_t)-1 - sz + 1 + (sz == 0 ? (size_t)-1 : 0);
		CALL(want->ret, "evbuffer_add(b[%d], %s, SIZE_MAX - %zu) /* more than fits */", b,
			op->dlen ? d : lit("", 1), (size_t)-1 - huge);
		break;
	}
	case OP_FREE_NEW:
		W("\tevbuffer_free(b[%d]);\n\tb[%d] = evbuffer_new();\n", b, b);
		for (int i = 0; i < NCB; i++)
			if (R.cbbuf[i] == b) {
				W("\tcb[%d].buf = -1;\n", i);
				R.cbbuf[i] = -1;
			}
		break;
	}
#undef CALL
#undef d
	if (!want)
		return;
	W("\texpect_buffers(");
	for (int i = 0; i < NBUF; i++) {
		snprintf(R.content[i], sizeof R.content[i], "%s", lit(want->content[i], want->len[i]));
		R.len[i] = want->len[i];
		W("%s%s, %zu", i ? ", " : "", R.content[i], R.len[i]);
	}
	W(");\n");
	if (R.uses & USE_CB)
		W("\texpect_callbacks();\n");
}

/* Before the executor runs a step: if it never returns, the call is still written. */
void repro_call(int step, const struct op *op)
{
	if (!R.out)
		return;
	R.pending = op;
	R.pending_step = step;
}

void repro_expect(int step, const struct op *op, const struct obs *want)
{
	if (!R.out)
		return;
	R.pending = NULL;
	emit(step, op, want);
}

/* The end of the tape: free every buffer; each reference cleanup must then have run once
 * and libevent must hold nothing. */
static void emit_end(int step)
{
	W("\n\tSTEP(%d); /* end of the tape: free the buffers */\n", step);
	W("\tfor (int i = 0; i < 3; i++)\n\t\tevbuffer_free(b[i]);\n");
	for (int k = 0; k < R.nregions; k++)
		if (R.region_cleanup[k] >= 0)
			W("\texpect_cleanup(%d, %d);\n", k, R.region_cleanup[k]);
	W("\texpect_nothing_held();\n");
}

void repro_end(int step)
{
	if (!R.out)
		return;
	emit_end(step);
	R.ended = 1;
	finish();
}

/* ---- the program around the steps ---- */

static const char core[] =
	"static struct evbuffer *b[3];\n"
	"static int step = -1;\n"
	"#define STEP(n) (step = (n))\n"
	"\n"
	"static void fail(const char *fmt, ...)\n"
	"{\n"
	"\tva_list ap;\n"
	"\tprintf(\"step %d: \", step);\n"
	"\tva_start(ap, fmt);\n"
	"\tvprintf(fmt, ap);\n"
	"\tva_end(ap);\n"
	"\tprintf(\"\\nthe bug is present (libevent %s)\\n\", event_get_version());\n"
	"\texit(1);\n"
	"}\n"
	"\n"
	"/* libevent's assertions end here (event_set_fatal_callback). */\n"
	"static void on_fatal(int err)\n"
	"{\n"
	"\tfail(\"libevent stopped with a fatal error (0x%x): the message above says which\", (unsigned)err);\n"
	"}\n"
	"\n"
	"/* libevent's allocations (event_set_mem_functions): none may be left once every\n"
	" * buffer is freed. */\n"
	"static long held;\n"
	"static void *count_malloc(size_t n) { held++; return malloc(n); }\n"
	"static void *count_realloc(void *p, size_t n) { held += !p; return realloc(p, n); }\n"
	"static void count_free(void *p) { held -= !!p; free(p); }\n"
	"\n"
	"static void expect_nothing_held(void)\n"
	"{\n"
	"\tif (held)\n"
	"\t\tfail(\"every buffer is freed, and libevent still holds %ld allocations, expected 0\", held);\n"
	"}\n"
	"\n"
	"/* A call's result against the expected one. */\n"
	"#define CHECK(call, want) check(#call, (long)(call), (want))\n"
	"static void check(const char *call, long got, long want)\n"
	"{\n"
	"\tif (got != want)\n"
	"\t\tfail(\"%s: expected %ld, got %ld\", call, want, got);\n"
	"}\n"
	"\n"
	"static void expect_bytes(const char *what, const void *got, size_t got_len, const void *want,\n"
	"\tsize_t want_len)\n"
	"{\n"
	"\tconst unsigned char *g = got, *w = want;\n"
	"\tsize_t i = 0;\n"
	"\twhile (i < got_len && i < want_len && g[i] == w[i])\n"
	"\t\ti++;\n"
	"\tif (i < got_len || i < want_len)\n"
	"\t\tfail(\"%s: expected %zu bytes, got %zu; they differ from byte %zu (expected 0x%02x, got 0x%02x)\",\n"
	"\t\t\twhat, want_len, got_len, i, i < want_len ? w[i] : 0, i < got_len ? g[i] : 0);\n"
	"}\n"
	"\n"
	"/* Every buffer's whole content, read through evbuffer_peek. */\n"
	"static void expect_buffers(const char *w0, size_t n0, const char *w1, size_t n1, const char *w2,\n"
	"\tsize_t n2)\n"
	"{\n"
	"\tconst char *want[3] = { w0, w1, w2 };\n"
	"\tsize_t want_len[3] = { n0, n1, n2 };\n"
	"\tfor (int i = 0; i < 3; i++) {\n"
	"\t\tsize_t len = evbuffer_get_length(b[i]), k = 0;\n"
	"\t\tchar what[64];\n"
	"\t\tsnprintf(what, sizeof what, \"the content of b[%d]\", i);\n"
	"\t\tif (evbuffer_get_contiguous_space(b[i]) > len)\n"
	"\t\t\tfail(\"b[%d]: contiguous space %zu is more than the length %zu\", i,\n"
	"\t\t\t\tevbuffer_get_contiguous_space(b[i]), len);\n"
	"\t\tint n = evbuffer_peek(b[i], -1, NULL, NULL, 0);\n"
	"\t\tstruct evbuffer_iovec *v = calloc(n > 0 ? n : 1, sizeof *v);\n"
	"\t\tunsigned char *got = malloc(len + 1);\n"
	"\t\tn = evbuffer_peek(b[i], -1, NULL, v, n);\n"
	"\t\tfor (int j = 0; j < n && k + v[j].iov_len <= len; k += v[j++].iov_len)\n"
	"\t\t\tmemcpy(got + k, v[j].iov_base, v[j].iov_len);\n"
	"\t\tif (k != len)\n"
	"\t\t\tfail(\"b[%d]: peek of everything covers %zu of its %zu bytes\", i, k, len);\n"
	"\t\tif (want[i])\n"
	"\t\t\texpect_bytes(what, got, len, want[i], want_len[i]);\n"
	"\t\tfree(got);\n"
	"\t\tfree(v);\n"
	"\t}\n"
	"}\n";

static const char use_cb[] =
	"\n/* Buffer callbacks: each call must chain from the length before the change. */\n"
	"static struct cbrec {\n"
	"\tint buf, enabled;\n"
	"\tsize_t len;\n"
	"\tstruct evbuffer_cb_entry *ent;\n"
	"} cb[6] = { { .buf = -1 }, { .buf = -1 }, { .buf = -1 }, { .buf = -1 }, { .buf = -1 }, { .buf = -1 } };\n"
	"\n"
	"static void on_change(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)\n"
	"{\n"
	"\tstruct cbrec *r = arg;\n"
	"\tif (r->buf < 0 || buf != b[r->buf] || !r->enabled)\n"
	"\t\tfail(\"callback %d ran, but it is removed, disabled or on another buffer\", (int)(r - cb));\n"
	"\tif (info->orig_size != r->len || (!info->n_added && !info->n_deleted))\n"
	"\t\tfail(\"callback %d: orig_size %zu, +%zu -%zu; expected orig_size %zu and a change\",\n"
	"\t\t\t(int)(r - cb), info->orig_size, info->n_added, info->n_deleted, r->len);\n"
	"\tr->len = info->orig_size + info->n_added - info->n_deleted;\n"
	"}\n"
	"\n"
	"/* After each step: the calls of each enabled callback add up to its buffer's length. */\n"
	"static void expect_callbacks(void)\n"
	"{\n"
	"\tfor (int i = 0; i < 6; i++) {\n"
	"\t\tif (cb[i].buf < 0)\n"
	"\t\t\tcontinue;\n"
	"\t\tsize_t len = evbuffer_get_length(b[cb[i].buf]);\n"
	"\t\tif (cb[i].enabled && cb[i].len != len)\n"
	"\t\t\tfail(\"callback %d: its calls reach length %zu, the buffer has %zu\", i, cb[i].len, len);\n"
	"\t\tcb[i].len = len;\n"
	"\t}\n"
	"}\n";

static const char use_add_cb[] =
	"\nstatic int add_cb(int i, int buf)\n"
	"{\n"
	"\tcb[i] = (struct cbrec){ buf, 1, evbuffer_get_length(b[buf]), NULL };\n"
	"\tcb[i].ent = evbuffer_add_cb(b[buf], on_change, &cb[i]);\n"
	"\treturn cb[i].ent != NULL;\n"
	"}\n";

static const char use_never[] =
	"\nstatic void never_added(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)\n"
	"{\n"
	"\t(void)buf, (void)info, (void)arg;\n"
	"\tfail(\"a callback that was never added ran\");\n"
	"}\n";

static const char use_region[] =
	"\n/* evbuffer_add_reference regions: a cleanup runs once, with the region it was given;\n"
	" * it poisons and frees the region, so a later read of it shows. */\n"
	"static struct region {\n"
	"\tchar *p;\n"
	"\tsize_t len;\n"
	"\tint calls;\n"
	"} region[128];\n"
	"\n"
	"static char *region_new(int k, const char *d, size_t n)\n"
	"{\n"
	"\tregion[k].p = malloc(n ? n : 1);\n"
	"\tregion[k].len = n;\n"
	"\tmemcpy(region[k].p, d, n);\n"
	"\treturn region[k].p;\n"
	"}\n";

static const char use_cleanup[] =
	"\nstatic void cleanup(const void *data, size_t len, void *arg)\n"
	"{\n"
	"\tstruct region *r = arg;\n"
	"\tif (data != r->p || len != r->len || r->calls++)\n"
	"\t\tfail(\"cleanup of region %d: called again, or with (%p, %zu) for (%p, %zu)\",\n"
	"\t\t\t(int)(r - region), data, len, (void *)r->p, r->len);\n"
	"\tmemset(r->p, 0xdd, r->len ? r->len : 1);\n"
	"\tfree(r->p);\n"
	"}\n"
	"\n"
	"static void expect_cleanup(int k, int calls)\n"
	"{\n"
	"\tif (region[k].calls != calls)\n"
	"\t\tfail(\"every buffer is freed, and the cleanup of region %d (%zu bytes) ran %d times, \"\n"
	"\t\t\t\"expected %d\", k, region[k].len, region[k].calls, calls);\n"
	"}\n";

static const char use_vec[] = "\nstatic struct evbuffer_iovec v[16];\n";

static const char use_reserve[] =
	"\n/* reserve_space gave 1 to n_vecs vectors covering at least size bytes. */\n"
	"static void expect_reserved(const struct evbuffer_iovec *vec, int n, int n_vecs, size_t size)\n"
	"{\n"
	"\tsize_t total = 0;\n"
	"\tfor (int i = 0; i < n && i < n_vecs; i++)\n"
	"\t\ttotal += vec[i].iov_len;\n"
	"\tif (n < 1 || n > n_vecs || total < size)\n"
	"\t\tfail(\"evbuffer_reserve_space(%zu bytes, %d vectors): expected 1 to %d vectors covering \"\n"
	"\t\t\t\"%zu bytes, got %d covering %zu\", size, n_vecs, n_vecs, size, n, total);\n"
	"}\n"
	"\n"
	"/* Write len bytes of d into the reserved vectors, shortening them to what they hold; the\n"
	" * number of vectors to commit. */\n"
	"static int fill(struct evbuffer_iovec *vec, int n, const char *d, size_t len)\n"
	"{\n"
	"\tfor (int i = 0; i < n; i++) {\n"
	"\t\tsize_t k = vec[i].iov_len < len ? vec[i].iov_len : len;\n"
	"\t\tmemcpy(vec[i].iov_base, d, k);\n"
	"\t\tvec[i].iov_len = k;\n"
	"\t\td += k;\n"
	"\t\tlen -= k;\n"
	"\t}\n"
	"\twhile (n > 1 && vec[n - 1].iov_len == 0)\n"
	"\t\tn--;\n"
	"\treturn n;\n"
	"}\n";

static const char use_more[] =
	"\n/* Make the last vector one byte longer than a fresh reservation says it is. */\n"
	"static int one_byte_more(struct evbuffer *buf, struct evbuffer_iovec *vec, int n, size_t size,\n"
	"\tint n_vecs)\n"
	"{\n"
	"\tstruct evbuffer_iovec w[16];\n"
	"\tmemset(w, 0, sizeof w);\n"
	"\tevbuffer_reserve_space(buf, size, w, n_vecs);\n"
	"\tvec[n - 1].iov_len = w[n - 1].iov_len + 1;\n"
	"\treturn n;\n"
	"}\n";

static const char use_peek[] =
	"\n/* peek: the joined vectors are the data from the start, and cover what was asked when\n"
	" * the count fits; available data needs a vector. */\n"
	"static void expect_peek(struct evbuffer *buf, long len, struct evbuffer_ptr *start, int n_vec,\n"
	"\tconst char *want, size_t avail)\n"
	"{\n"
	"\tint n = evbuffer_peek(buf, len, start, n_vec ? v : NULL, n_vec);\n"
	"\tsize_t k = 0, asked = len < 0 || (size_t)len > avail ? avail : (size_t)len;\n"
	"\tfor (int i = 0; i < n && i < n_vec; i++) {\n"
	"\t\tif (k + v[i].iov_len > avail || memcmp(v[i].iov_base, want + k, v[i].iov_len))\n"
	"\t\t\tfail(\"evbuffer_peek: vector %d is not the data at that offset\", i);\n"
	"\t\tk += v[i].iov_len;\n"
	"\t}\n"
	"\tif ((len >= 0 && n >= 0 && n <= n_vec && k < asked) || (asked && n < 1) || (n_vec && n < 0))\n"
	"\t\tfail(\"evbuffer_peek(%ld, %d vectors): %d vectors covering %zu bytes, %zu available\", len,\n"
	"\t\t\tn_vec, n, k, asked);\n"
	"}\n";

static const char use_ptr[] =
	"\n/* A pointer to position pos of b[i]. */\n"
	"static struct evbuffer_ptr *at(struct evbuffer_ptr *ptr, int i, size_t pos)\n"
	"{\n"
	"\tmemset(ptr, 0, sizeof *ptr);\n"
	"\tif (evbuffer_ptr_set(b[i], ptr, pos, EVBUFFER_PTR_SET) != 0)\n"
	"\t\tfail(\"evbuffer_ptr_set(b[%d], %zu) inside the buffer failed\", i, pos);\n"
	"\treturn ptr;\n"
	"}\n";

static const char use_at[] =
	"\n/* The bytes at a returned pointer are the expected ones (as far as they go). */\n"
	"static void expect_at(struct evbuffer *buf, struct evbuffer_ptr *ptr, const char *want, size_t len)\n"
	"{\n"
	"\tstruct evbuffer_iovec iv[16];\n"
	"\tint n = evbuffer_peek(buf, len, ptr, iv, 16);\n"
	"\tfor (int i = 0; i < n && i < 16 && len; i++) {\n"
	"\t\tsize_t k = iv[i].iov_len < len ? iv[i].iov_len : len;\n"
	"\t\texpect_bytes(\"the data at the returned position\", iv[i].iov_base, k, want, k);\n"
	"\t\twant += k;\n"
	"\t\tlen -= k;\n"
	"\t}\n"
	"}\n";

static const char use_line[] =
	"\n/* readln's line: NULL when none is expected; else the bytes and, when asked, the length. */\n"
	"static void expect_line(const char *line, const size_t *n, const char *want, size_t want_len)\n"
	"{\n"
	"\tif (!line != !want)\n"
	"\t\tfail(\"evbuffer_readln: expected %s, got %s\", want ? \"a line\" : \"NULL\", line ? \"a line\" : \"NULL\");\n"
	"\tif (!line)\n"
	"\t\treturn;\n"
	"\tif (n && (*n != want_len || line[*n]))\n"
	"\t\tfail(\"evbuffer_readln: expected a line of %zu bytes, got %zu (NUL-terminated: %s)\",\n"
	"\t\t\twant_len, *n, line[*n] ? \"no\" : \"yes\");\n"
	"\texpect_bytes(\"the line\", line, n ? *n : strlen(line), want, n ? want_len : strlen(line));\n"
	"}\n";

static void finish(void)
{
	if (!R.out || R.done)
		return;
	R.done = 1;
	if (R.pending) {
		emit(R.pending_step, R.pending, NULL);
		W("\t/* when the tape ran, this call did not return, or what it did failed a check\n"
		  "\t * outside the model: only what holds for any content is checked */\n"
		  "\texpect_buffers(NULL, 0, NULL, 0, NULL, 0);\n");
	}
	if (!R.ended)
		emit_end(R.pending_step + 1);
	fflush(R.b);
	FILE *f = R.out;
	fprintf(f, "/* %s\n *\n", R.title ? R.title : "a bevconf evbuffer_tape finding");
	fprintf(f, " * Written by bevconf (make fuzz-repro) from an evbuffer_tape input of %zu bytes.\n"
		" * It calls only libevent's public API, step by step as the tape decoded, and checks\n"
		" * each result against what bevconf's model of libevent's contract expects. It exits\n"
		" * 1 at the first unexpected result (printing expected and got), 0 when there is none.\n"
		" *   cc repro.c $(pkg-config --cflags --libs libevent) && ./a.out */\n", R.tape_len);
	fprintf(f, "#include <event2/buffer.h>\n#include <event2/event.h>\n#include <stdarg.h>\n"
		"#include <stdint.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n\n");
	fputs(core, f);
	static const struct { unsigned use; const char *text; } pieces[] = {
		{ USE_CB, use_cb }, { USE_ADD_CB, use_add_cb }, { USE_NEVER, use_never }, { USE_REGION, use_region },
		{ USE_CLEANUP, use_cleanup },
		{ USE_VEC, use_vec }, { USE_RESERVE, use_reserve }, { USE_MORE, use_more },
		{ USE_PEEK, use_peek }, { USE_PTR, use_ptr }, { USE_AT, use_at }, { USE_LINE, use_line },
	};
	for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++)
		if (R.uses & pieces[i].use)
			fputs(pieces[i].text, f);
	if (R.nlit)
		fputs("\n/* The bytes the steps add and expect. */\n", f);
	for (int i = 0; i < R.nlit; i++) {
		struct literal *l = &R.lit[i];
		size_t skip = l->prefix >= 0 ? R.lit[l->prefix].len : 0;
		fprintf(f, l->is_prefix ? "#define D%d " : "static const char d%d[] = ", i);
		if (l->prefix >= 0)
			fprintf(f, "D%d ", l->prefix);
		c_string(f, l->d + skip, l->len - skip, l->is_prefix ? " \\\n\t" : "\n\t");
		fprintf(f, l->is_prefix ? "\nstatic const char d%d[] = D%d;\n" : ";\n", i, i);
	}
	fputs("\nint main(void)\n{\n", f);
	long decls = ftell(f);
	if (strstr(R.body, "\tu = "))
		fputs("\tunsigned char *u;\n", f);
	if (strstr(R.body, "out, "))
		fputs("\tstatic char out[16384];\n", f);
	if (strstr(R.body, "\tn = "))
		fputs("\tint n;\n", f);
	if (strstr(R.body, "\tm = "))
		fputs("\tint m;\n", f);
	if (strstr(R.body, "&p,") || strstr(R.body, "&p)"))
		fputs("\tstruct evbuffer_ptr p;\n", f);
	if (strstr(R.body, "&p2"))
		fputs("\tstruct evbuffer_ptr p2;\n", f);
	if (strstr(R.body, "\tr = "))
		fputs("\tstruct evbuffer_ptr r;\n", f);
	if (strstr(R.body, "eol = "))
		fputs("\tsize_t eol;\n", f);
	if (R.uses & USE_LINE)
		fputs("\tchar *line;\n", f);
	fputs(ftell(f) == decls ? "" : "\n", f);
	fputs("\tevent_set_mem_functions(count_malloc, count_realloc, count_free);\n"
	      "\tevent_set_fatal_callback(on_fatal);\n"
	      "\tsetvbuf(stdout, NULL, _IONBF, 0); /* in order with libevent's messages */\n"
	      "\tprintf(\"libevent %s\\n\", event_get_version());\n"
	      "\tfor (int i = 0; i < 3; i++)\n\t\tb[i] = evbuffer_new();\n", f);
	fwrite(R.body, 1, R.body_len, f);
	fputs("\n\tputs(\"every result as expected: the bug is not present\");\n\treturn 0;\n}\n", f);
	fclose(f);
	R.out = NULL;
	fclose(R.b);
	free(R.body);
	for (int i = 0; i < R.nlit; i++)
		free(R.lit[i].d);
}
