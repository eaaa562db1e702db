/* Area I: the evbuffer API, reading lines and searching. */
#include <stdlib.h>
#include <string.h>

#include "evbuffer.h"
/* After buffer.h: buffer_compat.h does not declare struct evbuffer itself. */
#ifdef BC_HAVE_EVENT2_BUFFER_COMPAT_H
#include <event2/buffer_compat.h>
#endif

#define SPLIT 0x100 /* param bit: one internal chunk per byte */

static const char *style_name(int style)
{
	switch (style) {
	case BC_EOL_ANY: return "ANY";
	case BC_EOL_CRLF: return "CRLF";
	case BC_EOL_CRLF_STRICT: return "CRLF_STRICT";
	case BC_EOL_LF: return "LF";
	case BC_EOL_NUL: return "NUL";
	}
	return "?";
}

/* readln must return exactly `want` (wn bytes) plus a terminating NUL, with *n == wn. */
static void expect_line(struct bc_ctx *t, struct evbuffer *b, int style, const char *want, size_t wn)
{
	size_t n = 12345;
	char c[120];
	char *line = evbuffer_readln(b, &n, bc_eol_style(t, style));
	snprintf(c, sizeof c, "readln(%s) returns a line", style_name(style));
	if (!line)
		bc_fail(t, c, "NULL", eb_esc(want, wn));
	snprintf(c, sizeof c, "readln(%s) line", style_name(style));
	eb_expect_mem(t, c, line, n, want, wn);
	bc_expect_int(t, "readln line is NUL-terminated", line[wn], 0);
	free(line);
}

static void expect_no_line(struct bc_ctx *t, struct evbuffer *b, int style)
{
	size_t n = 12345;
	char c[120];
	char *line = evbuffer_readln(b, &n, bc_eol_style(t, style));
	snprintf(c, sizeof c, "readln(%s) finds no line", style_name(style));
	if (line)
		bc_fail(t, c, eb_esc(line, n), "NULL");
	bc_expect_int(t, "n_read_out when no line", (long long)n, 0);
}

/* ---- I13-I20: one input over every style, whole or one chunk per byte ---- */

#define S(lit) { lit, sizeof lit - 1 }
struct span { const char *p; size_t n; };

static const char styles_input[] = "a\r\nb\nc\rd\n\n\re\0f\r\n\r\ng";

static const struct {
	int style;
	struct span lines[8];
	int nlines;
	struct span left;
} styles_expect[] = {
	{ BC_EOL_ANY, { S("a"), S("b"), S("c"), S("d"), S("e\0f") }, 5, S("g") },
	{ BC_EOL_CRLF, { S("a"), S("b"), S("c\rd"), S(""), S("\re\0f"), S("") }, 6, S("g") },
	{ BC_EOL_CRLF_STRICT, { S("a"), S("b\nc\rd\n\n\re\0f"), S("") }, 3, S("g") },
	{ BC_EOL_LF, { S("a\r"), S("b"), S("c\rd"), S(""), S("\re\0f\r"), S("\r") }, 6, S("g") },
	{ BC_EOL_NUL, { S("a\r\nb\nc\rd\n\n\re") }, 1, S("f\r\n\r\ng") },
};

void eb_readln_styles(struct bc_ctx *t)
{
	int style = bc_param(t) & 0xff;
	bool split = bc_param(t) & SPLIT;
	struct evbuffer *b = eb_new(t);
	eb_add_str(t, b, styles_input, sizeof styles_input - 1, split);
	for (unsigned i = 0; i < sizeof styles_expect / sizeof styles_expect[0]; i++) {
		if (styles_expect[i].style != style)
			continue;
		for (int k = 0; k < styles_expect[i].nlines; k++)
			expect_line(t, b, style, styles_expect[i].lines[k].p, styles_expect[i].lines[k].n);
		expect_no_line(t, b, style);
		eb_expect_bytes(t, "what is left after the last line", b, styles_expect[i].left.p, styles_expect[i].left.n);
	}
	evbuffer_free(b);
}

/* ---- I15, I16: "line\r" now, "\nnext\n" later ---- */

