/* runner.c: the Check runner. Every case in cases/cases.def becomes one TCase with one
 * forked process and its own timeout. With --jobs N the selection is dealt round-robin
 * to N worker processes, each running its own Check suite; the parent then prints every
 * case's verdict in list order. A case's child writes its details (trace lines, expected
 * vs actual, skip reasons) to a side file as it goes, so a crash or a timeout still
 * leaves the trace recorded up to that point. */
#define _GNU_SOURCE
#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bevconf.h"
#include "runner.h"

/* The case list; the runner's own self-test builds this file with another list. */
#ifndef BC_CASE_LIST
#define BC_CASE_LIST "cases.def"
#endif

#define X(fn, id, rules, level, req, param) void fn(struct bc_ctx *t);
#include BC_CASE_LIST
#undef X

const struct bc_case bc_cases[] = {
#define X(fn, id, rules, level, req, param) { id, rules, BC_##level, req, fn, param },
#include BC_CASE_LIST
#undef X
};
const size_t bc_ncases = sizeof bc_cases / sizeof bc_cases[0];

static const char *impl_name = "unknown";
static const char *backend_asked;  /* NULL: whatever the implementation picks */
static const char *backend_ran;
static char side_dir[PATH_MAX - 32];

/* A worker's bookkeeping: its shard of the selected cases, their indices in the whole
 * selection (which name their side files), and their durations. The unchecked fixture
 * sets `current` before each fork, so the case's child knows which case it is. */
/* The selection, and the worker processes running it (globals: every forked process
 * keeps them reachable until it exits, so leak checkers stay quiet). */
static const struct bc_case **selected;
static size_t nselected;
static pid_t *workers;

static const struct bc_case **shard;
static size_t *shard_index;
static size_t nshard;
static size_t next_case;
static size_t current = (size_t)-1;
static double *durations, started_at;

/* ---- child side: the side file ---- */

static int side_fd = -1;
static struct bc_ctx ctx;

static void side_path(char *buf, size_t n, size_t idx)
{
	if (snprintf(buf, n, "%s/%zu", side_dir, idx) >= (int)n)
		abort();
}

void bc_side_write(char tag, const char *fmt, ...)
{
	if (side_fd < 0)
		return;
	char line[8192];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line + 2, sizeof line - 3, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof line - 3)
		n = sizeof line - 3;
	line[0] = tag;
	line[1] = ' ';
	/* One line per record: embedded newlines would break the parent's parser. */
	for (int i = 2; i < n + 2; i++)
		if (line[i] == '\n')
			line[i] = ' ';
	line[n + 2] = '\n';
	(void)!write(side_fd, line, n + 3);
}

const struct bc_case *bc_current_case(void)
{
	return current < nshard ? shard[current] : NULL;
}

/* End the current case as SKIP with a reason (harness stubs only, see link.sh and
 * compile-case.sh: a case never skips itself). */
void bc_skip(const char *reason)
{
	if (side_fd < 0) {
		fprintf(stderr, "bevconf: %s: %s (needed by the runner itself)\n", impl_name, reason);
		exit(2);
	}
	bc_side_write('S', "SKIP %s", reason);
	_exit(0);
}

/* Called by the stubs that stand in for functions the implementation lacks. */
void bc_not_implemented(const char *fn)
{
	char reason[256];
	snprintf(reason, sizeof reason, "not implemented: %s", fn);
	bc_skip(reason);
}

void bc_note_trace(const char *line)
{
	bc_side_write('T', "%s", line);
}

void bc_case_failed(const char *where, const char *expr, const char *check, const char *expected,
		    const char *actual)
{
	bc_side_write('L', "%s", where ? where : "");
	bc_side_write('E', "%s", expr ? expr : "");
	bc_side_write('C', "%s", check);
	bc_side_write('X', "%s", expected);
	bc_side_write('A', "%s", actual);
	/* A QUIRK case only reports whether the implementation matches libevent's oddity. */
	if (bc_current_case() && bc_current_case()->level == BC_QUIRK) {
		bc_side_write('S', "FAIL differs from libevent 2.1 (QUIRK: reported, not counted)");
		_exit(0);
	}
	ck_abort_msg("%s: expected %s, got %s", check, expected, actual);
	abort(); /* not reached: ck_abort_msg ends the case */
}

