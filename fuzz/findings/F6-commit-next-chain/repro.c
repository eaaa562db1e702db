/* bevconf-fuzz: FAIL evbuffer_tape: reserve_space+commit_space: second return value
 *
 * Written by bevconf (make fuzz-repro) from an evbuffer_tape input of 24 bytes.
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

/* reserve_space gave 1 to n_vecs vectors covering at least size bytes. */
static void expect_reserved(const struct evbuffer_iovec *vec, int n, int n_vecs, size_t size)
{
	size_t total = 0;
	for (int i = 0; i < n && i < n_vecs; i++)
		total += vec[i].iov_len;
	if (n < 1 || n > n_vecs || total < size)
		fail("evbuffer_reserve_space(%zu bytes, %d vectors): expected 1 to %d vectors covering "
			"%zu bytes, got %d covering %zu", size, n_vecs, n_vecs, size, n, total);
}

/* Write len bytes of d into the reserved vectors, shortening them to what they hold; the
 * number of vectors to commit. */
static int fill(struct evbuffer_iovec *vec, int n, const char *d, size_t len)
{
	for (int i = 0; i < n; i++) {
		size_t k = vec[i].iov_len < len ? vec[i].iov_len : len;
		memcpy(vec[i].iov_base, d, k);
		vec[i].iov_len = k;
		d += k;
		len -= k;
	}
	while (n > 1 && vec[n - 1].iov_len == 0)
		n--;
	return n;
}

/* The bytes the steps add and expect. */
#define D0 "!(/\012=\015K\000Y`gnu\")07>EL\012Zah\015v#*18\077FMT[bi\012w$+29\015GNU" \
	"\\\000jqx%,\012:AHOV]d\015ry&-4;BI\012W^elsz'.5\015CJQX_f\012\000!(/6=DK" \
	"RY`\015nu\")\0127>ELSZahov#*1\015\077F\012T[bipw$\00029@GNU\\\015\012qx%" \
	",3:AHOV]dkry&\012\015;BIPW^elsz'.5\000C\012QX\015fmt!(/6=DKRY`\012nu\")\015" \
	"7>ELSZahov#\01218\077F\000T\015bipw$+29@\012NU\\cjqx%\0153:AHOV]\012kry&" \
	"-4;BI!(/\012=\015K\000Y`gnu\")07>EL\012Zah\015v#*18\077FMT[bi\012w$+29\015" \
	"GNU\\\000jqx%,\012:AHOV]d\015ry&-4;BI\012W^elsz'.5\015CJQX_f\012\000!(/6" \
	"=DKRY`\015nu\")\0127>ELSZahov#*1\015\077F\012T[bipw$\00029@GNU\\\015\012" \
	"qx%,3:AHOV]dkry&\012\015;BIPW^elsz'.5\000C\012QX\015fmt!(/6=DKRY`\012nu\"" \
	")\0157>ELSZahov#\01218\077F\000T\015bipw$+29@\012NU\\cjqx%\0153:AHOV]\012" \
	"kry&-4;BI!(/\012=\015K\000Y`gnu\")07>EL\012Zah\015v#*18\077FMT[bi\012w$+" \
	"29\015GNU\\\000jqx%,\012:AHOV]d\015ry&-4;BI\012W^elsz'.5\015CJQX_f\012\000" \
	"!(/6=DKRY`\015nu\")\0127>ELSZahov#*1\015\077F\012T[bipw$\00029@GNU\\\015" \
	"\012qx%,3:AHOV]dkry&\012\015;BIPW^elsz'.5\000C\012QX\015fmt!(/6=DKRY`\012" \
	"nu\")\0157>ELSZahov#\01218\077F\000T\015bipw$+29@\012NU\\cjqx%\0153:AHOV" \
	"]\012kry&-4;BI!(/\012=\015K\000Y`gnu\")07>EL\012Zah\015v#*18\077FMT[bi\012" \
	"w$+29\015GNU\\\000jqx%,\012:AHOV]d\015ry&-4;BI\012W^elsz'.5\015CJQX_f\012" \
	"\000!(/6=DKRY`\015nu\")\0127>ELSZahov#*1\015\077F\012T[bipw$\00029@GNU\\" \
	"\015\012qx%,3:AHOV]dkry&\012\015;BIPW^elsz'.5\000C\012QX\015fmt!(/6=DKRY" \
	"`\012nu\")\0157>ELSZahov#\01218\077F\000T\015bipw$+29@\012NU\\cjqx%\0153" \
	":AHOV]\012kry&-4;BI!(/\012=\015K\000Y`gnu\")07>EL\012Zah\015v#*18\077FMT" \
	"[bi\012w$+29\015GNU\\\000jqx%,\012:AHOV]d\015ry&-4;BI\012W^elsz'.5\015CJ" \
	"QX_f\012\000!(/6=DKRY`\015nu\")\0127>ELSZahov#*1\015\077F\012T[bipw$\000" \
	"29@GNU\\\015\012qx%,3:AHOV]dkry&\012\015;BIPW^elsz'.5\000C\012QX\015fmt!" \
	"(/6=DKRY`\012nu\")\0157>ELSZahov#\01218\077F\000T\015bipw$+29@\012NU\\cj" \
	"qx%\0153:AHOV]\012kry&-4;BI!(/\012=\015K\000Y`gnu\")07>EL\012Zah\015v#*1" \
	"8\077FMT[bi\012w$+29\015GNU\\\000jqx%,\012:AHOV]d\015ry&-4;BI\012W^elsz'" \
	".5\015CJQX_f\012\000!(/6=DKRY`\015nu\")\0127>ELSZahov#*1\015\077F\012T[b" \
	"ipw$\00029@GNU\\\015\012qx%,3:AHOV]dkry&\012\015;BIPW^elsz'.5\000C\012QX" \
	"\015fmt!(/6=DKRY`\012nu\")\0157>ELSZahov#\01218\077F\000T\015bipw$+29@\012" \
	"NU\\cjqx%\0153:AHOV]\012kry&-4;BI!(/\012=\015K\000Y`gnu\")07>EL\012Zah\015" \
	"v#*18\077FMT[bi\012w$+29\015GNU\\\000jqx%,\012:AHOV]d\015ry&-4;BI\012W^e" \
	"lsz'.5\015CJQX_f\012\000!(/6=DKRY`\015nu\")\0127>ELSZahov#*1\015\077F\012" \
	"T[bipw$\00029@GNU\\\015\012qx%,3:AHOV]dkry&\012\015;BIPW^elsz'.5\000C\012" \
	"QX\015fmt!(/6=DKRY`\012nu\")\0157>ELSZahov#\01218\077F\000T\015bipw$+29@" \
	"\012NU\\cjqx%\0153:AHOV]\012kry&-4;BI!(/\012=\015K\000Y`gnu\")07>EL\012Z" \
	"ah\015v#*18\077FMT["
