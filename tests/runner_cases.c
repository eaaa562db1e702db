/* runner_cases.c: cases that pass, fail, crash, hang, skip and differ on purpose, so the
 * runner's verdicts can be checked (tests/runner_selftest.py). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bevconf.h"

void bc_not_implemented(const char *fn);

void st_pass(struct bc_ctx *t)
{
	bc_expect_int(t, "one", 1, 1);
}

void st_fail(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *e = bc_socket_end(t, sv[0], BEV_OPT_CLOSE_ON_FREE, "bev");
	bufferevent_write(e->bev, "x", 1);
	bc_wait_until(t, 1000, bc_count(e, 'W') == 1);
	bc_expect_int(t, "a number", 41, 42);
}

void st_crash(struct bc_ctx *t)
{
	raise(SIGSEGV);
}

void st_hang(struct bc_ctx *t)
{
	for (;;)
		pause();
}

void st_skip(struct bc_ctx *t)
{
	bc_not_implemented("bufferevent_imaginary");
}

void st_quirk(struct bc_ctx *t)
{
	bc_quirk_differs(t, "an oddity", "another way", "libevent's way");
}

void st_after_free(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *e = bc_socket_end(t, sv[0], 0, "bev");
	e->freed = true; /* pretend it was freed: the next callback must fail the case */
	bufferevent_write(e->bev, "x", 1);
	bc_wait_until(t, 1000, false);
}

/* Prints far more than a record keeps, on both streams, then passes: the run's console
 * must not see any of it. */
void st_noisy(struct bc_ctx *t)
{
	for (int i = 0; i < 20000; i++) {
		printf("noisy stdout line %d\n", i);
		fprintf(stderr, "noisy stderr line %d\n", i);
	}
	bc_expect_int(t, "one", 1, 1);
}

/* Reads freed memory: under ASan or valgrind the case is a CRASH naming the error and
 * this function; without a memory checker it passes (the read goes unnoticed). */
/* volatile: the compiler can neither see the use after free nor drop the read */
static volatile char *volatile freed;

void st_use_after_free(struct bc_ctx *t)
{
	freed = malloc(16);
	freed[0] = 'x';
	free((void *)freed);
	char c = freed[0];
	bc_expect_int(t, "a byte read after free", c == c, 1);
}
