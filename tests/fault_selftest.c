/* fault_selftest.c: the fault layer's own tests. They call libc directly and through the
 * implementation's evbuffer (so the interposition is proven for however the
 * implementation was linked: shared, static, from a prefix). */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "fault.h"

static int sv[2];

static void setup(void)
{
	bc_fault_reset();
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
}

static void teardown(void)
{
	close(sv[0]);
	close(sv[1]);
}

static ssize_t writev1(int fd, const char *s)
{
	struct iovec iov[2] = { { (void *)s, 2 }, { (void *)(s + 2), strlen(s) - 2 } };
	return writev(fd, iov, 2);
}

START_TEST(cap_shortens_writev_across_iovecs)
{
	char buf[16] = { 0 };
	bc_fault_cap(sv[0], 3);
	ck_assert_int_eq(writev1(sv[0], "0123456789"), 3);
	ck_assert_int_eq(read(sv[1], buf, sizeof buf), 3);
	ck_assert_str_eq(buf, "012");
	ck_assert_uint_eq(bc_fault_write_asked(sv[0], 0), 10);
	bc_fault_cap(sv[0], 0);
	ck_assert_int_eq(writev1(sv[0], "0123456789"), 10);
}
END_TEST

START_TEST(fail_next_k_calls_then_real)
{
	bc_fault_fail(sv[0], BC_WRITE, EAGAIN, 2);
	errno = 0;
	ck_assert_int_eq(writev1(sv[0], "abcd"), -1);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_int_eq(write(sv[0], "abcd", 4), -1);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_int_eq(send(sv[0], "abcd", 4, 0), 4);
	ck_assert_uint_eq(bc_fault_ncalls(sv[0], BC_WRITE), 3);
	char buf[8];
	ck_assert_int_eq(read(sv[1], buf, sizeof buf), 4); /* nothing from the failed calls */
}
END_TEST

START_TEST(rules_are_per_fd_and_in_order)
{
	bc_fault_fail(sv[1], BC_READ, ECONNRESET, 1);
	bc_fault_return(sv[1], BC_READ, 0, 1);
	ck_assert_int_eq(write(sv[0], "xy", 2), 2); /* sv[0] is not scripted */
	char buf[4];
	struct iovec iov = { buf, sizeof buf };
	ck_assert_int_eq(readv(sv[1], &iov, 1), -1);
	ck_assert_int_eq(errno, ECONNRESET);
	ck_assert_int_eq(read(sv[1], buf, sizeof buf), 0); /* scripted EOF, data still queued */
	ck_assert_int_eq(recv(sv[1], buf, sizeof buf, 0), 2);
	ck_assert_uint_eq(bc_fault_ncalls(sv[1], BC_READ), 3);
}
END_TEST

START_TEST(reset_forgets_rules_and_records)
{
	bc_fault_fail(sv[0], BC_WRITE, EPIPE, 5);
	bc_fault_cap(sv[0], 1);
	ck_assert_int_eq(write(sv[0], "ab", 2), -1);
	bc_fault_reset();
	ck_assert_uint_eq(bc_fault_ncalls(sv[0], BC_WRITE), 0);
	ck_assert_int_eq(write(sv[0], "ab", 2), 2);
}
END_TEST

/* A listening loopback socket, so that a real connect there would succeed. */
static int listener(struct sockaddr_in *sin)
{
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	socklen_t len = sizeof *sin;
	memset(sin, 0, sizeof *sin);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)sin, sizeof *sin), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)sin, &len), 0);
	ck_assert_int_eq(listen(lfd, 4), 0);
	return lfd;
}

START_TEST(connect_fails_at_once_on_any_fd)
{
	struct sockaddr_in sin;
	int lfd = listener(&sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bc_fault_fail(BC_ANY_FD, BC_CONNECT, ECONNREFUSED, 1);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof sin), -1);
	ck_assert_int_eq(errno, ECONNREFUSED);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_uint_eq(bc_fault_ncalls(fd, BC_CONNECT), 2);
	close(fd);
	close(lfd);
}
END_TEST

START_TEST(accept_fails_then_accepts)
{
	struct sockaddr_in sin;
	int lfd = listener(&sin);
	int cfd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(cfd, (struct sockaddr *)&sin, sizeof sin), 0);
	bc_fault_fail(lfd, BC_ACCEPT, EMFILE, 1);
	ck_assert_int_eq(accept4(lfd, NULL, NULL, 0), -1);
	ck_assert_int_eq(errno, EMFILE);
	int afd = accept(lfd, NULL, NULL);
	ck_assert_int_ge(afd, 0);
	close(afd);
	close(cfd);
	close(lfd);
}
END_TEST

/* The implementation's own socket I/O must go through the wrappers. */
START_TEST(implementation_calls_are_intercepted)
{
	struct evbuffer *b = evbuffer_new();
	char buf[64];
	memset(buf, 'z', sizeof buf);
	evbuffer_add(b, buf, sizeof buf);
	bc_fault_cap(sv[0], 5);
	ck_assert_int_eq(evbuffer_write(b, sv[0]), 5);
	ck_assert_uint_eq(evbuffer_get_length(b), sizeof buf - 5);
	ck_assert_uint_ge(bc_fault_ncalls(sv[0], BC_WRITE), 1);
	ck_assert_uint_eq(bc_fault_write_asked_max(sv[0]), sizeof buf);

	bc_fault_fail(sv[1], BC_READ, EINTR, 1);
	errno = 0;
	ck_assert_int_eq(evbuffer_read(b, sv[1], 16), -1);
	ck_assert_int_eq(errno, EINTR);
	ck_assert_int_eq(evbuffer_read(b, sv[1], 16), 5);
	evbuffer_free(b);
}
END_TEST

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	Suite *s = suite_create("fault-selftest");
	TCase *tc = tcase_create("fault");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, cap_shortens_writev_across_iovecs);
	tcase_add_test(tc, fail_next_k_calls_then_real);
	tcase_add_test(tc, rules_are_per_fd_and_in_order);
	tcase_add_test(tc, reset_forgets_rules_and_records);
	tcase_add_test(tc, connect_fails_at_once_on_any_fd);
	tcase_add_test(tc, accept_fails_then_accepts);
	tcase_add_test(tc, implementation_calls_are_intercepted);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
