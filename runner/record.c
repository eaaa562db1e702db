/* record.c: a case's record, made once as the case finishes, from Check's outcome and the
 * lines the case's child wrote to its channel; written as one JSON line (the results
 * format: reports/README.md) and as the console block a person reads. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner.h"

/* The console shows at most this many trace and output lines (the record keeps them),
 * so one block stays within a pipe's atomic write size. */
#define CONSOLE_TRACE_LINES 24
#define CONSOLE_OUTPUT_LINES 8
/* How much of a case's output its record keeps. */
#define RECORD_OUTPUT_BYTES (64 << 10)

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
	char *verdict, *where, *expr, *check, *expected, *actual, *pid, *variant;
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
		case 'P': set(&ch->pid, v); break;
		case 'W': set(&ch->variant, v); break;
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
	free(ch->verdict), free(ch->where), free(ch->expr), free(ch->pid), free(ch->variant);
	free(ch->check), free(ch->expected), free(ch->actual);
	for (size_t i = 0; i < ch->ntrace; i++)
		free(ch->trace[i]);
	free(ch->trace);
}

/* Up to `max` bytes of a file from its start, NUL-terminated; *total gets its size. */
static char *read_head(int fd, size_t max, size_t *total)
{
	struct stat st;
	*total = fd >= 0 && fstat(fd, &st) == 0 ? (size_t)st.st_size : 0;
	size_t n = *total < max ? *total : max;
	char *buf = calloc(1, n + 1);
	ssize_t got = n ? pread(fd, buf, n, 0) : 0;
	buf[got > 0 ? got : 0] = '\0';
	return buf;
}

/* valgrind's log for the case's process, when the driver runs the cases under valgrind
 * with --log-file=$BEVCONF_VALGRIND_LOGS/vg.%p (valgrind's own output does not follow
 * the case's stderr). */
