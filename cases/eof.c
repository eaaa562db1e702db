/* Area C: end of stream and I/O errors on a socket bufferevent. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bevconf.h"

/* C1: the peer closes; one eventcb, exactly READING|EOF, EV_READ already off inside it. */
void eof_peer_close(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *a = bc_socket_end(t, sv[0], bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	bc_expect_int(t, "bufferevent_enable(EV_READ)", bufferevent_enable(a->bev, EV_READ), 0);
	bc_expect_enabled(t, "enabled before EOF", bufferevent_get_enabled(a->bev), EV_READ | EV_WRITE);
	close(sv[1]);

	bc_await(t, "an eventcb after the peer closed", bc_count(a, 'E') >= 1);
	bc_settle(t);
	bc_expect_shape(t, a, "E(READING|EOF)");
	const struct bc_event *e = bc_nth(a, 'E', 0);
	bc_expect_what(t, "eventcb flags", e->what, BEV_EVENT_READING | BEV_EVENT_EOF);
	bc_expect_enabled(t, "enabled inside eventcb (EV_READ off, EV_WRITE kept)", e->enabled, EV_WRITE);
	bc_expect_int(t, "input length at eventcb", e->in, 0);
	bc_expect_enabled(t, "enabled after EOF", bufferevent_get_enabled(a->bev), EV_WRITE);
	bc_free(a);
}

/* C2: data then close; readcb in one pass, EOF in a later one, undrained bytes kept. */
static int pass_no;
static int read_pass, eof_pass;
static struct bc_bytes dte_stream; /* every byte the program removed, in order */

static void dte_on_read(struct bc_end *e)
{
	if (!read_pass)
		read_pass = pass_no;
	bc_read_input(e->t, e->bev, &dte_stream, 1); /* drain one byte, leave the rest */
}

/* After the EOF: what readcb left is the rest of the stream, byte for byte. */
static void dte_expect_stream(struct bc_ctx *t, struct bc_end *a)
{
	bc_read_input(t, a->bev, &dte_stream, SIZE_MAX);
	bc_expect_bytes(t, "the stream: the byte readcb read, then the 3 it left, read after the EOF",
			&dte_stream, "abcd");
	bc_bytes_free(&dte_stream);
}

static void dte_on_event(struct bc_end *e, short what)
{
	(void)e, (void)what;
	if (!eof_pass)
		eof_pass = pass_no;
}

void eof_data_then_eof(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *a = bc_socket_end(t, sv[0], bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	a->on_read = dte_on_read;
	a->on_event = dte_on_event;
	bufferevent_enable(a->bev, EV_READ);
	bc_send(t, sv[1], "abcd", 4);
	close(sv[1]);

	pass_no = read_pass = eof_pass = 0;
	bc_await(t, "an eventcb after data and close", (++pass_no, bc_count(a, 'E') >= 1));
	bc_settle(t);
	bc_expect_shape(t, a, "R E(READING|EOF)");
	bc_expect_int(t, "input length at readcb", bc_nth(a, 'R', 0)->in, 4);
	bc_expect_int(t, "input length at EOF (undrained bytes kept)", bc_nth(a, 'E', 0)->in, 3);
	bc_expect_enabled(t, "enabled inside eventcb", bc_nth(a, 'E', 0)->enabled, EV_WRITE);
	if (eof_pass <= read_pass) {
		char x[64], act[64];
		snprintf(x, sizeof x, "a pass after %d", read_pass);
		snprintf(act, sizeof act, "pass %d", eof_pass);
		bc_fail(t, "loop pass of the EOF eventcb (readcb came in pass)", act, x);
	}
	dte_expect_stream(t, a);
	bc_free(a);
}

/* C1: readv returning 0 (injected, data still pending in the kernel) is EOF. */
void eof_readv_zero(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *a = bc_socket_end(t, sv[0], bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	bc_fault_return(sv[0], BC_READ, 0, 1);
	bufferevent_enable(a->bev, EV_READ);
	bc_send(t, sv[1], "xy", 2);

	bc_await(t, "an eventcb after readv returned 0", bc_count(a, 'E') >= 1);
	bc_settle(t);
	bc_expect_shape(t, a, "E(READING|EOF)");
	bc_expect_what(t, "eventcb flags", bc_nth(a, 'E', 0)->what, BEV_EVENT_READING | BEV_EVENT_EOF);
	bc_expect_enabled(t, "enabled inside eventcb", bc_nth(a, 'E', 0)->enabled, EV_WRITE);
	bc_expect_int(t, "readv calls (no read after EOF)", bc_fault_ncalls(sv[0], BC_READ), 1);
	bc_free(a);
	close(sv[1]);
}

/* C3, C5: readv fails with a non-retriable errno after some bytes were read. */
void error_read_injected(struct bc_ctx *t)
{
	int err = bc_param(t);
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *a = bc_socket_end(t, sv[0], bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	bufferevent_enable(a->bev, EV_READ);
	bc_send(t, sv[1], "abc", 3);
	bc_await(t, "a readcb for the first bytes", bc_count(a, 'R') >= 1);

	bc_fault_fail(sv[0], BC_READ, err, 1);
	evutil_socket_t wpeer = -1;
	struct bc_end *w = (t->param & BC_DEFER) ? bc_errno_witness(t, EIO, &wpeer) : NULL;
	bc_send(t, sv[1], "de", 2);
	bc_await(t, "an eventcb after the failing readv", bc_count(a, 'E') >= 1);
	bc_settle(t);
	bc_expect_shape(t, a, "R E(READING|ERROR)");
	const struct bc_event *e = bc_nth(a, 'E', 0);
	bc_expect_errno(t, "EVUTIL_SOCKET_ERROR() inside eventcb", e->err, err);
	bc_expect_enabled(t, "enabled inside eventcb (EV_READ off, EV_WRITE kept)", e->enabled, EV_WRITE);
	bc_expect_int(t, "input length at eventcb (earlier bytes kept)", e->in, 3);
	bc_expect_enabled(t, "enabled after the error", bufferevent_get_enabled(a->bev), EV_WRITE);
	if (w)
		bc_errno_witness_check(t, w, EIO, wpeer);
	struct bc_bytes kept = { 0 };
	bc_read_input(t, a->bev, &kept, SIZE_MAX);
	bc_expect_bytes(t, "the input kept: the bytes read before the failure", &kept, "abc");
	bc_bytes_free(&kept);
	bc_free(a);
	close(sv[1]);
}

/* C4, C5: writev fails with a non-retriable errno: a real EPIPE (the AF_UNIX peer shut
 * down its reading side, so no EOF races the error) or any other errno, injected. */
void error_write(struct bc_ctx *t)
{
	int err = bc_param(t);
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *a = bc_socket_end(t, sv[0], bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	bufferevent_enable(a->bev, EV_READ);
	if (err != EPIPE)
		bc_fault_fail(sv[0], BC_WRITE, err, 1);
	else if (shutdown(sv[1], SHUT_RD) != 0)
		bc_fail(t, "harness: shutdown(peer, SHUT_RD)", strerror(errno), "0");
	evutil_socket_t wpeer = -1;
	struct bc_end *w = (t->param & BC_DEFER) ? bc_errno_witness(t, EIO, &wpeer) : NULL;
	bc_expect_int(t, "bufferevent_write", bufferevent_write(a->bev, "hello", 5), 0);

	bc_await(t, "an eventcb after the failing writev", bc_count(a, 'E') >= 1);
	bc_settle(t);
	bc_expect_shape(t, a, "E(WRITING|ERROR)");
	const struct bc_event *e = bc_nth(a, 'E', 0);
	bc_expect_errno(t, "EVUTIL_SOCKET_ERROR() inside eventcb", e->err, err);
	bc_expect_enabled(t, "enabled inside eventcb (EV_WRITE off, EV_READ kept)", e->enabled, EV_READ);
	bc_expect_int(t, "output length at eventcb (unsent bytes kept)", e->out, 5);
	bc_expect_int(t, "writev calls (no retry after the error)", bc_fault_ncalls(sv[0], BC_WRITE), 1);
	struct bc_bytes got = { 0 };
	bc_recv_avail(sv[1], &got);
	bc_expect_int(t, "bytes at the peer", got.len, 0);
	if (w)
		bc_errno_witness_check(t, w, EIO, wpeer);
	bc_free(a);
	close(sv[1]);
}

/* C6 (QUIRK): writev returning 0 is reported as WRITING|EOF. */
void error_write_zero(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *a = bc_socket_end(t, sv[0], bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	bufferevent_enable(a->bev, EV_READ);
	bc_fault_return(sv[0], BC_WRITE, 0, 1);
	bc_expect_int(t, "bufferevent_write", bufferevent_write(a->bev, "hello", 5), 0);

	bc_await(t, "an eventcb after writev returned 0", bc_count(a, 'E') >= 1);
	bc_settle(t);
	const char *shape = bc_shape(a);
	if (strcmp(shape, "E(WRITING|EOF)") != 0)
		bc_quirk_differs(t, "callbacks on bev", shape, "E(WRITING|EOF)");
	const struct bc_event *e = bc_nth(a, 'E', 0);
	if (e->enabled != EV_READ)
		bc_quirk_differs(t, "enabled inside eventcb", bc_enabled_str(e->enabled), bc_enabled_str(EV_READ));
	if (e->out != 5) {
		char act[32];
		snprintf(act, sizeof act, "%zu", e->out);
		bc_quirk_differs(t, "output length at eventcb", act, "5");
	}
	bc_free(a);
	close(sv[1]);
}

/* ---- C7 (QUIRK): one read attempt takes at most 4096 bytes (16384 since 2.2) ---- */
/* ---- C8: ... and at most max_single_read bytes ---- */
void eof_read_chunks(struct bc_ctx *t)
{
	size_t n = bc_param(t) ? 250 : 10000, chunk = bc_param(t) ? 100 : 4096;
	if (!bc_param(t) && bc_since(t, 2, 2, "C7 since 2.2: socket bufferevents read up to 16384 bytes (5357c3d6, branch buffer-read-size)"))
		chunk = 16384;
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *a = bc_socket_end(t, sv[0], bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	if (bc_param(t))
		bc_expect_int(t, "bufferevent_set_max_single_read", bufferevent_set_max_single_read(a->bev, bc_param(t)), 0);
	bufferevent_enable(a->bev, EV_READ);
	unsigned char buf[10000];
	bc_pattern(buf, n, 0);
	bc_send(t, sv[1], buf, n); /* all queued in the kernel before the loop runs */
	close(sv[1]);
	bc_await(t, "an EOF after the data", bc_count(a, 'E') >= 1);
	bc_settle(t);
	unsigned nr = (unsigned)((n + chunk - 1) / chunk);
	bc_expect_int(t, "readcbs (one per chunk)", bc_count(a, 'R'), nr);
	for (unsigned i = 0; i < nr; i++) {
		size_t want = (i + 1) * chunk < n ? (i + 1) * chunk : n;
		bc_expect_int(t, "in at this readcb (cumulative chunks)", bc_nth(a, 'R', i)->in, want);
	}
	bc_expect_what(t, "the last callback is the EOF", bc_nth(a, 'E', 0)->what, BEV_EVENT_READING | BEV_EVENT_EOF);
	bc_expect_int(t, "in at EOF", bc_nth(a, 'E', 0)->in, n);
	struct bc_bytes got = { 0 };
	bc_read_input(t, a->bev, &got, SIZE_MAX);
	bc_expect_pattern(t, "the input, read after the EOF", &got, n);
	bc_bytes_free(&got);
	bc_free(a);
}

/* ---- C9: after a write error, writes only buffer until EV_WRITE is enabled again ---- */
void eof_write_after_error(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *a = bc_socket_end(t, sv[0], bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	bc_fault_fail(sv[0], BC_WRITE, ECONNRESET, 1);
	bufferevent_write(a->bev, "abc", 3);
	bc_await(t, "a write error", bc_count(a, 'E') >= 1);
	bc_expect_int(t, "bufferevent_write after the error", bufferevent_write(a->bev, "de", 2), 0);
	bc_expect_int(t, "output length (appended)", evbuffer_get_length(bufferevent_get_output(a->bev)), 5);
	bc_settle(t);
	bc_expect_shape(t, a, "E(WRITING|ERROR)");
	bc_expect_int(t, "writev calls while EV_WRITE is off", bc_fault_ncalls(sv[0], BC_WRITE), 1);
	bc_expect_enabled(t, "enabled", bufferevent_get_enabled(a->bev), 0);

	bufferevent_enable(a->bev, EV_WRITE);
	struct bc_bytes got = { 0 };
	bc_await(t, "the output goes out once EV_WRITE is enabled again",
		 (bc_recv_avail(sv[1], &got), got.len >= 5) && bc_count(a, 'W') > 0);
	bc_settle(t);
	bc_expect_shape(t, a, "E(WRITING|ERROR) W");
	bc_expect_bytes(t, "bytes at the peer", &got, "abcde");
	bc_bytes_free(&got);
	bc_free(a);
	close(sv[1]);
}

static bool saw_eof(const struct bc_end *e)
{
	for (unsigned i = 0; i < bc_count(e, 'E'); i++)
		if (bc_nth(e, 'E', i)->what & BEV_EVENT_EOF)
			return true;
	return false;
}

/* ---- C10: writing still works after an EOF on reading ---- */
void eof_write_after_eof(struct bc_ctx *t)
{
	struct bc_link l;
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
	bufferevent_enable(l.e->bev, EV_READ);
	bc_link_finish(t, &l);
	bc_await(t, "an EOF", saw_eof(l.e));
	bc_expect_int(t, "bufferevent_write after EOF", bufferevent_write(l.e->bev, "xyz", 3), 0);
	struct bc_bytes got = { 0 };
	bc_await(t, "the bytes reach the far end and a writecb follows",
		 (bc_link_recv(t, &l, &got), got.len >= 3) && bc_count(l.e, 'W') > 0);
	bc_settle(t);
	if (t->param & BC_PAIR) /* a pair's BEV_FINISHED flush also runs an empty readcb (area H) */
		bc_expect_int(t, "writecbs", bc_count(l.e, 'W'), 1);
	else
		bc_expect_shape(t, l.e, "E(READING|EOF) W");
	bc_expect_bytes(t, "bytes at the far end", &got, "xyz");
	bc_bytes_free(&got);
	bc_link_close(t, &l);
}

/* ---- C11: re-enabling EV_READ at EOF reports the EOF again ---- */
void eof_reenable(struct bc_ctx *t)
{
	evutil_socket_t sv[2];
	bc_socketpair(t, sv);
	struct bc_end *a = bc_socket_end(t, sv[0], bc_opts(t, BEV_OPT_CLOSE_ON_FREE), "bev");
	bufferevent_enable(a->bev, EV_READ);
	shutdown(sv[1], SHUT_WR);
	bc_await(t, "an EOF", bc_count(a, 'E') >= 1);
	bc_settle(t);
	bc_expect_shape(t, a, "E(READING|EOF)");
	bufferevent_enable(a->bev, EV_READ);
	bc_await(t, "a second EOF after re-enabling EV_READ", bc_count(a, 'E') >= 2);
	bc_settle(t);
	bc_expect_shape(t, a, "E(READING|EOF) E(READING|EOF)");
	bc_expect_enabled(t, "enabled inside the second eventcb", bc_nth(a, 'E', 1)->enabled, EV_WRITE);
	bc_free(a);
	close(sv[1]);
}

/* ---- C12: with EV_READ disabled, pending data and EOF produce no callback ---- */
void eof_read_disabled(struct bc_ctx *t)
{
	struct bc_link l;
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
	bc_link_send(t, &l, "ab", 2);
	bc_link_finish(t, &l);
	bc_settle(t);
	bc_expect_shape(t, l.e, "");
	bc_expect_int(t, "input length while EV_READ is off", evbuffer_get_length(bufferevent_get_input(l.e->bev)), 0);
	bufferevent_enable(l.e->bev, EV_READ);
	bc_await(t, "data and EOF once EV_READ is enabled", saw_eof(l.e));
	bc_settle(t);
	bc_expect_shape(t, l.e, "R E(READING|EOF)");
	bc_expect_int(t, "in at readcb", bc_nth(l.e, 'R', 0)->in, 2);
	struct bc_bytes got = { 0 };
	bc_read_input(t, l.e->bev, &got, SIZE_MAX);
	bc_expect_bytes(t, "the input", &got, "ab");
	bc_bytes_free(&got);
	bc_link_close(t, &l);
}

/* ---- C13: C2 over every kind: readcb first; for sockets and filters the EOF comes from
 * a later loop pass ---- */
void eof_data_then_eof_link(struct bc_ctx *t)
{
	struct bc_link l;
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
	struct bc_end *a = l.e;
	a->on_read = dte_on_read;
	a->on_event = dte_on_event;
	bufferevent_enable(a->bev, EV_READ);
	bc_link_send(t, &l, "abcd", 4);
	bc_link_finish(t, &l);

	pass_no = read_pass = eof_pass = 0;
	bc_await(t, "an eventcb after data and EOF", (++pass_no, bc_count(a, 'E') >= 1));
	bc_settle(t);
	bc_expect_shape(t, a, "R E(READING|EOF)");
	bc_expect_int(t, "input length at readcb", bc_nth(a, 'R', 0)->in, 4);
	bc_expect_int(t, "input length at EOF (undrained bytes kept)", bc_nth(a, 'E', 0)->in, 3);
	if (!(t->param & BC_PAIR) && eof_pass <= read_pass) {
		char x[64], act[64];
		snprintf(x, sizeof x, "a pass after %d", read_pass);
		snprintf(act, sizeof act, "pass %d", eof_pass);
		bc_fail(t, "loop pass of the EOF eventcb (readcb came in pass)", act, x);
	}
	dte_expect_stream(t, a);
	bc_link_close(t, &l);
}

/* ---- C14: the input is one byte stream, however the program drains it ----
 * The far end sends STREAM_CHUNKS chunks of 13 pattern bytes, each once the previous one
 * has given its readcb, then ends the stream. param 1: readcb removes 1 byte per call, so
 * the input grows and every read lands behind a partly drained input; param 0: readcb
 * removes nothing and the case removes 0 to 16 bytes between loop passes, outside any
 * callback. After the EOF the case reads the rest. Everything removed, in order, must be
 * the stream. Core API only (bufferevent_read, evbuffer_get_length). */
enum { STREAM_CHUNKS = 100, STREAM_CHUNK = 13 };
static struct bc_bytes stream_got;

static void stream_drain1(struct bc_end *e)
{
	bc_read_input(e->t, e->bev, &stream_got, 1);
}

void eof_stream(struct bc_ctx *t)
{
	bool in_cb = bc_param(t) == 1;
	struct bc_link l;
	bc_link_open(t, &l, BEV_OPT_CLOSE_ON_FREE, "bev");
	struct bc_end *e = l.e;
	memset(&stream_got, 0, sizeof stream_got);
	if (in_cb)
		e->on_read = stream_drain1;
	bufferevent_enable(e->bev, EV_READ);
	unsigned char chunk[STREAM_CHUNK];
	size_t sent = 0;
	for (unsigned i = 0; i < STREAM_CHUNKS; i++) {
		unsigned r = bc_count(e, 'R');
		size_t removed = stream_got.len;
		bc_pattern(chunk, sizeof chunk, sent);
		bc_link_send(t, &l, chunk, sizeof chunk);
		sent += sizeof chunk;
		bc_await(t, "a readcb for each chunk", bc_count(e, 'R') > r);
		bc_expect_int(t, "in at the readcb: bytes sent minus bytes removed", bc_nth(e, 'R', r)->in,
			      sent - removed);
		if (!in_cb)
			bc_read_input(t, e->bev, &stream_got, i % 17);
	}
	bc_link_finish(t, &l);
	bc_await(t, "the EOF", saw_eof(e));
	bc_settle(t);
	bc_read_input(t, e->bev, &stream_got, SIZE_MAX);
	bc_expect_pattern(t, "every byte removed, inside and outside callbacks, in order", &stream_got, sent);
	bc_bytes_free(&stream_got);
	bc_link_close(t, &l);
}
