/* evbuf.h: evbuffer operation tapes, shared by the evbuffer_tape target (implementation
 * against a flat model) and the evbuffer_diff target (ref against libevent).
 *
 * A tape is any byte string. decode_op() turns it into operations over NBUF buffers;
 * running out of bytes reads zeros, so every input is a valid tape. An executor applies an
 * operation to real evbuffers and reports what it saw in a struct obs; the model computes
 * the same struct from flat byte arrays. The driver compares the two after every step. */
#ifndef BEVCONF_EVBUF_H
#define BEVCONF_EVBUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

/* memcmp/memcpy that accept NULL with a zero length. */
#define MEMEQ(a, b, n) ((n) == 0 || memcmp((a), (b), (n)) == 0)
#define MEMCPY(d, s, n) do { if (n) memcpy((d), (s), (n)); } while (0)

#define NBUF 3
#define NCB 6          /* callback records shared by all buffers */
#define MAXLEN 8192    /* the driver skips operations that would grow a buffer past this */
#define MAXOPS 128
#define MAXDATA 8192   /* largest payload of one operation */

/* The operations: evbuf_ops.def. OP_COUNT is the number of rows; row k is byte k. */
enum opcode {
#define X(name, byte, str) OP_##name = byte,
#include "evbuf_ops.def"
#undef X
};
enum {
#define X(name, byte, str) OP_ROW_##name,
#include "evbuf_ops.def"
#undef X
	OP_COUNT
};
#define X(name, byte, str) _Static_assert(OP_##name == OP_ROW_##name, \
	"evbuf_ops.def: " #name " must say the byte of its row (bytes are fixed: new rows go last)");
#include "evbuf_ops.def"
#undef X

struct op {
	int code;
	int b, b2;          /* buffer indexes */
	size_t n;           /* a size (add, drain, remove, copyout, reserve, expand, ...) */
	ssize_t sn;         /* a signed size: pullup size, peek len */
	long pos, pos2;     /* evbuffer_ptr positions; -1 = pass NULL */
	int flag, flag2;    /* style, how, nvec, which callback, variants */
	long num;           /* printf argument */
	unsigned char *data;  /* payload or needle (owned by the driver) */
	size_t dlen;
	size_t split;       /* add_iovec: first vector length */
};

struct obs {
	long ret;            /* the call's return value (pointers: 1 = non-NULL) */
	long ret2;           /* a second call's return value (commit, ptr ADD), -2 = not called */
	long pos;            /* a returned evbuffer_ptr position */
	size_t eol_len;
	int skipped;         /* operation not applicable (skipped identically on both sides) */
	const unsigned char *out; /* bytes the call handed back */
	size_t out_len;
	int out_prefix;      /* out is only a prefix of the data at `pos` (peek, search) */
	size_t len[NBUF];
	const unsigned char *content[NBUF];
};

const char *op_name(int code);
/* Reader over the tape. */
struct tape {
	const uint8_t *p;
	size_t n;
};
/* Decode the next operation; lens are the current buffer lengths (positions are drawn
 * within them). Returns 0 at the end of the tape. */
int decode_op(struct tape *t, const size_t lens[NBUF], const unsigned char *const contents[NBUF],
	struct op *op, unsigned long *pattern_counter, unsigned char *scratch);
/* The cyclic pattern byte number k. */
unsigned char pattern_byte(unsigned long k);
/* Whether op keeps every buffer within MAXLEN; the drivers skip it otherwise. */
int op_fits(const struct op *op, const size_t lens[NBUF]);
/* printf formats used by OP_ADD_PRINTF; both sides call this. */
int op_printf_expected(const struct op *op, char *out, size_t outsz);

/* Failure: one line naming the check, then abort() (the fuzzer records a crash). */
void fuzz_fail(const char *target, int step, const struct op *op, const char *what,
	const char *fmt, ...) __attribute__((noreturn, format(printf, 5, 6)));
extern int fuzz_verbose; /* BEVCONF_FUZZ_VERBOSE=1: print every step */
void fuzz_trace_op(int step, const struct op *op);

/* Executors. EXEC_NS names the implementation (le, ref); see evbuf_exec.c. */
struct exec;
#define EXEC_DECL(ns) \
	struct exec *exec_##ns##_new(const char *name); \
	void exec_##ns##_step(struct exec *e, int step, const struct op *op, struct obs *o); \
	void exec_##ns##_finish(struct exec *e);
EXEC_DECL(le)
EXEC_DECL(ref)

struct model;
struct model *model_new(void);
/* actual: the implementation's observation (resolves operations the contract leaves open). */
void model_step(struct model *m, const struct op *op, struct obs *expect, const struct obs *actual);
void model_free(struct model *m);
/* Whether op runs into a known libevent bug (reference cycles, F2, F4, F6): skip it. */
int model_skip(const struct model *m, const struct op *op);
/* Whether op's result depends on how an implementation chunks its data (I54): the model
 * accepts either answer, so the differential target must not compare it. */
int model_ambiguous(const struct model *m, const struct op *op);

/* Compare two observations; on a difference, fuzz_fail with `who` in the message.
 * strict_impl=0 skips values the contract marks [impl] (peek/reserve vector counts). */
void obs_compare(const char *target, int step, const struct op *op, const struct obs *want,
	const struct obs *got, const char *want_name, const char *got_name);

/* The C reproducer writer (evbuf_repro.c), on when BEVCONF_FUZZ_REPRO names a file:
 * begin with the tape's size; before the executor runs a step, call; after the model,
 * expect (the step and its checks are written); end after the last step. */
void repro_begin(size_t tape_len);
void repro_call(int step, const struct op *op);
void repro_expect(int step, const struct op *op, const struct obs *want);
void repro_end(int step);

#endif