static char *valgrind_log(const char *pid)
{
	const char *dir = getenv("BEVCONF_VALGRIND_LOGS");
	if (!dir || !pid)
		return NULL;
	char path[4096];
	snprintf(path, sizeof path, "%s/vg.%s", dir, pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t total;
	char *log = read_head(fd, RECORD_OUTPUT_BYTES, &total);
	close(fd);
	unlink(path);
	return log;
}

/* Frames of the allocator and the sanitizers' interceptors: the first frame worth naming
 * is the first one outside them. */
static bool runtime_frame(const char *fn)
{
	static const char *const prefixes[] = { "__interceptor_", "__asan", "__lsan", "__sanitizer",
		"__ubsan", "malloc", "calloc", "realloc", "free", "operator ", "__libc_", "_start",
		"vg_replace", "_vgr", "__GI_", "__memcpy", "__memmove", "memcpy", "memmove", "strlen",
		"__pthread_kill", "pthread_kill", "raise", "abort" };
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
		if (!strncmp(fn, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/* The first memory error a sanitizer or valgrind reported in text, as "<what> at <first
 * frame>", or NULL. Frames: ASan's "#1 0x... in fn file:line", valgrind's
 * "==pid==    at 0x...: fn (file:line)" and "by 0x...". */
static char *memory_error(const char *text)
{
	static const char *const markers[] = { "ERROR: AddressSanitizer: ", "ERROR: LeakSanitizer: ",
		"runtime error: ", "Invalid read", "Invalid write", "Invalid free", "Mismatched free",
		"Conditional jump or move depends on uninitialised", "Use of uninitialised value",
		"definitely lost in" };
	if (!text)
		return NULL;
	const char *hit = NULL, *marker = NULL;
	for (size_t i = 0; i < sizeof markers / sizeof markers[0]; i++) {
		const char *p = strstr(text, markers[i]);
		if (p && (!hit || p < hit))
			hit = p, marker = markers[i];
	}
	if (!hit)
		return NULL;
	const char *what = !strncmp(marker, "ERROR: ", 7) ? hit + 7 : hit;
	if (!strcmp(marker, "runtime error: ")) { /* UBSan: "file:line:col: runtime error: ..." */
		while (what > text && what[-1] != '\n')
			what--;
	}
	const char *eol = strchr(what, '\n');
	int what_len = (int)(eol ? eol - what : (long)strlen(what));
	/* "heap-use-after-free on address 0x... at pc ...": the kind is enough. */
	static const char *const tails[] = { " on address ", " on unknown address ", " (pc " };
	for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
		const char *tail = strstr(what, tails[i]);
		if (tail && tail < what + what_len)
			what_len = (int)(tail - what);
	}
	if (what_len > 160)
		what_len = 160;
	char frame[600] = "";
	for (const char *l = eol ? eol + 1 : NULL; l && *l && !*frame;) {
		const char *nl = strchr(l, '\n');
		char line[1024], fn[256], where[256];
		snprintf(line, sizeof line, "%.*s", (int)(nl ? nl - l : (long)strlen(l)), l);
		l = nl ? nl + 1 : NULL;
		const char *p;
		if (!strncmp(line, "SUMMARY", 7))
			break;
		if (strstr(line, "    #") == line && (p = strstr(line, " in ")) &&
		    sscanf(p + 4, "%255s %255s", fn, where) == 2 && !runtime_frame(fn))
			snprintf(frame, sizeof frame, "%s (%s)", fn, where);
		else if ((p = strstr(line, "    at 0x")) || (p = strstr(line, "    by 0x"))) {
			if ((p = strstr(p, ": ")) && sscanf(p + 2, "%255s (%255[^)])", fn, where) == 2 &&
			    !runtime_frame(fn))
				snprintf(frame, sizeof frame, "%s (%s)", fn, where);
		}
	}
	char *out;
	if (asprintf(&out, "memory error: %.*s%s%s", what_len, what, *frame ? " at " : "", frame) < 0)
		return NULL;
	return out;
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
			 enum bc_outcome out, const char *message, const struct bc_case_files *files,
			 double duration_ms, int results_fd)
{
	struct channel ch;
	read_channel(files->channel, &ch);
	size_t output_bytes;
	char *output = read_head(files->output, RECORD_OUTPUT_BYTES, &output_bytes);
	char *vglog = valgrind_log(ch.pid);
	char *memerr = memory_error(vglog);
	if (!memerr)
		memerr = memory_error(output);
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
	/* A memory error is the verdict, whatever else the case saw. */
	if (memerr && st != BC_SKIP) {
		st = BC_CRASH;
		reason = memerr;
	}

	char *buf;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	fputs("{\"impl\":", f);
	json_value(f, run->impl);
	json_str(f, "version", run->version);
	json_str(f, "contract", run->contract);
	json_str(f, "backend", run->backend);
	json_str(f, "case", c->id);
	json_str(f, "rule", c->rules);
	fprintf(f, ",\"level\":\"%s\",\"status\":\"%s\",\"duration_ms\":%.3f",
		bc_level_name(c->level), bc_status_name(st), duration_ms);
	json_str(f, "variant", ch.variant);
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
	fputs("]", f);
	json_str(f, "output", output);
	fprintf(f, ",\"output_bytes\":%zu", output_bytes);
	json_str(f, "valgrind", vglog);
	fputs("}\n", f);
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
		if (ch.variant)
			fprintf(f, "    judged by:   %s (contract %s)\n", ch.variant, run->contract);
		fprintf(f, "    trace:%s\n", ch.ntrace ? "" : " (no callbacks)");
		for (size_t k = 0; k < ch.ntrace && k < CONSOLE_TRACE_LINES; k++)
			fprintf(f, "      %.200s\n", ch.trace[k]);
		if (ch.ntrace > CONSOLE_TRACE_LINES)
			fprintf(f, "      ... %zu more in the results file\n", ch.ntrace - CONSOLE_TRACE_LINES);
		if (output_bytes) {
			fprintf(f, "    output:      %zu bytes%s\n", output_bytes,
				output_bytes > RECORD_OUTPUT_BYTES ? " (the record keeps the first 64 KiB)" : "");
			const char *line = output;
			for (int k = 0; k < CONSOLE_OUTPUT_LINES && line && *line; k++) {
				const char *nl = strchr(line, '\n');
				int n = (int)(nl ? nl - line : (long)strlen(line));
				fprintf(f, "      | %.*s\n", n > 200 ? 200 : n, line);
				line = nl ? nl + 1 : NULL;
			}
		}
	}
	fflush(stdout);
	write_whole(STDOUT_FILENO, f, &buf, &len);
	free_channel(&ch);
	free(output), free(vglog), free(memerr);
	return st;
}
