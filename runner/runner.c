/* runner.c: the Check runner. Every selected case of cases/cases.def becomes one TCase:
 * Check forks one process for it and enforces its timeout, the one layer of isolation a
 * case gets. Before the fork (an unchecked fixture, run in this process) the case gets a
 * channel, an anonymous file its child writes its trace and failure details to as it goes,
 * so a crash or a timeout still leaves what was recorded; after it, record.c turns Check's
 * outcome and the channel into the case's record. `--shard K/N` runs every N-th case from
 * the K-th: the driver (tools/bevconf.py) runs N shards side by side on one results file. */
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
#include <sys/mman.h>
#include <sys/resource.h>
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

/* The selection and the run's state (globals: every forked process keeps them reachable
 * until it exits, so leak checkers stay quiet). */
static struct bc_run_info run = { "unknown", NULL };
static const char *backend_asked;  /* NULL: whatever the implementation picks */
static char **prefixes;             /* the CASE-PREFIX arguments */
static int nprefixes;
static const struct bc_case **selected;
static size_t nselected;
static size_t current = (size_t)-1; /* set before each fork, so the child knows its case */
static SRunner *runner;
static int results_fd = -1;
static int channel_fd = -1;
static int output_fd = -1;  /* the case's stdout and stderr */
static double started_at;
static bool any_failed;
static int contract_major = 2, contract_minor = 1;
static char contract[16] = "2.1";

/* ---- child side ---- */

static struct bc_ctx ctx;

const struct bc_case *bc_current_case(void)
{
	return current < nselected ? selected[current] : NULL;
}

bool bc_since(struct bc_ctx *t, int major, int minor, const char *variant)
{
	(void)t;
	bool newer = contract_major > major || (contract_major == major && contract_minor >= minor);
	if (newer)
		bc_channel_write(channel_fd, 'W', "%s", variant);
	return newer;
}

void bc_note_trace(const char *line)
{
	bc_channel_write(channel_fd, 'T', "%s", line);
}

void bc_case_failed(const char *where, const char *expr, const char *check, const char *expected,
		    const char *actual)
{
	bc_channel_write(channel_fd, 'L', "%s", where ? where : "");
	bc_channel_write(channel_fd, 'E', "%s", expr ? expr : "");
	bc_channel_write(channel_fd, 'C', "%s", check);
	bc_channel_write(channel_fd, 'X', "%s", expected);
	bc_channel_write(channel_fd, 'A', "%s", actual);
	/* A QUIRK case only reports whether the implementation matches libevent's oddity. */
	if (bc_current_case() && bc_current_case()->level == BC_QUIRK) {
		bc_channel_write(channel_fd, 'V', "DIFFERS");
		_exit(0);
	}
	ck_abort_msg("%s: expected %s, got %s", check, expected, actual);
	abort(); /* not reached: ck_abort_msg ends the case */
}

/* Harness stubs only (link.sh, compile-case.sh): a case never skips itself. Outside a
 * case (the runner's own calls) a missing function stops the run. */
void bc_skip(const char *reason)
{
	if (!bc_current_case()) {
		fprintf(stderr, "bevconf: %s: %s (needed by the runner itself)\n", run.impl, reason);
		exit(2);
	}
	bc_channel_write(channel_fd, 'V', "SKIP %s", reason);
	_exit(0);
}

/* Called by the stubs that stand in for functions the implementation lacks. */
void bc_not_implemented(const char *fn)
{
	char reason[256];
	snprintf(reason, sizeof reason, "not implemented: %s", fn);
	bc_skip(reason);
}

/* What a case may print before its writes fail (EFBIG): enough for any report, small
 * enough that an implementation printing in a loop cannot fill memory. */
#define OUTPUT_LIMIT (16 << 20)

/* The case's own output goes to its output file, never to the run's console. */
static void contain_output(void)
{
	struct rlimit lim = { OUTPUT_LIMIT, OUTPUT_LIMIT };
	signal(SIGXFSZ, SIG_IGN);
	setrlimit(RLIMIT_FSIZE, &lim);
	if (dup2(output_fd, STDOUT_FILENO) < 0 || dup2(output_fd, STDERR_FILENO) < 0)
		ck_abort_msg("harness: cannot redirect the case's output: %s", strerror(errno));
	setvbuf(stdout, NULL, _IONBF, 0);
}

