/* sock.c: sockets, raw peers and byte strings for cases. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bevconf.h"

/* A macro, so the failure's location is the failing call's line. */
#define fail_errno(t, what) bc_fail((t), (what), strerror(errno), "success")

void bc_socketpair(struct bc_ctx *t, evutil_socket_t sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
		fail_errno(t, "harness: socketpair");
}

static evutil_socket_t bound_loopback(struct bc_ctx *t, struct sockaddr_in *sin)
{
	evutil_socket_t fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fail_errno(t, "harness: socket");
	memset(sin, 0, sizeof *sin);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof *sin;
	if (bind(fd, (struct sockaddr *)sin, sizeof *sin) != 0 ||
	    getsockname(fd, (struct sockaddr *)sin, &len) != 0)
		fail_errno(t, "harness: bind 127.0.0.1:0");
	return fd;
}

evutil_socket_t bc_loopback_listener(struct bc_ctx *t, struct sockaddr_in *sin)
{
	evutil_socket_t fd = bound_loopback(t, sin);
	if (listen(fd, 16) != 0)
		fail_errno(t, "harness: listen");
	return fd;
}

evutil_socket_t bc_refusing_port(struct bc_ctx *t, struct sockaddr_in *sin)
{
	/* Bound, so no other process can take the port; not listening, so a SYN gets RST. */
	return bound_loopback(t, sin);
}

evutil_socket_t bc_accept(struct bc_ctx *t, evutil_socket_t lfd, int ms)
{
	struct pollfd p = { lfd, POLLIN, 0 };
	if (poll(&p, 1, ms) != 1)
		bc_fail(t, "harness: accept within deadline", "none", "a connection");
	evutil_socket_t fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		fail_errno(t, "harness: accept4");
	return fd;
}

void bc_send(struct bc_ctx *t, evutil_socket_t fd, const void *buf, size_t n)
{
	ssize_t w = send(fd, buf, n, MSG_NOSIGNAL);
	if (w < 0)
		fail_errno(t, "harness: send to peer");
	if ((size_t)w != n)
		bc_fail(t, "harness: send to peer", "a short write", "all bytes taken");
}

void bc_fill_socket(evutil_socket_t fd)
{
	static const char fill[4096];
	while (write(fd, fill, sizeof fill) > 0) {}
}

size_t bc_recv_avail(evutil_socket_t fd, struct bc_bytes *b)
{
	unsigned char buf[65536];
	size_t total = 0;
	for (;;) {
		ssize_t r = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
		if (r > 0) {
			bc_bytes_add(b, buf, (size_t)r);
			total += (size_t)r;
			continue;
		}
		if (r == 0)
			b->eof = true;
		return total;
	}
}

static void on_peer_readable(evutil_socket_t fd, short what, void *arg)
{
	struct bc_bytes *b = arg;
	(void)what;
	bc_recv_avail(fd, b);
}

void bc_peer_reader(struct bc_ctx *t, evutil_socket_t fd, struct bc_bytes *b)
{
	struct event *ev = event_new(t->base, fd, EV_READ | EV_PERSIST, on_peer_readable, b);
	if (!ev || event_add(ev, NULL) != 0 || t->nowned == 8)
		bc_fail(t, "harness: peer reader event", "failed", "added");
	t->owned[t->nowned++] = ev;
}

bool bc_fd_is_open(evutil_socket_t fd)
{
	return fcntl(fd, F_GETFD) != -1 || errno != EBADF;
}

struct bc_fd_id bc_fd_identity(struct bc_ctx *t, evutil_socket_t fd)
{
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0)
		fail_errno(t, "harness: fstat of an fd that must be open");
	struct bc_fd_id id = { fd, (unsigned long long)st.st_dev, (unsigned long long)st.st_ino };
	return id;
}

bool bc_fd_same(struct bc_fd_id id)
{
	struct stat st;
	return fstat(id.fd, &st) == 0 && (unsigned long long)st.st_dev == id.dev &&
	       (unsigned long long)st.st_ino == id.ino;
}