void eb_readln_arrival(struct bc_ctx *t)
{
	int style = bc_param(t);
	struct evbuffer *b = eb_new(t);
	eb_add_str(t, b, "line\r", 5, false);
	switch (style) {
	case BC_EOL_ANY:
		expect_line(t, b, style, "line", 4);
		bc_expect_int(t, "the CR is consumed with the line", evbuffer_get_length(b), 0);
		eb_add_str(t, b, "\nnext\n", 6, false);
		expect_line(t, b, style, "", 0);
		expect_line(t, b, style, "next", 4);
		break;
	case BC_EOL_LF:
		expect_no_line(t, b, style);
		eb_expect_bytes(t, "buffer unchanged", b, "line\r", 5);
		eb_add_str(t, b, "\nnext\n", 6, false);
		expect_line(t, b, style, "line\r", 5);
		expect_line(t, b, style, "next", 4);
		break;
	default: /* CRLF, CRLF_STRICT */
		expect_no_line(t, b, style);
		eb_expect_bytes(t, "buffer unchanged", b, "line\r", 5);
		eb_add_str(t, b, "\nnext\r\n", 7, false);
		expect_line(t, b, style, "line", 4);
		expect_line(t, b, style, "next", 4);
		break;
	}
	expect_no_line(t, b, style);
	bc_expect_int(t, "empty at the end", evbuffer_get_length(b), 0);
	evbuffer_free(b);
}

/* ---- I13: no terminator for the style: NULL, n=0, buffer unchanged ---- */

void eb_readln_noterm(struct bc_ctx *t)
{
	int style = bc_param(t);
	static const struct span in[] = {
		[BC_EOL_ANY] = S("abc\0def"),
		[BC_EOL_CRLF] = S("ab\rc\r"),
		[BC_EOL_CRLF_STRICT] = S("a\nb\rc\n\r"),
		[BC_EOL_LF] = S("a\rb\r\0"),
		[BC_EOL_NUL] = S("a\r\nb\n"),
	};
	struct evbuffer *b = eb_new(t);
	eb_add_str(t, b, in[style].p, in[style].n, true);
	expect_no_line(t, b, style);
	eb_expect_bytes(t, "buffer unchanged", b, in[style].p, in[style].n);
	evbuffer_free(b);
}

/* ---- I13, I14, I16: edge cases. param 1 empty buffer, 2 unknown style, 3 frozen start,
 * 4 NULL n_read_out, 5 leading terminators ---- */

void eb_readln_edge(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	switch (bc_param(t)) {
	case 1:
		for (int s = BC_EOL_ANY; s <= BC_EOL_NUL; s++)
			expect_no_line(t, b, s);
		break;
	case 2:
		eb_add_str(t, b, "a\r\nb\n\0", 6, false);
		expect_no_line(t, b, 42);
		eb_expect_bytes(t, "buffer unchanged", b, "a\r\nb\n\0", 6);
		break;
	case 3:
		eb_add_str(t, b, "a\r\nb\n", 5, false);
		evbuffer_freeze(b, 1);
		for (int s = BC_EOL_ANY; s <= BC_EOL_LF; s++)
			expect_no_line(t, b, s);
		eb_expect_bytes(t, "buffer unchanged", b, "a\r\nb\n", 5);
		evbuffer_unfreeze(b, 1);
		expect_line(t, b, BC_EOL_CRLF, "a", 1);
		break;
	case 4: {
		eb_add_str(t, b, "ab\ncd", 5, false);
		char *l = evbuffer_readln(b, NULL, bc_eol_style(t, BC_EOL_LF));
		bc_expect(t, "readln with NULL n_read_out returns the line", l != NULL);
		eb_expect_mem(t, "line", l, strlen(l), "ab", 2);
		free(l);
		bc_expect(t, "no second line", evbuffer_readln(b, NULL, bc_eol_style(t, BC_EOL_LF)) == NULL);
		eb_expect_bytes(t, "left", b, "cd", 2);
		break;
	}
	case 5:
		eb_add_str(t, b, "\r\nx\n\ny", 6, false);
		expect_line(t, b, BC_EOL_ANY, "", 0);
		expect_line(t, b, BC_EOL_ANY, "x", 1);
		eb_expect_bytes(t, "ANY consumed the run of LFs", b, "y", 1);
		evbuffer_drain(b, 1);
		eb_add_str(t, b, "\nx\n\ny", 5, false);
		expect_line(t, b, BC_EOL_CRLF, "", 0);
		expect_line(t, b, BC_EOL_CRLF, "x", 1);
		expect_line(t, b, BC_EOL_CRLF, "", 0);
		eb_expect_bytes(t, "left", b, "y", 1);
		break;
	}
	evbuffer_free(b);
}