static const char d0[] = D0;
static const char d1[] = D0 "=DKRY`\015nu\")\0127>ELSZahov#*1\015\077F\012T[bipw$\00029@GNU\\\015\012"
	"qx%,3:AHOV]dkry&\012\015;BIPW^elsz'.5\000C\012QX\015fmt!(/6=DKRY`\012nu\""
	")\0157>ELSZahov#\01218\077F\000T\015bipw$+29@\012NU\\cjqx%\0153:AHOV]\012"
	"kry&-4;BI!(/\012=\015K\000Y`gnu\")07>EL\012Zah\015v#*18\077FMT[bi\012w$+"
	"29\015GNU\\\000jqx%,\012:AHOV]d\015ry&-4;BI\012W";

int main(void)
{
	int n;
	int m;

	event_set_mem_functions(count_malloc, count_realloc, count_free);
	event_set_fatal_callback(on_fatal);
	setvbuf(stdout, NULL, _IONBF, 0); /* in order with libevent's messages */
	printf("libevent %s\n", event_get_version());
	for (int i = 0; i < 3; i++)
		b[i] = evbuffer_new();

	STEP(0); /* add */
	CHECK(evbuffer_add(b[0], d0, 1792), 0);
	expect_buffers(d0, 1792, "", 0, "", 0);

	STEP(1); /* reserve_space+commit_space */
	memset(v, 0, sizeof v);
	n = evbuffer_reserve_space(b[0], 230, v, 1);
	expect_reserved(v, n, 1, 230);
	CHECK(evbuffer_commit_space(b[0], v, 0), 0);
	expect_buffers(d0, 1792, "", 0, "", 0);

	STEP(2); /* reserve_space+commit_space */
	memset(v, 0, sizeof v);
	n = evbuffer_reserve_space(b[0], 4096, v, 3);
	expect_reserved(v, n, 3, 4096);
	CHECK(evbuffer_commit_space(b[0], v, 0), 0);
	expect_buffers(d0, 1792, "", 0, "", 0);

	STEP(3); /* reserve_space+commit_space */
	memset(v, 0, sizeof v);
	n = evbuffer_reserve_space(b[0], 230, v, 1);
	expect_reserved(v, n, 1, 230);
	m = fill(v, n, (d0 + 94), 230);
	CHECK(evbuffer_commit_space(b[0], v, m), 0);
	expect_buffers(d1, 2022, "", 0, "", 0);

	STEP(4); /* end of the tape: free the buffers */
	for (int i = 0; i < 3; i++)
		evbuffer_free(b[i]);
	expect_nothing_held();

	puts("every result as expected: the bug is not present");
	return 0;
}
