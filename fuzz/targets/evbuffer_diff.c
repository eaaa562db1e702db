/* evbuffer_diff: the evbuffer tape applied to ref and to libevent in one process (ref's
 * symbols renamed to ref_*), comparing return values, returned data, lengths and
 * contents after every operation. Vector counts (peek) are [impl] and not compared;
 * operations whose result depends on chunk sizes (model_ambiguous) are not run. */
#include "evbuf.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char scratch[MAXDATA + 64];
	static const unsigned char empty[1];
	struct tape t = { data, size };
	struct model *m = model_new(); /* tracks state only: known libevent bugs, ambiguous results */
	struct obs mo;
	struct exec *le = exec_le_new("evbuffer_diff(libevent)");
	struct exec *ref = exec_ref_new("evbuffer_diff(ref)");
	size_t lens[NBUF] = { 0 };
	const unsigned char *contents[NBUF] = { empty, empty, empty };
	unsigned long ctr = 0;
	struct op op;
	struct obs want, got;
	for (int step = 0; step < MAXOPS && decode_op(&t, lens, contents, &op, &ctr, scratch); step++) {
		if (!op_fits(&op, lens) || model_skip(m, &op) || model_ambiguous(m, &op))
			continue;
		fuzz_trace_op(step, &op);
		exec_le_step(le, step, &op, &want);
		exec_ref_step(ref, step, &op, &got);
		model_step(m, &op, &mo, &want);
		if (op.code == OP_PEEK)
			got.ret = want.ret;
		obs_compare("evbuffer_diff", step, &op, &want, &got, "libevent", "ref");
		memcpy(lens, want.len, sizeof lens);
		memcpy(contents, want.content, sizeof contents);
	}
	exec_le_finish(le);
	exec_ref_finish(ref);
	model_free(m);
	return 0;
}
