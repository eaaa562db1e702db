/* F4: `./read0` calls evbuffer_read(b, fd, 0), `./read0 r` evbuffer_reserve_space(b, 0, v, 2), on a
 * buffer whose only chain a 1280-byte prepend filled exactly. libevent 2.1.12 aborts in both
 * ("Assertion chain failed in evbuffer_read_setup_vecs_"); with fix.patch both return 0. */
#include <event2/buffer.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	struct evbuffer *b = evbuffer_new();
	static char data[1280];
	int sv[2];
	memset(data, 'x', sizeof data);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	write(sv[1], "hello", 5);
	evbuffer_prepend(b, data, sizeof data); /* one chain, exactly full */
	if (argc > 1) {
		struct evbuffer_iovec v[2];
		printf("reserve_space(b, 0, v, 2) = %d\n", evbuffer_reserve_space(b, 0, v, 2));
	} else {
		printf("evbuffer_read(b, fd, 0) = %d\n", evbuffer_read(b, sv[0], 0));
	}
	printf("length %zu\n", evbuffer_get_length(b));
	evbuffer_free(b);
	return 0;
}