/* ---- I21 ---- */

void eb_readline_compat(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	eb_add_str(t, b, "a\r\n\r\nb\rc", 8, true);
	char *l = evbuffer_readline(b);
	bc_expect(t, "first readline is \"a\"", l && strcmp(l, "a") == 0);
	free(l);
	l = evbuffer_readline(b);
	bc_expect(t, "second readline is \"b\" (the CR/LF run is one terminator)", l && strcmp(l, "b") == 0);
	free(l);
	bc_expect(t, "no third line", evbuffer_readline(b) == NULL);
	eb_expect_bytes(t, "left", b, "c", 1);
	evbuffer_free(b);
}

/* ---- I22-I24: search. param 1 across chunks, 2 overlap, 3 from start, 4 not found,
 * 5 range ---- */

static ev_ssize_t search_at(struct evbuffer *b, const void *what, size_t n, ev_ssize_t from)
{
	struct evbuffer_ptr p;
	if (from < 0)
		return evbuffer_search(b, what, n, NULL).pos;
	if (evbuffer_ptr_set(b, &p, (size_t)from, EVBUFFER_PTR_SET) < 0)
		return -2;
	return evbuffer_search(b, what, n, &p).pos;
}

void eb_search(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	switch (bc_param(t)) {
	case 1: {
		eb_fill(t, b, 0, 3000, 7);
		unsigned char w[20];
		for (size_t k = 0; k < 3000 - 20; k += 97) {
			bc_pattern(w, 20, k);
			bc_expect_int(t, "search for a 20-byte slice finds its first occurrence",
				      search_at(b, w, 20, -1), (long long)(k % 251));
			bc_expect_int(t, "search from the slice's position finds it there",
				      search_at(b, w, 20, (ev_ssize_t)k), (long long)k);
		}
		eb_expect_pattern(t, "search leaves the buffer alone", b, 0, 3000);
		break;
	}
	case 2:
		eb_add_str(t, b, "aaab", 4, true);
		bc_expect_int(t, "search \"aab\" in \"aaab\"", search_at(b, "aab", 3, -1), 1);
		bc_expect_int(t, "search \"aaab\"", search_at(b, "aaab", 4, -1), 0);
		bc_expect_int(t, "search \"aaaa\"", search_at(b, "aaaa", 4, -1), -1);
		break;
	case 3:
		eb_add_str(t, b, "xyzabcxyzabc", 12, true);
		bc_expect_int(t, "from 0", search_at(b, "abc", 3, 0), 3);
		bc_expect_int(t, "from 3 (a match at the start pointer)", search_at(b, "abc", 3, 3), 3);
		bc_expect_int(t, "from 4", search_at(b, "abc", 3, 4), 9);
		bc_expect_int(t, "from 10", search_at(b, "abc", 3, 10), -1);
		bc_expect_int(t, "from the end pointer", search_at(b, "c", 1, 12), -1);
		break;
	case 4:
		eb_add_str(t, b, "hello world", 11, true);
		bc_expect_int(t, "a needle not in the buffer", search_at(b, "worlds", 6, -1), -1);
		bc_expect_int(t, "a needle longer than the buffer", search_at(b, "hello world!", 12, -1), -1);
		bc_expect_int(t, "a needle running off the end", search_at(b, "ldx", 3, -1), -1);
		eb_expect_bytes(t, "unchanged", b, "hello world", 11);
		break;
	case 5: {
		eb_add_str(t, b, "..abc..abc", 10, true);
		struct evbuffer_ptr s, e;
		evbuffer_ptr_set(b, &s, 0, EVBUFFER_PTR_SET);
		evbuffer_ptr_set(b, &e, 5, EVBUFFER_PTR_SET);
		bc_expect_int(t, "range [0,5): a match ending exactly at end", evbuffer_search_range(b, "abc", 3, &s, &e).pos, 2);
		evbuffer_ptr_set(b, &e, 4, EVBUFFER_PTR_SET);
		bc_expect_int(t, "range [0,4): a match ending past end", evbuffer_search_range(b, "abc", 3, &s, &e).pos, -1);
		evbuffer_ptr_set(b, &s, 3, EVBUFFER_PTR_SET);
		evbuffer_ptr_set(b, &e, 10, EVBUFFER_PTR_SET);
		bc_expect_int(t, "range [3,10)", evbuffer_search_range(b, "abc", 3, &s, &e).pos, 7);
		bc_expect_int(t, "range with no end", evbuffer_search_range(b, "abc", 3, &s, NULL).pos, 7);
		break;
	}
	}
	evbuffer_free(b);
}