START_TEST(run_case)
{
	const struct bc_case *c = bc_current_case();
	contain_output();
	bc_channel_write(channel_fd, 'P', "%ld", (long)getpid());
	memset(&ctx, 0, sizeof ctx);
	ctx.id = c->id;
	ctx.param = c->param;
	bc_fault_reset();
	ctx.base = event_base_new();
	if (!ctx.base)
		bc_fail(&ctx, "event_base_new()", "NULL", "a base");
	const char *method = bc_base_method(ctx.base);
	if (backend_asked && bc_implemented("event_base_get_method") &&
	    (!method || strcmp(method, backend_asked) != 0))
		bc_fail(&ctx, "backend in use", method ? method : "(null)", backend_asked);
	c->fn(&ctx);
	for (int i = 0; i < ctx.nowned; i++)
		event_free(ctx.owned[i]);
	event_base_free(ctx.base);
}
END_TEST

/* ---- parent side ---- */

static void before_case(void)
{
	current++;
	channel_fd = memfd_create("bevconf-case", MFD_CLOEXEC);
	output_fd = memfd_create("bevconf-output", MFD_CLOEXEC);
	if (channel_fd < 0 || output_fd < 0) {
		fprintf(stderr, "bevconf: memfd_create: %s\n", strerror(errno));
		exit(2);
	}
	started_at = bc_now_ms();
}

/* Check's message for a case that outlived its timeout (check_run.c). */
#define CHECK_TIMEOUT_MSG "Test timeout expired"

static void after_case(void)
{
	double duration = bc_now_ms() - started_at;
	TestResult **all = srunner_results(runner);
	int n = srunner_ntests_run(runner);
	TestResult *tr = n > 0 ? all[n - 1] : NULL;
	enum bc_outcome out = BC_OUT_CRASHED;
	const char *msg = "no result from Check";
	if (tr && !strcmp(tr_tcname(tr), selected[current]->id)) {
		msg = tr_msg(tr);
		if (tr_rtype(tr) == CK_PASS)
			out = BC_OUT_PASSED;
		else if (tr_rtype(tr) == CK_FAILURE)
			out = BC_OUT_FAILED;
		else if (msg && !strcmp(msg, CHECK_TIMEOUT_MSG))
			out = BC_OUT_TIMEOUT;
	}
	struct bc_case_files files = { channel_fd, output_fd };
	if (bc_status_fails(bc_record(selected[current], &run, out, msg, &files, duration, results_fd)))
		any_failed = true;
	free(all);
	close(channel_fd);
	close(output_fd);
	channel_fd = output_fd = -1;
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
		"               [--shard K/N] [--contract X.Y] [--list] [--about] [CASE-PREFIX...]\n"
		"Runs the conformance cases whose id starts with one of the prefixes (all by default),\n"
		"each in its own process with its own timeout, and writes one record per case to FILE\n"
		"(appended to with --shard: the cases K, K+N, K+2N, ... of the selection).\n"
		"--about prints what would be tested (implementation, library, backend, preflight).\n"
		"Exit status: 0 no case failed, crashed or timed out, 1 some did, 2 bad usage.\n");
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

/* A case that cannot run here (preflight) is recorded as a SKIP with the reason, through
 * the one path every record takes. */
static void record_skip(const struct bc_case *c, const char *reason)
{
	struct bc_case_files files = { memfd_create("bevconf-case", MFD_CLOEXEC), -1 };
	bc_channel_write(files.channel, 'V', "SKIP %s", reason);
	bc_record(c, &run, BC_OUT_PASSED, NULL, &files, 0, results_fd);
	close(files.channel);
}

/* Every selected case that can run here, one TCase each, in list order. */
static void run_cases(double timeout)
{
	size_t runnable = 0;
	for (size_t i = 0; i < nselected; i++) {
		const char *why = bc_missing_for(selected[i]);
		if (why)
			record_skip(selected[i], why);
		else
			selected[runnable++] = selected[i];
	}
	nselected = runnable;
	Suite *s = suite_create("bevconf");
	for (size_t i = 0; i < nselected; i++) {
		TCase *tc = tcase_create(selected[i]->id);
		tcase_set_timeout(tc, timeout);
		tcase_add_unchecked_fixture(tc, before_case, after_case);
		tcase_add_test(tc, run_case);
		suite_add_tcase(s, tc);
	}
	runner = srunner_create(s);
	srunner_set_fork_status(runner, CK_FORK);
	srunner_run_all(runner, CK_SILENT);
	srunner_free(runner);
}

/* "K/N" with 0 <= K < N. */
static bool parse_shard(const char *a, long *k, long *n)
{
	char *end;
	*k = strtol(a, &end, 10);
	if (end == a || *end != '/')
		return false;
	const char *b = end + 1;
	*n = strtol(b, &end, 10);
	return end != b && !*end && *n >= 1 && *k >= 0 && *k < *n;
}