bool bc_fd_holds_socket(evutil_socket_t fd, int domain, int type)
{
	int d = -1, ty = -1;
	socklen_t n = sizeof d;
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &d, &n) != 0)
		return false;
	n = sizeof ty;
	return getsockopt(fd, SOL_SOCKET, SO_TYPE, &ty, &n) == 0 && d == domain && ty == type;
}

void bc_bytes_add(struct bc_bytes *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n)
			cap *= 2;
		b->data = realloc(b->data, cap);
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void bc_bytes_free(struct bc_bytes *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}

/* At most 60 bytes of p, as C would write them: unprintable bytes as \xNN. */
static void render_bytes(char *out, size_t cap, const unsigned char *p, size_t n)
{
	size_t o = 0, i;
	for (i = 0; i < n && i < 60 && o + 8 < cap; i++) {
		unsigned char c = p[i];
		if (c == '\n')
			o += (size_t)snprintf(out + o, cap - o, "\\n");
		else if (c == '\\' || c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	if (i < n)
		o += (size_t)snprintf(out + o, cap - o, "... (%zu bytes)", n);
	out[o < cap ? o : cap - 1] = '\0';
}

void bc_expect_bytes_(struct bc_ctx *t, const char *where, const char *expr, const char *label,
		      const struct bc_bytes *b, const char *s)
{
	size_t n = strlen(s);
	if (b->len == n && (n == 0 || memcmp(b->data, s, n) == 0))
		return;
	char a[320], x[320];
	render_bytes(a, sizeof a, b->data, b->len);
	render_bytes(x, sizeof x, (const unsigned char *)s, n);
	bc_fail_(t, where, expr, label, b->len ? a : "(no bytes)", n ? x : "(no bytes)");
}

size_t bc_read_input_(struct bc_ctx *t, const char *where, struct bufferevent *bev, struct bc_bytes *b,
		      size_t max)
{
	unsigned char buf[16];
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t total = 0;
	for (size_t piece = 1; total < max; piece = piece % sizeof buf + 1) {
		size_t want = max - total < piece ? max - total : piece;
		size_t before = evbuffer_get_length(in);
		size_t got = bufferevent_read(bev, buf, want);
		size_t should = before < want ? before : want;
		if (got != should) {
			/* (The input's length afterwards is not checked: a pair side below its read
			 * high watermark refills inside the call, H4.) */
			char a[64], x[64];
			snprintf(a, sizeof a, "%zu (n=%zu, input length %zu)", got, want, before);
			snprintf(x, sizeof x, "%zu", should);
			bc_fail_(t, where, NULL, "bufferevent_read(bev, p, n) returns min(n, input length)", a, x);
		}
		if (got == 0)
			break;
		bc_bytes_add(b, buf, got);
		total += got;
	}
	return total;
}

void bc_pattern(unsigned char *buf, size_t n, size_t offset)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (unsigned char)((offset + i) % 251);
}

long bc_pattern_mismatch(const unsigned char *buf, size_t n, size_t offset)
{
	for (size_t i = 0; i < n; i++)
		if (buf[i] != (unsigned char)((offset + i) % 251))
			return (long)i;
	return -1;
}

void bc_expect_pattern_(struct bc_ctx *t, const char *where, const char *expr, const char *label,
			const struct bc_bytes *b, size_t n)
{
	char a[96];
	if (b->len != n) {
		snprintf(a, sizeof a, "%zu bytes", b->len);
		char x[32];
		snprintf(x, sizeof x, "%zu bytes", n);
		bc_fail_(t, where, expr, label, a, x);
	}
	long at = bc_pattern_mismatch(b->data, b->len, 0);
	if (at >= 0) {
		snprintf(a, sizeof a, "byte %ld is %u, pattern says %u (lost, duplicated or reordered)",
			 at, b->data[at], (unsigned)(at % 251));
		bc_fail_(t, where, expr, label, a, "the cyclic pattern, byte for byte");
	}
}

int bc_stderr_silence(struct bc_ctx *t)
{
	fflush(stderr);
	int saved = dup(2), null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	bc_expect(t, "harness: silence stderr", saved >= 0 && null >= 0 && dup2(null, 2) == 2);
	close(null);
	return saved;
}

void bc_stderr_restore(int saved)
{
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
}
