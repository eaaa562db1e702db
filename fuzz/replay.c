/* replay.c: run a libFuzzer-style target over files and directories, without a fuzzing
 * engine (what `make test` uses). Usage: replay [-v] FILE|DIR...
 * Every regular file is one input; directories are read one level deep, in name order.
 * A missing, unreadable or oversized input is an error (exit 2) naming the file. A finding
 * aborts with the target's report, like under the engines. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define REPLAY_MAX_INPUT (1 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static int verbose;
static unsigned long nrun;

static void die(const char *path, const char *why)
{
	fprintf(stderr, "bevconf-replay: %s: %s\n", path, why);
	exit(2);
}

static void run_file(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		die(path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		die(path, "not a regular file (corpus entries must be files)");
	if (st.st_size > REPLAY_MAX_INPUT)
		die(path, "malformed corpus file: larger than 1 MiB (not a tape)");
	FILE *f = fopen(path, "rb");
	if (!f)
		die(path, strerror(errno));
	uint8_t *buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf)
		die(path, "out of memory");
	size_t n = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f) || n != (size_t)st.st_size)
		die(path, "read error (file changed or unreadable)");
	fclose(f);
	if (verbose)
		fprintf(stderr, "bevconf-replay: %s (%zu bytes)\n", path, n);
	/* An exact-size copy, so a read past the end shows under ASan. */
	uint8_t *copy = malloc(n ? n : 1);
	memcpy(copy, buf, n);
	LLVMFuzzerTestOneInput(copy, n);
	free(copy);
	free(buf);
	nrun++;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int not_dot(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

int main(int argc, char **argv)
{
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	int first = 1;
	if (argc > 1 && !strcmp(argv[1], "-v")) {
		verbose = 1;
		first = 2;
	}
	if (first >= argc) {
		fprintf(stderr, "usage: %s [-v] FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (int i = first; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0)
			die(argv[i], strerror(errno));
		if (!S_ISDIR(st.st_mode)) {
			run_file(argv[i]);
			continue;
		}
		struct dirent **ents;
		int n = scandir(argv[i], &ents, not_dot, by_name);
		if (n < 0)
			die(argv[i], strerror(errno));
		for (int k = 0; k < n; k++) {
			char path[4096];
			snprintf(path, sizeof path, "%s/%s", argv[i], ents[k]->d_name);
			run_file(path);
			free(ents[k]);
		}
		free(ents);
	}
	fprintf(stderr, "bevconf-replay: %s: %lu inputs, no finding\n", argv[0], nrun);
	return 0;
}
