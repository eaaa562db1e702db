/* bev_repro.c: write a bufferevent tape as a standalone C program (a reproducer a libevent
 * maintainer can read and run), for bufferevent_tape.
 *
 * BEVCONF_FUZZ_REPRO=<file> turns it on. The program is the model (bev_model.c, with
 * bufferevent_ops.def's rows in place of its #includes: the text this binary was built
 * from, embedded at build time) and a main() with one STEP line per decoded operation,
 * the same call the tape ran. So it checks what the fuzzer checks, after every step and
 * inside every callback, on any libevent it is built against. A tape with scripted
 * syscall results also gets the interposer (runtime/fault.c and fault.h) written beside
 * it. A step that did not return when the tape ran is written all the same: the file is
 * written when the tape ends or the process dies (abort, a sanitizer's report). */
#define _GNU_SOURCE
#include "bev_repro.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sanitizers call this before they exit (weak: absent in plain builds). */
extern void __sanitizer_set_death_callback(void (*)(void)) __attribute__((weak));

/* The source files, as they were built (BEVCONF_TOP: build-target.sh). */
#define EMBED(sym, path) \
	__asm__(".pushsection .rodata\n" #sym ":\n.incbin \"" BEVCONF_TOP "/" path "\"\n.byte 0\n.popsection\n"); \
	extern const char sym[]
EMBED(model_text, "fuzz/targets/bev_model.c");
EMBED(ops_text, "fuzz/targets/bufferevent_ops.def");
EMBED(fault_h_text, "runtime/fault.h");
EMBED(fault_c_text, "runtime/fault.c");

static const char *const op_ids[] = {
#define X(name, byte, str, needs_bev) [byte] = "BOP_" #name,
#include "bufferevent_ops.def"
#undef X
};

static struct {
	char *path;       /* the program's file; NULL: not writing */
	char *body;       /* main's steps, written to memory until the end */
	size_t body_len;
	FILE *b;
	int faults;       /* a step scripts syscall results: the interposer goes beside */
	size_t tape_len;
	const char *title;
} R;

static void finish(void);

static void on_abort(int sig)
{
	finish();
	signal(sig, SIG_DFL);
	raise(sig);
}

int repro_begin(size_t tape_len)
{
	const char *path = getenv("BEVCONF_FUZZ_REPRO");
	if (!path || !*path)
		return 0;
	memset(&R, 0, sizeof R);
	if (!(R.path = strdup(path)) || !(R.b = open_memstream(&R.body, &R.body_len))) {
		fprintf(stderr, "bevconf-fuzz: cannot write %s\n", path);
		exit(2);
	}
	R.title = getenv("BEVCONF_REPRO_TITLE");
	R.tape_len = tape_len;
	signal(SIGABRT, on_abort);
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(finish);
	return 1;
}

void repro_setup(const char *setup_text)
{
	if (R.b)
		fprintf(R.b, "\tsetup(%s);\n", setup_text);
}

void repro_step(int n, int code, int i, const char *fmt, ...)
{
	if (!R.b)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(R.b, "\tSTEP(%d, %s, %d, ", n, op_ids[code], i);
	vfprintf(R.b, fmt, ap);
	fputs(");\n", R.b);
	va_end(ap);
	fflush(R.b);
	R.faults |= strstr(op_ids[code], "FAULT") != NULL;
}

void repro_end(void)
{
	finish();
}

/* text to f, each line `#include "bufferevent_ops.def"` replaced by the .def's rows. */
static void put_model(FILE *f)
{
	const char *inc = "#include \"bufferevent_ops.def\"\n";
	for (const char *s = model_text, *at; *s; s = at + strlen(inc)) {
		if (!(at = strstr(s, inc))) {
			fputs(s, f);
			break;
		}
		fwrite(s, 1, (size_t)(at - s), f);
		for (const char *row = ops_text; (row = strstr(row, "\nX(")); row++) {
			const char *end = strchr(row + 1, '\n');
			fwrite(row + 1, 1, end ? (size_t)(end - row) : strlen(row + 1), f);
		}
	}
}

/* path's directory + name */
static FILE *beside(const char *name)
{
	const char *slash = strrchr(R.path, '/');
	int dir = slash ? (int)(slash - R.path + 1) : 0;
	char file[4096];
	snprintf(file, sizeof file, "%.*s%s", dir, R.path, name);
	FILE *f = fopen(file, "w");
	if (!f)
		fprintf(stderr, "bevconf-fuzz: cannot write %s\n", file);
	return f;
}

static void finish(void)
{
	if (!R.b) /* not writing, or written (this runs again when the process dies after) */
		return;
	fclose(R.b);
	R.b = NULL;
	FILE *f = fopen(R.path, "w");
	if (!f) {
		fprintf(stderr, "bevconf-fuzz: cannot write %s\n", R.path);
		return;
	}
	fprintf(f, "/* %s\n *\n", R.title ? R.title : "a bevconf bufferevent_tape finding");
	fprintf(f, " * Written by bevconf (make fuzz-repro) from a bufferevent_tape input of %zu bytes.\n"
		" * main(), at the end, runs its steps: each STEP line is one operation of bevconf's\n"
		" * model of libevent's contract (fuzz/targets/bev_model.c, below as it was built),\n"
		" * whose function makes the libevent calls and checks the model's invariants after\n"
		" * every step and inside every callback. It calls only libevent's public API%s.\n"
		" * It exits 1 at the first broken invariant (printing the step, its call, expected\n"
		" * and got), 0 when every one held.\n"
		" *   cc repro.c%s $(pkg-config --cflags --libs libevent libevent_pthreads)%s && ./a.out */\n",
		R.tape_len, R.faults ? " and, for\n * the scripted syscall results, the interposer fault.c beside this file" : "",
		R.faults ? " fault.c" : "", R.faults ? " -ldl" : "");
	fprintf(f, "#define BEVCONF_REPRO 1\n#define BEVCONF_FAULTS %d\n\n", R.faults);
	put_model(f);
	fputs("\nint main(void)\n{\n\trepro_init();\n", f);
	fwrite(R.body, 1, R.body_len, f);
	fputs("\tteardown();\n\trepro_done();\n\treturn 0;\n}\n", f);
	fclose(f);
	if (R.faults) {
		FILE *h = beside("fault.h"), *c = beside("fault.c");
		if (h)
			fputs(fault_h_text, h), fclose(h);
		if (c)
			fputs(fault_c_text, c), fclose(c);
	}
	free(R.body);
	free(R.path);
}
