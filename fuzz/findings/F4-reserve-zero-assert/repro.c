/* [err] buffer.c:2252: Assertion chain failed in evbuffer_read_setup_vecs_
 *
 * Written by bevconf (make fuzz-repro) from an evbuffer_tape input of 9 bytes.
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

static struct evbuffer_iovec v[16];

/* The bytes the steps add and expect. */
static const char d0[] = "!(/";

int main(void)
{
	event_set_mem_functions(count_malloc, count_realloc, count_free);
	event_set_fatal_callback(on_fatal);
	setvbuf(stdout, NULL, _IONBF, 0); /* in order with libevent's messages */
	printf("libevent %s\n", event_get_version());
	for (int i = 0; i < 3; i++)
		b[i] = evbuffer_new();

	STEP(0); /* prepend */
	CHECK(evbuffer_prepend(b[1], d0, 3), 0);
	expect_buffers("", 0, d0, 3, "", 0);

	STEP(1); /* reserve_space+commit_space */
	memset(v, 0, sizeof v);
	(void)evbuffer_reserve_space(b[1], 0, v, 3);
	/* when the tape ran, this call did not return, or what it did failed a check
	 * outside the model: only what holds for any content is checked */
	expect_buffers(NULL, 0, NULL, 0, NULL, 0);

	STEP(2); /* end of the tape: free the buffers */
	for (int i = 0; i < 3; i++)
		evbuffer_free(b[i]);
	expect_nothing_held();

	puts("every result as expected: the bug is not present");
	return 0;
}