START_TEST(run_case)
{
	const struct bc_case *c = bc_current_case();
	char path[PATH_MAX];
	side_path(path, sizeof path, shard_index[current]);
	side_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	ck_assert_msg(side_fd >= 0, "cannot open side file %s: %s", path, strerror(errno));

	memset(&ctx, 0, sizeof ctx);
	ctx.id = c->id;
	ctx.param = c->param;
	bc_fault_reset();
	ctx.base = event_base_new();
	if (!ctx.base)
		bc_fail(&ctx, "event_base_new()", "a base", "NULL");
	const char *method = event_base_get_method(ctx.base);
	if (backend_asked && (!method || strcmp(method, backend_asked) != 0))
		bc_fail(&ctx, "backend in use", backend_asked, method ? method : "(null)");
	c->fn(&ctx);
	for (int i = 0; i < ctx.nowned; i++)
		event_free(ctx.owned[i]);
	event_base_free(ctx.base);
	close(side_fd);
}
END_TEST

/* ---- parent side ---- */

static void fixture_setup(void)
{
	current = next_case++;
	started_at = bc_now_ms();
}

static void fixture_teardown(void)
{
	durations[current] = bc_now_ms() - started_at;
}

const char *bc_level_name(enum bc_level l)
{
	return l == BC_MUST ? "MUST" : l == BC_SHOULD ? "SHOULD" : "QUIRK";
}

