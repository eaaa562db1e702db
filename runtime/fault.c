/* fault.c: the interposed libc entry points and their per-fd script (see fault.h). */
#define _GNU_SOURCE
#include "fault.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_RULES 64
#define MAX_FDS 1024
#define MAX_ASKED 4096

struct rule {
	int fd;
	enum bc_call call;
	ssize_t ret;   /* -1 or the value to return */
	int err;       /* errno when ret == -1 */
	int remaining;
};

static struct rule rules[MAX_RULES];
static int nrules;
static size_t caps[MAX_FDS];
static unsigned ncalls[MAX_FDS][BC_NCALLS];
/* Bytes each write-class call asked for, per fd; only the first MAX_ASKED are kept. */
static size_t *asked[MAX_FDS];

void bc_fault_reset(void)
{
	nrules = 0;
	memset(caps, 0, sizeof caps);
	memset(ncalls, 0, sizeof ncalls);
	for (int i = 0; i < MAX_FDS; i++) {
		free(asked[i]);
		asked[i] = NULL;
	}
}

static void add_rule(int fd, enum bc_call call, ssize_t ret, int err, int times)
{
	if (nrules == MAX_RULES) {
		fprintf(stderr, "bevconf: fault script full (%d rules)\n", MAX_RULES);
		abort();
	}
	rules[nrules++] = (struct rule){ fd, call, ret, err, times };
}

void bc_fault_cap(int fd, size_t max)
{
	if (fd >= 0 && fd < MAX_FDS)
		caps[fd] = max;
}

void bc_fault_fail(int fd, enum bc_call call, int err, int times)
{
	add_rule(fd, call, -1, err, times);
}

void bc_fault_return(int fd, enum bc_call call, ssize_t ret, int times)
{
	add_rule(fd, call, ret, 0, times);
}

unsigned bc_fault_ncalls(int fd, enum bc_call call)
{
	return fd >= 0 && fd < MAX_FDS ? ncalls[fd][call] : 0;
}

size_t bc_fault_write_asked(int fd, unsigned i)
{
	if (fd < 0 || fd >= MAX_FDS || !asked[fd] || i >= ncalls[fd][BC_WRITE] || i >= MAX_ASKED)
		return 0;
	return asked[fd][i];
}

size_t bc_fault_write_asked_max(int fd)
{
	size_t max = 0;
	for (unsigned i = 0; i < bc_fault_ncalls(fd, BC_WRITE) && i < MAX_ASKED; i++)
		if (bc_fault_write_asked(fd, i) > max)
			max = bc_fault_write_asked(fd, i);
	return max;
}

const char *bc_call_name(enum bc_call call)
{
	static const char *names[] = { "write", "read", "connect", "accept" };
	return call < BC_NCALLS ? names[call] : "?";
}

/* Count the call, then apply the first live rule for (fd, call). Returns 1 and sets *ret
 * (and errno) when the call is scripted, 0 when it should go to libc. */
static int scripted(int fd, enum bc_call call, ssize_t *ret)
{
	if (fd >= 0 && fd < MAX_FDS)
		ncalls[fd][call]++;
	for (int i = 0; i < nrules; i++) {
		struct rule *r = &rules[i];
		if (r->remaining <= 0 || r->call != call || (r->fd != fd && r->fd != BC_ANY_FD))
			continue;
		r->remaining--;
		*ret = r->ret;
		if (r->ret == -1)
			errno = r->err;
		return 1;
	}
	return 0;
}

static void record_asked(int fd, size_t n)
{
	if (fd < 0 || fd >= MAX_FDS)
		return;
	unsigned i = ncalls[fd][BC_WRITE] - 1; /* already counted by scripted() */
	if (i >= MAX_ASKED)
		return;
	if (!asked[fd] && !(asked[fd] = calloc(MAX_ASKED, sizeof(size_t))))
		return;
	asked[fd][i] = n;
}

static size_t cap_for(int fd)
{
	return fd >= 0 && fd < MAX_FDS ? caps[fd] : 0;
}

/* The real function, looked up once. */
#define REAL(name) \
	static __typeof__(name) *real_##name; \
	if (!real_##name) \
		real_##name = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	REAL(writev);
	ssize_t ret;
	size_t total = 0;
	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	int s = scripted(fd, BC_WRITE, &ret);
	record_asked(fd, total);
	if (s)
		return ret;
	size_t cap = cap_for(fd);
	if (cap == 0 || total <= cap)
		return real_writev(fd, iov, iovcnt);
	/* Short write: hand the kernel only the first `cap` bytes of the vector. */
	struct iovec cut[iovcnt];
	int n = 0;
	for (size_t left = cap; n < iovcnt && left > 0; n++) {
		cut[n] = iov[n];
		if (cut[n].iov_len > left)
			cut[n].iov_len = left;
		left -= cut[n].iov_len;
	}
	return real_writev(fd, cut, n);
}

ssize_t write(int fd, const void *buf, size_t n)
{
	REAL(write);
	ssize_t ret;
	int s = scripted(fd, BC_WRITE, &ret);
	record_asked(fd, n);
	if (s)
		return ret;
	size_t cap = cap_for(fd);
	return real_write(fd, buf, cap && n > cap ? cap : n);
}

ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	REAL(send);
	ssize_t ret;
	int s = scripted(fd, BC_WRITE, &ret);
	record_asked(fd, n);
	if (s)
		return ret;
	size_t cap = cap_for(fd);
	return real_send(fd, buf, cap && n > cap ? cap : n, flags);
}

ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
	REAL(readv);
	ssize_t ret;
	return scripted(fd, BC_READ, &ret) ? ret : real_readv(fd, iov, iovcnt);
}

ssize_t read(int fd, void *buf, size_t n)
{
	REAL(read);
	ssize_t ret;
	return scripted(fd, BC_READ, &ret) ? ret : real_read(fd, buf, n);
}

ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	REAL(recv);
	ssize_t ret;
	return scripted(fd, BC_READ, &ret) ? ret : real_recv(fd, buf, n, flags);
}

int connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	REAL(connect);
	ssize_t ret;
	return scripted(fd, BC_CONNECT, &ret) ? (int)ret : real_connect(fd, sa, len);
}

int accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	REAL(accept4);
	ssize_t ret;
	return scripted(fd, BC_ACCEPT, &ret) ? (int)ret : real_accept4(fd, sa, len, flags);
}

int accept(int fd, struct sockaddr *sa, socklen_t *len)
{
	REAL(accept);
	ssize_t ret;
	return scripted(fd, BC_ACCEPT, &ret) ? (int)ret : real_accept(fd, sa, len);
}
