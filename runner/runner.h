/* runner.h: the case table and the runner's internal pieces (not for cases). */
#ifndef BEVCONF_RUNNER_H
#define BEVCONF_RUNNER_H

#include <check.h>
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

struct bc_summary { int passed, failed, skipped, quirks_differ; };

const char *bc_level_name(enum bc_level l);
const struct bc_case *bc_current_case(void);
/* ---- child side: what the runtime tells the runner about the running case ---- */
/* One trace line, kept as it happens (a crash or a timeout keeps what came before). */
void bc_note_trace(const char *line);
/* End the running case as failed at `where` (file:line) on the expression `expr`, with
 * the check's readable label and expected vs actual. A QUIRK case ends as DIFFERS. */
void bc_case_failed(const char *where, const char *expr, const char *check, const char *expected,
		    const char *actual) __attribute__((noreturn));
/* Append one tagged line to the current case's side file (child only). */
void bc_side_write(char tag, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* In a worker, after its Check run: case idx's status, console block and results line,
 * left in the side directory. */
void bc_verdict(SRunner *sr, const struct bc_case *c, size_t idx, double duration,
		const char *side_dir, const char *impl, const char *backend);
/* In the parent: every case's block to stdout and line to results_path, in list order;
 * then Check's summary line over all of them. */
void bc_assemble(const struct bc_case **cases, size_t n, const char *side_dir,
		 const char *results_path, struct bc_summary *sum);

#endif