/* I23 (QUIRK): an empty needle "matches" at the start */
void eb_search_empty(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	eb_add_str(t, b, "abcdef", 6, false);
	bc_expect_int(t, "search of an empty needle", search_at(b, "x", 0, -1), 0);
	bc_expect_int(t, "search of an empty needle from 4", search_at(b, "x", 0, 4), 4);
	evbuffer_free(b);
}

/* ---- I25: search_eol over "ab\r\n\r\ncd", from the start and from 3 ---- */

void eb_search_eol(struct bc_ctx *t)
{
	int style = bc_param(t) & 0xff;
	static const struct { int style; long pos, len, pos3, len3; } want[] = {
		{ BC_EOL_ANY, 2, 4, 3, 3 },
		{ BC_EOL_CRLF, 2, 2, 3, 1 },
		{ BC_EOL_CRLF_STRICT, 2, 2, 4, 2 },
		{ BC_EOL_LF, 3, 1, 3, 1 },
		{ BC_EOL_NUL, -1, 0, -1, 0 },
	};
	struct evbuffer *b = eb_new(t);
	eb_add_str(t, b, "ab\r\n\r\ncd", 8, true);
	for (unsigned i = 0; i < 5; i++) {
		if (want[i].style != style)
			continue;
		size_t len = 999;
		struct evbuffer_ptr p = evbuffer_search_eol(b, NULL, &len, bc_eol_style(t, style));
		bc_expect_int(t, "search_eol from the start: pos", p.pos, want[i].pos);
		bc_expect_int(t, "search_eol from the start: eol_len", (long long)len, want[i].len);
		struct evbuffer_ptr s;
		evbuffer_ptr_set(b, &s, 3, EVBUFFER_PTR_SET);
		len = 999;
		p = evbuffer_search_eol(b, &s, &len, bc_eol_style(t, style));
		bc_expect_int(t, "search_eol from 3: pos", p.pos, want[i].pos3);
		bc_expect_int(t, "search_eol from 3: eol_len", (long long)len, want[i].len3);
		if (p.pos >= 0) {
			char c;
			bc_expect_int(t, "copyout_from the found pointer", evbuffer_copyout_from(b, &p, &c, 1), 1);
			bc_expect_int(t, "the found pointer is at a terminator byte", c, style == BC_EOL_LF ? '\n' : (p.pos == 3 ? '\n' : '\r'));
		}
	}
	eb_expect_bytes(t, "search_eol leaves the buffer alone", b, "ab\r\n\r\ncd", 8);
	evbuffer_free(b);
}

/* ---- I26: read-only operations ignore freezes ---- */

void eb_frozen_readonly(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	eb_fill(t, b, 0, 600, 64);
	evbuffer_freeze(b, 0);
	evbuffer_freeze(b, 1);
	unsigned char w[10];
	bc_pattern(w, 10, 300);
	bc_expect_int(t, "search while frozen", search_at(b, w, 10, -1), 300 % 251);
	bc_expect_int(t, "search_eol while frozen", evbuffer_search_eol(b, NULL, NULL, bc_eol_style(t, BC_EOL_NUL)).pos, 0);
	struct evbuffer_iovec v[16];
	int n = evbuffer_peek(b, -1, NULL, v, 16);
	bc_expect(t, "peek while frozen returns vectors", n >= 1 && n <= 16);
	unsigned char *r = evbuffer_pullup(b, 200);
	bc_expect(t, "pullup while frozen", r != NULL);
	bc_expect_int(t, "pulled-up bytes", bc_pattern_mismatch(r, 200, 0), -1);
	struct evbuffer_ptr p;
	evbuffer_ptr_set(b, &p, 600, EVBUFFER_PTR_SET);
	bc_expect_int(t, "copyout_from the end while start-frozen", evbuffer_copyout_from(b, &p, w, 5), 0);
	evbuffer_unfreeze(b, 0);
	evbuffer_unfreeze(b, 1);
	eb_expect_pattern(t, "unchanged", b, 0, 600);
	evbuffer_free(b);
}