static bool matches(const char *id, char **prefixes, int n)
{
	if (n == 0)
		return true;
	for (int i = 0; i < n; i++)
		if (strncmp(id, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

static void list_cases(char **prefixes, int n)
{
	printf("%-40s %-12s %-6s %s\n", "CASE", "RULES", "LEVEL", "REQUIREMENT");
	for (size_t i = 0; i < bc_ncases; i++)
		if (matches(bc_cases[i].id, prefixes, n))
			printf("%-40s %-12s %-6s %s\n", bc_cases[i].id, bc_cases[i].rules,
			       bc_level_name(bc_cases[i].level), bc_cases[i].requirement);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bevconf [--impl NAME] [--backend NAME] [--results FILE] [--timeout SEC]\n"
		"               [--jobs N] [--list] [CASE-PREFIX...]\n"
		"Runs the conformance cases whose id starts with one of the prefixes (all by default),\n"
		"each in its own process, N at a time (default 1).\n"
		"Exit status: 0 all MUST/SHOULD cases passed or skipped, 1 some failed, 2 bad usage.\n");
}

/* Where the implementation's code came from: the shared object holding event_base_new,
 * or the executable itself when a static archive was linked in. */
static void print_linked_library(void)
{
	Dl_info info;
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	self[n > 0 ? n : 0] = '\0';
	if (dladdr((void *)event_base_new, &info) && info.dli_fname) {
		char real[PATH_MAX];
		if (realpath(info.dli_fname, real) && strcmp(real, self) == 0)
			printf("bevconf: linked: statically, into %s\n", self);
		else
			printf("bevconf: linked: %s\n", info.dli_fname);
	}
}

/* One worker: run the cases of selection indices w, w+jobs, w+2*jobs, ... with Check, one
 * forked process and one timeout each, and leave each case's verdict in the side
 * directory for the parent to assemble. */
static int run_worker(size_t w, size_t jobs, double timeout)
{
	shard = calloc(nselected, sizeof *shard);
	shard_index = calloc(nselected, sizeof *shard_index);
	durations = calloc(nselected, sizeof *durations);
	for (size_t i = w; i < nselected; i += jobs) {
		shard_index[nshard] = i;
		shard[nshard++] = selected[i];
	}
	Suite *s = suite_create("bevconf");
	for (size_t i = 0; i < nshard; i++) {
		TCase *tc = tcase_create(shard[i]->id);
		tcase_set_timeout(tc, timeout);
		tcase_add_unchecked_fixture(tc, fixture_setup, fixture_teardown);
		tcase_add_test(tc, run_case);
		suite_add_tcase(s, tc);
	}
	SRunner *sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_SILENT);
	for (size_t i = 0; i < nshard; i++)
		bc_verdict(sr, shard[i], shard_index[i], durations[i], side_dir, impl_name, backend_ran);
	srunner_free(sr);
	return 0;
}

int main(int argc, char **argv)
{
	const char *results_path = NULL;
	double timeout = 5;
	long jobs = 1;
	bool list = false;
	char **prefixes = calloc(argc, sizeof *prefixes);
	int nprefixes = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_value = i + 1 < argc;
		if (!strcmp(a, "--list"))
			list = true;
		else if (!strcmp(a, "--impl") && has_value)
			impl_name = argv[++i];
		else if (!strcmp(a, "--backend") && has_value)
			backend_asked = *argv[i + 1] ? argv[i + 1] : NULL, i++;
		else if (!strcmp(a, "--results") && has_value)
			results_path = argv[++i];
		else if (!strcmp(a, "--timeout") && has_value)
			timeout = atof(argv[++i]);
		else if (!strcmp(a, "--jobs") && has_value)
			jobs = atol(argv[++i]);
		else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (a[0] == '-') {
			fprintf(stderr, "bevconf: unknown option %s\n", a);
			usage(stderr);
			return 2;
		} else
			prefixes[nprefixes++] = argv[i];
	}
	if (list) {
		list_cases(prefixes, nprefixes);
		return 0;
	}

	if (jobs < 1) {
		fprintf(stderr, "bevconf: --jobs wants a number >= 1\n");
		return 2;
	}
	selected = calloc(bc_ncases, sizeof *selected);
	for (size_t i = 0; i < bc_ncases; i++)
		if (matches(bc_cases[i].id, prefixes, nprefixes))
			selected[nselected++] = &bc_cases[i];
	if (nselected == 0) {
		fprintf(stderr, "bevconf: no case id starts with the given prefix(es); try --list\n");
		return 2;
	}

	/* SIGPIPE: libevent writes with writev and no MSG_NOSIGNAL. Inherited by each child. */
	signal(SIGPIPE, SIG_IGN);

	struct event_base *probe = event_base_new();
	if (!probe) {
		fprintf(stderr, "bevconf: error: %s: event_base_new() failed%s%s\n", impl_name,
			backend_asked ? " with backend forced to " : "", backend_asked ? backend_asked : "");
		return 2;
	}
	backend_ran = strdup(event_base_get_method(probe));
	event_base_free(probe);
	if (backend_asked && strcmp(backend_asked, backend_ran) != 0) {
		fprintf(stderr, "bevconf: error: asked for backend %s but %s ran\n", backend_asked,
			backend_ran);
		return 2;
	}
	printf("bevconf: implementation: %s\n", impl_name);
	print_linked_library();
	printf("bevconf: backend: %s%s\n", backend_ran, backend_asked ? " (as asked)" : " (not forced)");

	snprintf(side_dir, sizeof side_dir, "%s/bevconf.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(side_dir)) {
		fprintf(stderr, "bevconf: cannot create %s: %s\n", side_dir, strerror(errno));
		return 2;
	}

	if ((size_t)jobs > nselected)
		jobs = (long)nselected;
	fflush(stdout);
	workers = calloc(jobs, sizeof *workers);
	for (long w = 0; w < jobs; w++) {
		workers[w] = fork();
		if (workers[w] < 0) {
			fprintf(stderr, "bevconf: fork: %s\n", strerror(errno));
			return 2;
		}
		if (workers[w] == 0)
			_exit(run_worker((size_t)w, (size_t)jobs, timeout));
	}
	for (long w = 0; w < jobs; w++)
		waitpid(workers[w], NULL, 0);

	struct bc_summary sum = { 0 };
	bc_assemble(selected, nselected, side_dir, results_path, &sum);
	rmdir(side_dir);

	/* The plain closing line CI systems read. */
	printf("%d passed, %d failed, %d skipped\n", sum.passed, sum.failed, sum.skipped);
	free(prefixes);
	return sum.failed ? 1 : 0;
}
