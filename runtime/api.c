/* api.c: the part of the API an implementation may lack (mk/api.txt, impls/README.md
 * "What an implementation must provide"): bevconf's own parameter values mapped to the
 * implementation's constants, a SKIP naming the constant when one is absent, and the
 * optional functions the harness itself calls. */
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

int bc_eol_style(struct bc_ctx *t, int bc_eol)
{
	(void)t;
	switch (bc_eol) {
	case BC_EOL_ANY:
#ifdef BC_HAVE_EVBUFFER_EOL_ANY
		return EVBUFFER_EOL_ANY;
#else
		bc_skip_constant("EVBUFFER_EOL_ANY");
#endif
	case BC_EOL_CRLF:
#ifdef BC_HAVE_EVBUFFER_EOL_CRLF
		return EVBUFFER_EOL_CRLF;
#else
		bc_skip_constant("EVBUFFER_EOL_CRLF");
#endif
	case BC_EOL_CRLF_STRICT:
#ifdef BC_HAVE_EVBUFFER_EOL_CRLF_STRICT
		return EVBUFFER_EOL_CRLF_STRICT;
#else
		bc_skip_constant("EVBUFFER_EOL_CRLF_STRICT");
#endif
	case BC_EOL_LF:
#ifdef BC_HAVE_EVBUFFER_EOL_LF
		return EVBUFFER_EOL_LF;
#else
		bc_skip_constant("EVBUFFER_EOL_LF");
#endif
	case BC_EOL_NUL:
#ifdef BC_HAVE_EVBUFFER_EOL_NUL
		return EVBUFFER_EOL_NUL;
#else
		bc_skip_constant("EVBUFFER_EOL_NUL");
#endif
	}
	return bc_eol; /* not a style: passed on as it is (a case of bad arguments) */
}

int bc_flush_mode(struct bc_ctx *t, int bc_mode)
{
	(void)t;
	switch (bc_mode) {
	case BC_FLUSH_NORMAL:
#ifdef BC_HAVE_BEV_NORMAL
		return BEV_NORMAL;
#else
		bc_skip_constant("BEV_NORMAL");
#endif
	case BC_FLUSH_FLUSH:
#ifdef BC_HAVE_BEV_FLUSH
		return BEV_FLUSH;
#else
		bc_skip_constant("BEV_FLUSH");
#endif
	case BC_FLUSH_FINISHED:
#ifdef BC_HAVE_BEV_FINISHED
		return BEV_FINISHED;
#else
		bc_skip_constant("BEV_FINISHED");
#endif
	}
	bc_fail(t, "harness: a flush mode", "not one of BC_FLUSH_*", "BC_FLUSH_NORMAL, _FLUSH or _FINISHED");
}

short bc_iotype(int bc_io)
{
	return (short)(((bc_io & BC_IO_READ) ? EV_READ : 0) | ((bc_io & BC_IO_WRITE) ? EV_WRITE : 0));
}
