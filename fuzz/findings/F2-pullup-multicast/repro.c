/* bevconf-fuzz: FAIL evbuffer_tape: pullup: content
 *
 * Written by bevconf (make fuzz-repro) from an evbuffer_tape input of 27 bytes.
 * It calls only libevent's public API, step by step as the tape decoded, and checks
 * each result against what bevconf's model of libevent's contract expects. It exits
 * 1 at the first unexpected result (printing expected and got), 0 when there is none.
 *   cc repro.c $(pkg-config --cflags --libs libevent) && ./a.out */
#include <event2/buffer.h>
#include <event2/event.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct evbuffer *b[3];
static int step = -1;
#define STEP(n) (step = (n))

static void fail(const char *fmt, ...)
{
	va_list ap;
	printf("step %d: ", step);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\nthe bug is present (libevent %s)\n", event_get_version());
	exit(1);
}

/* libevent's assertions end here (event_set_fatal_callback). */
static void on_fatal(int err)
{
	fail("libevent stopped with a fatal error (0x%x): the message above says which", (unsigned)err);
}

/* libevent's allocations (event_set_mem_functions): none may be left once every
 * buffer is freed. */
static long held;
static void *count_malloc(size_t n) { held++; return malloc(n); }
static void *count_realloc(void *p, size_t n) { held += !p; return realloc(p, n); }
static void count_free(void *p) { held -= !!p; free(p); }

static void expect_nothing_held(void)
{
	if (held)
		fail("every buffer is freed, and libevent still holds %ld allocations, expected 0", held);
}

/* A call's result against the expected one. */
#define CHECK(call, want) check(#call, (long)(call), (want))
static void check(const char *call, long got, long want)
{
	if (got != want)
		fail("%s: expected %ld, got %ld", call, want, got);
}

static void expect_bytes(const char *what, const void *got, size_t got_len, const void *want,
	size_t want_len)
{
	const unsigned char *g = got, *w = want;
	size_t i = 0;
	while (i < got_len && i < want_len && g[i] == w[i])
		i++;
	if (i < got_len || i < want_len)
		fail("%s: expected %zu bytes, got %zu; they differ from byte %zu (expected 0x%02x, got 0x%02x)",
			what, want_len, got_len, i, i < want_len ? w[i] : 0, i < got_len ? g[i] : 0);
}

/* Every buffer's whole content, read through evbuffer_peek. */
static void expect_buffers(const char *w0, size_t n0, const char *w1, size_t n1, const char *w2,
	size_t n2)
{
	const char *want[3] = { w0, w1, w2 };
	size_t want_len[3] = { n0, n1, n2 };
	for (int i = 0; i < 3; i++) {
		size_t len = evbuffer_get_length(b[i]), k = 0;
		char what[64];
		snprintf(what, sizeof what, "the content of b[%d]", i);
		if (evbuffer_get_contiguous_space(b[i]) > len)
			fail("b[%d]: contiguous space %zu is more than the length %zu", i,
				evbuffer_get_contiguous_space(b[i]), len);
		int n = evbuffer_peek(b[i], -1, NULL, NULL, 0);
		struct evbuffer_iovec *v = calloc(n > 0 ? n : 1, sizeof *v);
		unsigned char *got = malloc(len + 1);
		n = evbuffer_peek(b[i], -1, NULL, v, n);
		for (int j = 0; j < n && k + v[j].iov_len <= len; k += v[j++].iov_len)
			memcpy(got + k, v[j].iov_base, v[j].iov_len);
		if (k != len)
			fail("b[%d]: peek of everything covers %zu of its %zu bytes", i, k, len);
		if (want[i])
			expect_bytes(what, got, len, want[i], want_len[i]);
		free(got);
		free(v);
	}
}

/* The bytes the steps add and expect. */
static const char d0[] = "!(/\012=\015";
static const char d1[] = "K\000Y`g";
static const char d2[] = "!(/\012=\015K\000Y`g";
static const char d3[] = "nu\")07>";
static const char d4[] = "!(/\012=\015nu\")07>";

int main(void)
{
	unsigned char *u;

	event_set_mem_functions(count_malloc, count_realloc, count_free);
	event_set_fatal_callback(on_fatal);
	setvbuf(stdout, NULL, _IONBF, 0); /* in order with libevent's messages */
	printf("libevent %s\n", event_get_version());
	for (int i = 0; i < 3; i++)
		b[i] = evbuffer_new();

	STEP(0); /* add_printf */
	CHECK(evbuffer_add_printf(b[1], "%s", d0), 6);
	expect_buffers("", 0, d0, 6, "", 0);

	STEP(1); /* add_buffer_reference */
	CHECK(evbuffer_add_buffer_reference(b[0], b[1]), 0);
	expect_buffers(d0, 6, d0, 6, "", 0);

	STEP(2); /* add */
	CHECK(evbuffer_add(b[0], d1, 5), 0);
	expect_buffers(d2, 11, d0, 6, "", 0);

	STEP(3); /* pullup */
	u = evbuffer_pullup(b[0], 11);
	CHECK(u != NULL, 1);
	expect_bytes("the pulled-up bytes", u, 11, d2, 11);
	CHECK(evbuffer_get_contiguous_space(b[0]) >= 11, 1);
	expect_buffers(d2, 11, d0, 6, "", 0);

	STEP(4); /* add */
	CHECK(evbuffer_add(b[1], d3, 7), 0);
	expect_buffers(d2, 11, d4, 13, "", 0);

	STEP(5); /* pullup */
	u = evbuffer_pullup(b[1], 7);
	CHECK(u != NULL, 1);
	expect_bytes("the pulled-up bytes", u, 7, d4, 7);
	CHECK(evbuffer_get_contiguous_space(b[1]) >= 7, 1);
	expect_buffers(d2, 11, d4, 13, "", 0);

	STEP(6); /* end of the tape: free the buffers */
	for (int i = 0; i < 3; i++)
		evbuffer_free(b[i]);
	expect_nothing_held();

	puts("every result as expected: the bug is not present");
	return 0;
}