/* ---- I27: peek; param 1 whole, 2 from a pointer, 3 empty, 4 single add ---- */

static void expect_peek_joined(struct bc_ctx *t, struct evbuffer_iovec *v, int n, size_t off, size_t atleast)
{
	size_t total = 0;
	for (int i = 0; i < n; i++) {
		bc_expect_int(t, "peeked vector bytes", bc_pattern_mismatch(v[i].iov_base, v[i].iov_len, off + total), -1);
		total += v[i].iov_len;
	}
	bc_expect(t, "the vectors cover the bytes asked for", total >= atleast);
}

void eb_peek(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	struct evbuffer_iovec v[64];
	int n;
	switch (bc_param(t)) {
	case 1:
		eb_fill(t, b, 0, 1000, 64);
		n = evbuffer_peek(b, -1, NULL, NULL, 0);
		bc_expect(t, "peek(-1, NULL, 0) gives the vectors needed", n >= 1 && n <= 64);
		bc_expect_int(t, "peek(-1) into enough vectors", evbuffer_peek(b, -1, NULL, v, 64), n);
		expect_peek_joined(t, v, n, 0, 1000);
		n = evbuffer_peek(b, 300, NULL, v, 64);
		bc_expect(t, "peek(300) returns at least 1", n >= 1);
		expect_peek_joined(t, v, n, 0, 300);
		n = evbuffer_peek(b, 300, NULL, v, 1);
		bc_expect(t, "peek(300) into 1 vector returns at least 1", n >= 1);
		expect_peek_joined(t, v, 1, 0, 0);
		break;
	case 2: {
		eb_fill(t, b, 0, 1000, 64);
		struct evbuffer_ptr p;
		evbuffer_ptr_set(b, &p, 333, EVBUFFER_PTR_SET);
		n = evbuffer_peek(b, 400, &p, v, 64);
		bc_expect(t, "peek(400) from 333", n >= 1 && n <= 64);
		expect_peek_joined(t, v, n, 333, 400);
		evbuffer_ptr_set(b, &p, 1000, EVBUFFER_PTR_SET);
		bc_expect_int(t, "peek from the end pointer", evbuffer_peek(b, -1, &p, v, 64), 0);
		break;
	}
	case 3:
		bc_expect_int(t, "peek(-1) of an empty buffer", evbuffer_peek(b, -1, NULL, v, 64), 0);
		bc_expect_int(t, "peek(10) of an empty buffer", evbuffer_peek(b, 10, NULL, v, 64), 0);
		break;
	case 4:
		eb_fill(t, b, 0, 777, 0);
		bc_expect_int(t, "peek of a single add", evbuffer_peek(b, -1, NULL, v, 64), 1);
		bc_expect_int(t, "vector length", (long long)v[0].iov_len, 777);
		expect_peek_joined(t, v, 1, 0, 777);
		break;
	}
	evbuffer_free(b);
}

/* I28 (QUIRK): peek reports the vectors needed, past n */
void eb_peek_count(struct bc_ctx *t)
{
	struct evbuffer *b = eb_new(t);
	struct evbuffer_iovec v[4];
	eb_add_str(t, b, "abc", 3, false);
	eb_add_chunk(t, b, "def", 3);
	eb_add_chunk(t, b, "ghi", 3);
	bc_expect_int(t, "peek(-1, NULL, 0)", evbuffer_peek(b, -1, NULL, NULL, 0), 3);
	bc_expect_int(t, "peek(9, vec, 1)", evbuffer_peek(b, 9, NULL, v, 1), 3);
	eb_expect_mem(t, "the one vector filled", v[0].iov_base, v[0].iov_len, "abc", 3);
	evbuffer_free(b);
}
