/* runner.h: the case table and the runner's internal pieces (not for cases). */
#ifndef BEVCONF_RUNNER_H
#define BEVCONF_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bc_ctx;

enum bc_level { BC_MUST, BC_SHOULD, BC_QUIRK };

struct bc_case {
	const char *id;          /* area.topic.variant */
	const char *rules;       /* contract rule ids, comma-separated */
	enum bc_level level;
	const char *requirement; /* one sentence */
	void (*fn)(struct bc_ctx *t);
	intptr_t param;
};

extern const struct bc_case bc_cases[];
extern const size_t bc_ncases;

const char *bc_level_name(enum bc_level l);
const struct bc_case *bc_current_case(void);

/* ---- child side: what the runtime tells the runner about the running case ---- */
/* One trace line, kept as it happens (a crash or a timeout keeps what came before). */
void bc_note_trace(const char *line);
/* End the running case as failed at `where` (file:line) on the expression `expr`, with
 * the check's readable label and expected vs actual. A QUIRK case ends as DIFFERS. */
void bc_case_failed(const char *where, const char *expr, const char *check, const char *expected,
		    const char *actual) __attribute__((noreturn));
/* End the running case as SKIP with a reason. */
void bc_skip(const char *reason) __attribute__((noreturn));

/* ---- the channel: a case's child writes tagged lines, its parent reads them ---- */
/* Tags, one line each: P the child's pid; T trace line; L where; E expression; C check;
 * X expected; A actual; V verdict the child decided itself ("SKIP <reason>", "DIFFERS");
 * W the version variant of a rule the case judged by (bc_since). */
void bc_channel_write(int fd, char tag, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- preflight (preflight.c): capabilities many cases rely on ---- */
enum bc_capability { BC_CAP_LOOP_ONCE, BC_CAP_LOOP_NONBLOCK, BC_CAP_TIMERS, BC_CAP_DEFERRED,
		     BC_CAP_GET_METHOD };
/* Probe every capability, each in its own process; print the table. */
void bc_preflight(void);
void bc_preflight_print(void);
bool bc_has(enum bc_capability c);
/* event_get_version() of the implementation under test, "" when it has none. */
const char *bc_version(void);
/* Why case c cannot run here (a capability it needs is missing), or NULL. */
const char *bc_missing_for(const struct bc_case *c);

/* ---- the record (record.c): one per case, written once, as the case finishes ---- */
/* The closed set of statuses (reports/README.md). */
#define BC_STATUSES(X) X(PASS) X(FAIL) X(CRASH) X(TIMEOUT) X(SKIP) X(DIFFERS)
enum bc_status {
#define BC_STATUS_ENUM(s) BC_##s,
	BC_STATUSES(BC_STATUS_ENUM)
#undef BC_STATUS_ENUM
};
const char *bc_status_name(enum bc_status s);
/* FAIL, CRASH and TIMEOUT fail a run; PASS, SKIP and DIFFERS do not. */
bool bc_status_fails(enum bc_status s);

/* What Check said of the case's process, before the channel is read. */
enum bc_outcome { BC_OUT_PASSED, BC_OUT_FAILED, BC_OUT_TIMEOUT, BC_OUT_CRASHED };

/* contract: the libevent release line whose rules judge the run ("2.1", "2.2"). */
struct bc_run_info { const char *impl, *backend, *version, *contract; };

/* A case's two anonymous files: the channel, and its stdout + stderr. */
struct bc_case_files { int channel, output; };

/* Build the case's record from Check's outcome, what its child wrote to the channel and
 * what it printed (a sanitizer's or valgrind's report there makes it a CRASH naming the
 * error and its first frame in the implementation); write it as one JSON line to results_fd (-1: none)
 * and its console block to stdout, each with a single write(2) so parallel shards never
 * tear each other's lines. Returns the status. */
enum bc_status bc_record(const struct bc_case *c, const struct bc_run_info *run,
			 enum bc_outcome out, const char *message, const struct bc_case_files *files,
			 double duration_ms, int results_fd);

#endif
