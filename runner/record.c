/* record.c: a case's record, made once as the case finishes, from Check's outcome and the
 * lines the case's child wrote to its channel; written as one JSON line (the results
 * format: reports/README.md) and as the console block a person reads. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner.h"

/* The console shows at most this many trace lines (the record keeps them all), so one
 * block stays within a pipe's atomic write size. */
#define CONSOLE_TRACE_LINES 24

const char *bc_status_name(enum bc_status s)
{
	static const char *const names[] = {
#define BC_STATUS_NAME(s) #s,
		BC_STATUSES(BC_STATUS_NAME)
#undef BC_STATUS_NAME
	};
	return names[s];
}

bool bc_status_fails(enum bc_status s)
{
	return s == BC_FAIL || s == BC_CRASH || s == BC_TIMEOUT;
}

void bc_channel_write(int fd, char tag, const char *fmt, ...)
{
	if (fd < 0)
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
	/* One line per field: an embedded newline would end it early. */
	for (int i = 2; i < n + 2; i++)
		if (line[i] == '\n')
			line[i] = ' ';
	line[n + 2] = '\n';
	(void)!write(fd, line, n + 3);
}

/* What the child wrote. */
struct channel {
	char *verdict, *where, *expr, *check, *expected, *actual;
	char **trace;
	size_t ntrace;
};

static void set(char **field, const char *v)
{
	free(*field);
	*field = *v ? strdup(v) : NULL;
}

static void read_channel(int fd, struct channel *ch)
{
	memset(ch, 0, sizeof *ch);
	if (fd < 0 || lseek(fd, 0, SEEK_SET) != 0)
		return;
	FILE *f = fdopen(dup(fd), "r");
	if (!f)
		return;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) > 2) {
		line[n - 1] = '\0';
		const char *v = line + 2;
		switch (line[0]) {
		case 'V': set(&ch->verdict, v); break;
		case 'L': set(&ch->where, v); break;
		case 'E': set(&ch->expr, v); break;
		case 'C': set(&ch->check, v); break;
		case 'X': set(&ch->expected, v); break;
		case 'A': set(&ch->actual, v); break;
		case 'T':
			ch->trace = realloc(ch->trace, (ch->ntrace + 1) * sizeof *ch->trace);
			ch->trace[ch->ntrace++] = strdup(v);
			break;
		}
	}
	free(line);
	fclose(f);
}

static void free_channel(struct channel *ch)
{
	free(ch->verdict), free(ch->where), free(ch->expr);
	free(ch->check), free(ch->expected), free(ch->actual);
	for (size_t i = 0; i < ch->ntrace; i++)
		free(ch->trace[i]);
	free(ch->trace);
}

static void json_value(FILE *f, const char *s)
{
	if (!s || !*s) {
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

static void json_str(FILE *f, const char *key, const char *s)
{
	fprintf(f, ",\"%s\":", key);
	json_value(f, s);
}

/* Write a memory stream's buffer with one write(2). */
static void write_whole(int fd, FILE *f, char **buf, size_t *len)
{
	fclose(f);
	if (fd >= 0)
		(void)!write(fd, *buf, *len);
	free(*buf);
}

enum bc_status bc_record(const struct bc_case *c, const struct bc_run_info *run,
			 enum bc_outcome out, const char *message, int channel_fd, double duration_ms,
			 int results_fd)
{
	struct channel ch;
	read_channel(channel_fd, &ch);
	enum bc_status st;
	const char *reason = message; /* why it did not pass, beyond check/expected/actual */
	switch (out) {
	case BC_OUT_PASSED:
		if (ch.verdict && !strncmp(ch.verdict, "SKIP ", 5)) {
			st = BC_SKIP;
			reason = ch.verdict + 5;
		} else if (ch.verdict && !strcmp(ch.verdict, "DIFFERS")) {
			st = BC_DIFFERS;
			reason = "differs from libevent 2.1 (QUIRK: reported, not counted)";
		} else {
			st = BC_PASS;
			reason = NULL;
		}
		break;
	case BC_OUT_FAILED: st = BC_FAIL; break;
	case BC_OUT_TIMEOUT: st = BC_TIMEOUT; break;
	default: st = BC_CRASH; break;
	}

	char *buf;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	fputs("{\"impl\":", f);
	json_value(f, run->impl);
	json_str(f, "backend", run->backend);
	json_str(f, "case", c->id);
	json_str(f, "rule", c->rules);
	fprintf(f, ",\"level\":\"%s\",\"status\":\"%s\",\"duration_ms\":%.3f",
		bc_level_name(c->level), bc_status_name(st), duration_ms);
	json_str(f, "requirement", c->requirement);
	json_str(f, "message", reason);
	json_str(f, "where", ch.where);
	json_str(f, "expr", ch.expr);
	json_str(f, "check", ch.check);
	json_str(f, "expected", ch.expected);
	json_str(f, "actual", ch.actual);
	fputs(",\"trace\":[", f);
	for (size_t k = 0; k < ch.ntrace; k++) {
		if (k)
			fputc(',', f);
		json_value(f, ch.trace[k]);
	}
	fputs("]}\n", f);
	write_whole(results_fd, f, &buf, &len);

	f = open_memstream(&buf, &len);
	fprintf(f, "%-7s %-40s %-10s %-6s %7.1f ms%s\n", bc_status_name(st), c->id, c->rules,
		bc_level_name(c->level), duration_ms, st == BC_DIFFERS ? "  (not counted)" : "");
	if (st == BC_SKIP)
		fprintf(f, "    %s\n", reason);
	else if (st != BC_PASS) {
		fprintf(f, "    requirement: %s\n", c->requirement);
		if (ch.check) {
			if (ch.where)
				fprintf(f, "    at:          %s: %s\n", ch.where, ch.expr ? ch.expr : "");
			fprintf(f, "    check:       %s\n    expected:    %s\n    actual:      %s\n",
				ch.check, ch.expected ? ch.expected : "", ch.actual ? ch.actual : "");
		}
		if (st != BC_FAIL && st != BC_DIFFERS)
			fprintf(f, "    message:     %s\n", reason ? reason : "");
		fprintf(f, "    trace:%s\n", ch.ntrace ? "" : " (no callbacks)");
		for (size_t k = 0; k < ch.ntrace && k < CONSOLE_TRACE_LINES; k++)
			fprintf(f, "      %.200s\n", ch.trace[k]);
		if (ch.ntrace > CONSOLE_TRACE_LINES)
			fprintf(f, "      ... %zu more in the results file\n", ch.ntrace - CONSOLE_TRACE_LINES);
	}
	fflush(stdout);
	write_whole(STDOUT_FILENO, f, &buf, &len);
	free_channel(&ch);
	return st;
}
