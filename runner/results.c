/* results.c: turn Check's verdict plus a case's side file into the case's status, its
 * console block and its results line (fields: reports/README.md); then, in the parent,
 * assemble every case's block and line in list order, whichever worker ran it. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner.h"

/* What a case's child left in its side file. */
struct side {
	char *status;   /* from an 'S' line: "SKIP reason" or "FAIL reason" */
	char *check, *expected, *actual;
	char **trace;
	size_t ntrace;
};

static void read_side(const char *path, struct side *s)
{
	memset(s, 0, sizeof *s);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) > 2) {
		line[n - 1] = '\0';
		char *v = strdup(line + 2);
		switch (line[0]) {
		case 'S': free(s->status); s->status = v; break;
		case 'C': free(s->check); s->check = v; break;
		case 'X': free(s->expected); s->expected = v; break;
		case 'A': free(s->actual); s->actual = v; break;
		case 'T':
			s->trace = realloc(s->trace, (s->ntrace + 1) * sizeof *s->trace);
			s->trace[s->ntrace++] = v;
			break;
		default: free(v);
		}
	}
	free(line);
	fclose(f);
	unlink(path);
}

static void free_side(struct side *s)
{
	free(s->status);
	free(s->check);
	free(s->expected);
	free(s->actual);
	for (size_t i = 0; i < s->ntrace; i++)
		free(s->trace[i]);
	free(s->trace);
}

static void json_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static TestResult *find_result(SRunner *sr, const char *id)
{
	TestResult **all = srunner_results(sr);
	TestResult *found = NULL;
	for (int i = 0; i < srunner_ntests_run(sr); i++)
		if (!strcmp(tr_tcname(all[i]), id))
			found = all[i];
	free(all);
	return found;
}

/* The side directory's files for case idx: "<idx>" (what the child wrote), "<idx>.txt"
 * (its console block) and "<idx>.json" (its results line). */
static FILE *open_out(const char *side_dir, size_t idx, const char *ext, const char *mode)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%zu%s", side_dir, idx, ext);
	FILE *f = fopen(path, mode);
	if (f && mode[0] == 'r')
		unlink(path);
	return f;
}

void bc_verdict(SRunner *sr, const struct bc_case *c, size_t idx, double duration,
		const char *side_dir, const char *impl, const char *backend)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%zu", side_dir, idx);
	struct side s;
	read_side(path, &s);
	TestResult *tr = find_result(sr, c->id);
	const char *msg = tr ? tr_msg(tr) : "no result from Check";
	const char *status;
	bool counts = true; /* does a non-PASS status fail the run? */

	if (!tr)
		status = "CRASH";
	else if (tr_rtype(tr) == CK_PASS && s.status) {
		status = strncmp(s.status, "SKIP", 4) == 0 ? "SKIP" : "FAIL";
		msg = strlen(s.status) > 5 ? s.status + 5 : ""; /* after "SKIP " / "FAIL " */
		counts = false; /* a skip, or a QUIRK that differs from libevent */
	} else if (tr_rtype(tr) == CK_PASS)
		status = "PASS";
	else if (tr_rtype(tr) == CK_FAILURE)
		status = "FAIL";
	else if (strstr(msg, "imeout"))
		status = "TIMEOUT";
	else
		status = "CRASH";

	FILE *txt = open_out(side_dir, idx, ".txt", "w");
	FILE *out = open_out(side_dir, idx, ".json", "w");
	if (!txt || !out) {
		fprintf(stderr, "bevconf: cannot write in %s\n", side_dir);
		exit(2);
	}
	fprintf(txt, "%-7s %-40s %-10s %-6s %7.1f ms%s\n", status, c->id, c->rules,
		bc_level_name(c->level), duration,
		!counts && status[0] == 'F' ? "  (QUIRK differs: not counted)" : "");
	if (strcmp(status, "PASS") != 0 && strcmp(status, "SKIP") != 0) {
		fprintf(txt, "    requirement: %s\n", c->requirement);
		if (s.check)
			fprintf(txt, "    check:       %s\n    expected:    %s\n    actual:      %s\n",
				s.check, s.expected ? s.expected : "", s.actual ? s.actual : "");
		else
			fprintf(txt, "    message:     %s\n", msg);
		fprintf(txt, "    trace:%s\n", s.ntrace ? "" : " (no callbacks)");
		for (size_t k = 0; k < s.ntrace; k++)
			fprintf(txt, "      %s\n", s.trace[k]);
	} else if (!strcmp(status, "SKIP"))
		fprintf(txt, "    %s\n", msg);

	fputs("{\"impl\":", out);
	json_str(out, impl);
	fputs(",\"backend\":", out);
	json_str(out, backend);
	fputs(",\"case\":", out);
	json_str(out, c->id);
	fputs(",\"rule\":", out);
	json_str(out, c->rules);
	fprintf(out, ",\"level\":\"%s\",\"status\":\"%s\",\"counts\":%s,\"duration_ms\":%.3f",
		bc_level_name(c->level), status, counts ? "true" : "false", duration);
	fputs(",\"requirement\":", out);
	json_str(out, c->requirement);
	fputs(",\"message\":", out);
	json_str(out, !strcmp(status, "PASS") ? NULL : msg);
	fputs(",\"check\":", out);
	json_str(out, s.check);
	fputs(",\"expected\":", out);
	json_str(out, s.expected);
	fputs(",\"actual\":", out);
	json_str(out, s.actual);
	fputs(",\"trace\":[", out);
	for (size_t k = 0; k < s.ntrace; k++) {
		if (k)
			fputc(',', out);
		json_str(out, s.trace[k]);
	}
	fputs("]}\n", out);
	fclose(txt);
	fclose(out);
	free_side(&s);
}

