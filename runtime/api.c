/* api.c: the part of the API an implementation may lack (mk/api.txt, impls/README.md
 * "What an implementation must provide"): bevconf's own parameter values mapped to the
 * implementation's constants, a SKIP naming the constant when one is absent, and the
 * optional functions the harness itself calls. */
#include <stdio.h>
#include <string.h>

#include "bevconf.h"

/* mk/link.sh's list of the functions it stubbed; absent (NULL) when it stubbed none. */
extern const char *const bc_stubbed_functions[] __attribute__((weak));

bool bc_implemented(const char *fn)
{
	if (!bc_stubbed_functions)
		return true;
	for (const char *const *s = bc_stubbed_functions; *s; s++)
		if (strcmp(*s, fn) == 0)
			return false;
	return true;
}

const char *bc_api_get_method_(const struct event_base *base) __asm__("event_base_get_method");

const char *bc_base_method(const struct event_base *base)
{
	return bc_implemented("event_base_get_method") ? bc_api_get_method_(base) : NULL;
}

const char *bc_api_get_version_(void) __asm__("event_get_version");

const char *bc_impl_version(void)
{
	return bc_implemented("event_get_version") ? bc_api_get_version_() : NULL;
}

/* An optional constant: whether the headers have it, its value (bc_have.h). */
struct optional_constant {
	int present;
	long value;
	const char *name;
};
#define OPTIONAL(name) { BC_CONSTANT_##name, #name }

static int constant_or_skip(const struct optional_constant *c)
{
	static char reason[96];
	if (!c->present) {
		snprintf(reason, sizeof reason, "not implemented: constant %s", c->name);
		bc_skip(reason);
	}
	return (int)c->value;
}

int bc_eol_style(struct bc_ctx *t, int bc_eol)
{
	static const struct optional_constant styles[] = {
		[BC_EOL_ANY] = OPTIONAL(EVBUFFER_EOL_ANY),
		[BC_EOL_CRLF] = OPTIONAL(EVBUFFER_EOL_CRLF),
		[BC_EOL_CRLF_STRICT] = OPTIONAL(EVBUFFER_EOL_CRLF_STRICT),
		[BC_EOL_LF] = OPTIONAL(EVBUFFER_EOL_LF),
		[BC_EOL_NUL] = OPTIONAL(EVBUFFER_EOL_NUL),
	};
	(void)t;
	if (bc_eol < 0 || bc_eol >= (int)(sizeof styles / sizeof styles[0]))
		return bc_eol; /* not a style: passed on as it is (a case of bad arguments) */
	return constant_or_skip(&styles[bc_eol]);
}

int bc_flush_mode(struct bc_ctx *t, int bc_mode)
{
	static const struct optional_constant modes[] = {
		[BC_FLUSH_NORMAL] = OPTIONAL(BEV_NORMAL),
		[BC_FLUSH_FLUSH] = OPTIONAL(BEV_FLUSH),
		[BC_FLUSH_FINISHED] = OPTIONAL(BEV_FINISHED),
	};
	if (bc_mode < 0 || bc_mode >= (int)(sizeof modes / sizeof modes[0]))
		bc_fail(t, "harness: a flush mode", "not one of BC_FLUSH_*", "BC_FLUSH_NORMAL, _FLUSH or _FINISHED");
	return constant_or_skip(&modes[bc_mode]);
}

short bc_iotype(int bc_io)
{
	return (short)(((bc_io & BC_IO_READ) ? EV_READ : 0) | ((bc_io & BC_IO_WRITE) ? EV_WRITE : 0));
}