int main(int argc, char **argv)
{
	const char *results_path = NULL;
	double timeout = 5;
	long shard = 0, nshards = 1;
	bool list = false, sharded = false, about = false;
	const char *contract_from = "libevent 2.1, the default";
	prefixes = calloc(argc, sizeof *prefixes);

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_value = i + 1 < argc;
		if (!strcmp(a, "--list"))
			list = true;
		else if (!strcmp(a, "--about"))
			about = true;
		else if (!strcmp(a, "--impl") && has_value)
			run.impl = argv[++i];
		else if (!strcmp(a, "--backend") && has_value)
			backend_asked = *argv[i + 1] ? argv[i + 1] : NULL, i++;
		else if (!strcmp(a, "--results") && has_value)
			results_path = argv[++i];
		else if (!strcmp(a, "--contract") && has_value) {
			if (sscanf(argv[++i], "%d.%d", &contract_major, &contract_minor) != 2) {
				fprintf(stderr, "bevconf: --contract wants a release line like 2.1, not %s\n", argv[i]);
				return 2;
			}
			contract_from = "declared";
		} else if (!strcmp(a, "--timeout") && has_value)
			timeout = atof(argv[++i]);
		else if (!strcmp(a, "--shard") && has_value) {
			if (!parse_shard(argv[++i], &shard, &nshards)) {
				fprintf(stderr, "bevconf: --shard wants K/N with 0 <= K < N, not %s\n", argv[i]);
				return 2;
			}
			sharded = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
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
		free(prefixes);
		return 0;
	}
	if (timeout <= 0) {
		fprintf(stderr, "bevconf: --timeout wants a positive number of seconds\n");
		return 2;
	}

	selected = calloc(bc_ncases, sizeof *selected);
	size_t matched = 0;
	for (size_t i = 0; i < bc_ncases; i++)
		if (matches(bc_cases[i].id, prefixes, nprefixes) && matched++ % nshards == (size_t)shard)
			selected[nselected++] = &bc_cases[i];
	if (matched == 0) {
		fprintf(stderr, "bevconf: no case id starts with the given prefix(es); try --list\n");
		return 2;
	}

	/* SIGPIPE: libevent writes with writev and no MSG_NOSIGNAL. Inherited by each child. */
	signal(SIGPIPE, SIG_IGN);

	bc_preflight();
	run.version = *bc_version() ? bc_version() : NULL;
	/* The contract follows the version under test unless one was declared. */
	int major, minor;
	if (run.version && strcmp(contract_from, "declared") != 0 &&
	    sscanf(run.version, "%d.%d", &major, &minor) == 2 && major == 2 && minor >= 1) {
		contract_major = major, contract_minor = minor;
		contract_from = "from the version";
	}
	snprintf(contract, sizeof contract, "%d.%d", contract_major, contract_minor);
	run.contract = contract;
	struct event_base *probe = event_base_new();
	if (!probe) {
		fprintf(stderr, "bevconf: error: %s: event_base_new() failed%s%s\n", run.impl,
			backend_asked ? " with backend forced to " : "", backend_asked ? backend_asked : "");
		return 2;
	}
	/* Without event_base_get_method the backend asked for (through EVENT_NO*) is taken on trust. */
	bool verified = bc_implemented("event_base_get_method");
	const char *method = bc_base_method(probe);
	run.backend = strdup(method ? method : !verified && backend_asked ? backend_asked : "unknown");
	event_base_free(probe);
	if (backend_asked && verified && strcmp(backend_asked, run.backend) != 0) {
		fprintf(stderr, "bevconf: error: asked for backend %s but %s ran\n", backend_asked,
			run.backend);
		return 2;
	}
	if (about || !sharded) {
		printf("bevconf: implementation: %s, version %s\n", run.impl,
		       run.version ? run.version : "unknown (no event_get_version)");
		print_linked_library();
		printf("bevconf: backend: %s%s%s\n", run.backend, backend_asked ? " (as asked)" : " (not forced)",
		       verified ? "" : " (not verified: no event_base_get_method)");
		printf("bevconf: contract: %s (%s)\n", contract, contract_from);
		bc_preflight_print();
		if (about)
			return 0;
	}
	if (results_path) {
		results_fd = open(results_path, O_WRONLY | O_CREAT | O_CLOEXEC | (sharded ? O_APPEND : O_TRUNC), 0644);
		if (results_fd < 0) {
			fprintf(stderr, "bevconf: cannot write %s: %s\n", results_path, strerror(errno));
			return 2;
		}
	}
	run_cases(timeout);
	return any_failed ? 1 : 0;
}
