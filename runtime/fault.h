/* fault.h: scripted syscall results, per file descriptor.
 *
 * The test executable defines the libc entry points an implementation uses for socket
 * I/O (writev, write, send, readv, read, recv, connect, accept4, accept). It is linked
 * with -rdynamic, so calls from a shared libevent resolve here as well as calls from a
 * static archive or from the harness; each wrapper consults the script and otherwise
 * forwards to libc through dlsym(RTLD_NEXT). Script and records live in the calling
 * process, i.e. in the case's forked child. */
#ifndef BEVCONF_FAULT_H
#define BEVCONF_FAULT_H

#include <stddef.h>
#include <sys/types.h>

/* Calls are grouped by what they do, so the same script applies whichever libc
 * function an implementation picks. */
enum bc_call {
	BC_WRITE,   /* writev, write, send */
	BC_READ,    /* readv, read, recv */
	BC_CONNECT, /* connect */
	BC_ACCEPT,  /* accept4, accept */
	BC_NCALLS
};

#define BC_ANY_FD (-2) /* a rule for every fd, e.g. connect on a socket not yet created */

/* Forget every rule and record. */
void bc_fault_reset(void);
/* Cap every write-class call on fd at max bytes (a short write); 0 removes the cap. */
void bc_fault_cap(int fd, size_t max);
/* The next `times` calls of `call` on fd return -1 with errno err, without the syscall. */
void bc_fault_fail(int fd, enum bc_call call, int err, int times);
/* The next `times` calls of `call` on fd return ret (e.g. 0 for EOF), without the syscall. */
void bc_fault_return(int fd, enum bc_call call, ssize_t ret, int times);
/* How many calls of `call` were made on fd since the last reset (scripted ones included). */
unsigned bc_fault_ncalls(int fd, enum bc_call call);
/* The number of bytes the i-th write-class call on fd asked to write (before any cap). */
size_t bc_fault_write_asked(int fd, unsigned i);
/* Largest byte count any write-class call on fd asked for. */
size_t bc_fault_write_asked_max(int fd);
const char *bc_call_name(enum bc_call call);

#endif