/* Copy a file's whole content to `to`; returns false if it is missing. */
static bool copy_out(FILE *from, FILE *to, char *last_line, size_t n)
{
	if (!from)
		return false;
	char buf[8192];
	while (fgets(buf, sizeof buf, from)) {
		fputs(buf, to);
		snprintf(last_line, n, "%s", buf);
	}
	fclose(from);
	return true;
}

void bc_assemble(const struct bc_case **cases, size_t n, const char *side_dir,
		 const char *results_path, struct bc_summary *sum)
{
	FILE *out = fopen(results_path ? results_path : "/dev/null", "w");
	if (!out) {
		fprintf(stderr, "bevconf: cannot write %s\n", results_path);
		exit(2);
	}
	int failures = 0, errors = 0;
	for (size_t i = 0; i < n; i++) {
		char line[1 << 16] = "";
		copy_out(open_out(side_dir, i, ".txt", "r"), stdout, line, sizeof line);
		FILE *json = open_out(side_dir, i, ".json", "r");
		if (!json) {
			/* The worker died before it could write a verdict. */
			printf("CRASH   %-40s %-10s %-6s  (no verdict: the worker running it died)\n",
			       cases[i]->id, cases[i]->rules, bc_level_name(cases[i]->level));
			sum->failed++;
			errors++;
			continue;
		}
		copy_out(json, out, line, sizeof line);
		bool counts = strstr(line, "\"counts\":true") != NULL;
		if (strstr(line, "\"status\":\"PASS\""))
			sum->passed++;
		else if (strstr(line, "\"status\":\"SKIP\""))
			sum->skipped++;
		else if (!counts)
			sum->quirks_differ++;
		else {
			sum->failed++;
			if (strstr(line, "\"status\":\"FAIL\""))
				failures++;
			else
				errors++;
		}
	}
	fclose(out);
	if (sum->quirks_differ)
		printf("\n%d QUIRK case(s) differ from libevent 2.1 (reported, not counted)\n",
		       sum->quirks_differ);
	/* Check's summary line, over all workers: a SKIP or a differing QUIRK is a pass to
	 * Check (the case's process ended cleanly). */
	printf("%d%%: Checks: %zu, Failures: %d, Errors: %d\n",
	       n ? (int)((n - failures - errors) * 100 / n) : 100, n, failures, errors);
}
