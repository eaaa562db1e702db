/* trace.c: the callback trace recorder and the assertions that print it. */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bevconf.h"
#include "runner.h"

const char *bc_what_str(short what)
{
	static char buf[4][96];
	static int slot;
	static const struct { short bit; const char *name; } names[] = {
		{ BEV_EVENT_READING, "READING" }, { BEV_EVENT_WRITING, "WRITING" },
		{ BEV_EVENT_EOF, "EOF" },         { BEV_EVENT_ERROR, "ERROR" },
		{ BEV_EVENT_TIMEOUT, "TIMEOUT" }, { BEV_EVENT_CONNECTED, "CONNECTED" },
	};
	char *b = buf[slot++ % 4];
	b[0] = '\0';
	short rest = what;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (what & names[i].bit) {
			strcat(strcat(b, *b ? "|" : ""), names[i].name);
			rest &= ~names[i].bit;
		}
	if (rest || !what)
		sprintf(b + strlen(b), "%s0x%x", *b ? "|" : "", (unsigned)rest);
	return b;
}

const char *bc_enabled_str(short en)
{
	static char buf[4][32];
	static int slot;
	char *b = buf[slot++ % 4];
	if (en == 0)
		return "0";
	snprintf(b, sizeof buf[0], "%s%s%s", (en & EV_READ) ? "R" : "",
		 (en & EV_READ) && (en & EV_WRITE) ? "|" : "", (en & EV_WRITE) ? "W" : "");
	if (en & ~(EV_READ | EV_WRITE))
		snprintf(b + strlen(b), 16, "|0x%x", (unsigned)(en & ~(EV_READ | EV_WRITE)));
	return b;
}

static void render(char *buf, size_t n, const struct bc_end *e, const struct bc_event *ev)
{
	if (ev->kind == 'E')
		snprintf(buf, n, "%s: eventcb(%s) in=%zu out=%zu enabled=%s errno=%d", e->name,
			 bc_what_str(ev->what), ev->in, ev->out, bc_enabled_str(ev->enabled), ev->err);
	else
		snprintf(buf, n, "%s: %s in=%zu out=%zu enabled=%s", e->name,
			 ev->kind == 'R' ? "readcb" : "writecb", ev->in, ev->out,
			 bc_enabled_str(ev->enabled));
}

static void record(struct bc_end *e, char kind, short what)
{
	struct bc_ctx *t = e->t;
	struct bc_event ev = { kind, what, 0, 0, 0, EVUTIL_SOCKET_ERROR() };
	if (e->freed) {
		ev.in = ev.out = 0; /* the bufferevent is gone: touch nothing of it */
		char line[320];
		render(line, 256, e, &ev);
		strcat(line, "  <-- after bufferevent_free");
		bc_note_trace(line);
		bc_fail(t, "no callback after bufferevent_free", line, "none");
	}
	ev.in = evbuffer_get_length(bufferevent_get_input(e->bev));
	ev.out = evbuffer_get_length(bufferevent_get_output(e->bev));
	ev.enabled = bufferevent_get_enabled(e->bev);
	if (t->ntrace < BC_MAX_EVENTS) {
		t->trace[t->ntrace].end = e;
		t->trace[t->ntrace].ev = ev;
		/* Only the first few hundred go to the side file: a spinning callback (a QUIRK
		 * of libevent) must not fill the disk. */
		if (t->ntrace < 400) {
			char line[256];
			render(line, sizeof line, e, &ev);
			bc_note_trace(line);
		}
		t->ntrace++;
	}
	errno = ev.err; /* the hooks may inspect the errno the callback was called with */
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct bc_end *e = arg;
	record(e, 'R', 0);
	if (e->drain_on_read && e->received) {
		struct evbuffer *in = bufferevent_get_input(bev);
		size_t n = evbuffer_get_length(in);
		unsigned char *p = malloc(n ? n : 1);
		int got = evbuffer_remove(in, p, n);
		if (got > 0)
			bc_bytes_add(e->received, p, (size_t)got);
		free(p);
	}
	if (e->on_read)
		e->on_read(e);
}

static void on_write(struct bufferevent *bev, void *arg)
{
	struct bc_end *e = arg;
	(void)bev;
	record(e, 'W', 0);
	if (e->on_write)
		e->on_write(e);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct bc_end *e = arg;
	(void)bev;
	record(e, 'E', what);
	if (e->on_event)
		e->on_event(e, what);
}

