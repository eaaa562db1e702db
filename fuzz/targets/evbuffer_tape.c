/* evbuffer_tape: a tape of evbuffer operations over NBUF buffers, applied to the
 * implementation under test and to the flat model; length, content and return value are
 * compared after every operation (see evbuf.h, evbuf_model.c, evbuf_exec.c). With
 * BEVCONF_FUZZ_REPRO=<file> it also writes the tape as a C program (evbuf_repro.c). */
#include "evbuf.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char scratch[MAXDATA + 64];
	static const unsigned char empty[1];
	struct tape t = { data, size };
	struct model *m = model_new();
	struct exec *e = exec_le_new("evbuffer_tape");
	size_t lens[NBUF] = { 0 };
	const unsigned char *contents[NBUF] = { empty, empty, empty };
	unsigned long ctr = 0;
	struct op op;
	struct obs want, got;
	repro_begin(size);
	int step;
	for (step = 0; step < MAXOPS && decode_op(&t, lens, contents, &op, &ctr, scratch); step++) {
		if (!op_fits(&op, lens) || model_skip(m, &op))
			continue;
		fuzz_trace_op(step, &op);
		repro_call(step, &op);
		exec_le_step(e, step, &op, &got);
		model_step(m, &op, &want, &got);
		repro_expect(step, &op, &want);
		obs_compare("evbuffer_tape", step, &op, &want, &got, "model", "implementation");
		memcpy(lens, want.len, sizeof lens);
		memcpy(contents, want.content, sizeof contents);
	}
	repro_end(step);
	exec_le_finish(e);
	model_free(m);
	return 0;
}