struct bc_end *bc_watch(struct bc_ctx *t, struct bufferevent *bev, const char *name)
{
	if (!bev)
		bc_fail(t, "bufferevent constructor", "NULL", "a bufferevent");
	if (t->nends == BC_MAX_ENDS)
		bc_fail(t, "harness: bc_watch", "more", "at most " BC_XSTR_(BC_MAX_ENDS) " watched bufferevents");
	struct bc_end *e = &t->ends[t->nends++];
	memset(e, 0, sizeof *e);
	e->t = t;
	e->bev = bev;
	e->name = name;
	bufferevent_setcb(bev, on_read, on_write, on_event, e);
	return e;
}

struct bc_end *bc_socket_end(struct bc_ctx *t, evutil_socket_t fd, int opts, const char *name)
{
	return bc_watch(t, bufferevent_socket_new(t->base, fd, opts), name);
}

void bc_free(struct bc_end *e)
{
	e->freed = true;
	bufferevent_free(e->bev);
}

unsigned bc_count(const struct bc_end *e, char kind)
{
	unsigned n = 0;
	for (unsigned i = 0; i < e->t->ntrace; i++)
		if (e->t->trace[i].end == e && (!kind || e->t->trace[i].ev.kind == kind))
			n++;
	return n;
}

const struct bc_event *bc_nth(const struct bc_end *e, char kind, unsigned n)
{
	for (unsigned i = 0; i < e->t->ntrace; i++)
		if (e->t->trace[i].end == e && (!kind || e->t->trace[i].ev.kind == kind) && n-- == 0)
			return &e->t->trace[i].ev;
	return NULL;
}

const char *bc_shape(const struct bc_end *e)
{
	static char buf[2][2048];
	static int slot;
	char *b = buf[slot++ % 2];
	size_t len = 0;
	b[0] = '\0';
	for (unsigned i = 0; i < e->t->ntrace && len < sizeof buf[0] - 64; i++) {
		const struct bc_event *ev = &e->t->trace[i].ev;
		if (e->t->trace[i].end != e)
			continue;
		len += snprintf(b + len, sizeof buf[0] - len, "%s%c", len ? " " : "", ev->kind);
		if (ev->kind == 'E')
			len += snprintf(b + len, sizeof buf[0] - len, "(%s)", bc_what_str(ev->what));
	}
	return b;
}

void bc_fail_(struct bc_ctx *t, const char *where, const char *expr, const char *label,
	      const char *actual, const char *expected)
{
	(void)t;
	bc_case_failed(where, expr, label, expected, actual);
}

void bc_expect_int_(struct bc_ctx *t, const char *where, const char *expr, const char *label,
		    long long actual, long long expected)
{
	if (actual == expected)
		return;
	char a[32], x[32];
	snprintf(a, sizeof a, "%lld", actual);
	snprintf(x, sizeof x, "%lld", expected);
	bc_fail_(t, where, expr, label, a, x);
}

void bc_expect_str_(struct bc_ctx *t, const char *where, const char *expr, const char *label,
		    const char *actual, const char *expected)
{
	if (!strcmp(actual ? actual : "(null)", expected))
		return;
	bc_fail_(t, where, expr, label, actual ? actual : "(null)", expected);
}

void bc_expect_shape_(struct bc_ctx *t, const char *where, const char *expr, const struct bc_end *e,
		      const char *expected)
{
	char label[128];
	snprintf(label, sizeof label, "callbacks on %s", e->name);
	const char *actual = bc_shape(e);
	bc_expect_str_(t, where, expr, label, *actual ? actual : "(none)", *expected ? expected : "(none)");
}

void bc_expect_what_(struct bc_ctx *t, const char *where, const char *expr, const char *label,
		     short actual, short expected)
{
	if (actual != expected)
		bc_fail_(t, where, expr, label, bc_what_str(actual), bc_what_str(expected));
}

void bc_expect_enabled_(struct bc_ctx *t, const char *where, const char *expr, const char *label,
			short actual, short expected)
{
	if (actual != expected)
		bc_fail_(t, where, expr, label, bc_enabled_str(actual), bc_enabled_str(expected));
}

void bc_expect_errno_(struct bc_ctx *t, const char *where, const char *expr, const char *label,
		      int actual, int expected)
{
	if (actual == expected)
		return;
	char a[64], x[64];
	snprintf(a, sizeof a, "%d (%s)", actual, strerror(actual));
	snprintf(x, sizeof x, "%d (%s)", expected, strerror(expected));
	bc_fail_(t, where, expr, label, a, x);
}
