/* evutil.c: small portable helpers (on Linux, mostly thin wrappers) and ref's logging. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "event-internal.h"

static event_log_cb log_cb;

void event_set_log_callback(event_log_cb cb) { log_cb = cb; }
void event_set_fatal_callback(event_fatal_cb cb) { (void)cb; }
void event_enable_debug_mode(void) {}
void event_enable_debug_logging(ev_uint32_t which) { (void)which; }
void libevent_global_shutdown(void) {}
const char *event_get_version(void) { return "2.1.12-stable (ref)"; }
ev_uint32_t event_get_version_number(void) { return 0x02010c00; }

void ev_warn(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (log_cb)
		log_cb(EVENT_LOG_WARN, msg);
	else
		fprintf(stderr, "[warn] %s\n", msg);
}

int evutil_make_socket_nonblocking(evutil_socket_t fd)
{
	int flags = fcntl(fd, F_GETFL, NULL);
	if (flags < 0 || (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0))
		return -1;
	return 0;
}

int evutil_make_socket_closeonexec(evutil_socket_t fd)
{
	int flags = fcntl(fd, F_GETFD, NULL);
	if (flags < 0 || (!(flags & FD_CLOEXEC) && fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0))
		return -1;
	return 0;
}

int evutil_make_listen_socket_reuseable(evutil_socket_t fd)
{
	int one = 1;
	return setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
}

int evutil_make_listen_socket_reuseable_port(evutil_socket_t fd)
{
	int one = 1;
	return setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
}

int evutil_make_tcp_listen_socket_deferred(evutil_socket_t fd)
{
	int one = 1;
	return setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &one, sizeof one);
}

int evutil_closesocket(evutil_socket_t fd)
{
	return close(fd);
}

int evutil_socketpair(int family, int type, int protocol, evutil_socket_t sv[2])
{
	return socketpair(family, type, protocol, sv);
}

const char *evutil_socket_error_to_string(int err)
{
	return strerror(err);
}

int evutil_gettimeofday(struct timeval *tv, struct timezone *tz)
{
	(void)tz;
	return gettimeofday(tv, NULL);
}

ev_int64_t evutil_strtoll(const char *s, char **endptr, int base)
{
	return strtoll(s, endptr, base);
}

int evutil_vsnprintf(char *buf, size_t len, const char *fmt, va_list ap)
{
	int r = vsnprintf(buf, len, fmt, ap);
	if (len)
		buf[len - 1] = '\0';
	return r;
}

int evutil_snprintf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = evutil_vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return r;
}

int evutil_ascii_strcasecmp(const char *a, const char *b) { return strcasecmp(a, b); }
int evutil_ascii_strncasecmp(const char *a, const char *b, size_t n) { return strncasecmp(a, b, n); }

const char *evutil_inet_ntop(int af, const void *src, char *dst, size_t len)
{
	return inet_ntop(af, src, dst, (socklen_t)len);
}

int evutil_inet_pton(int af, const char *src, void *dst)
{
	return inet_pton(af, src, dst);
}

/* "1.2.3.4", "1.2.3.4:80", "[::1]", "[::1]:80", "::1". */
int evutil_parse_sockaddr_port(const char *str, struct sockaddr *out, int *outlen)
{
	char host[128];
	int port = 0;
	const char *colon;
	if (*str == '[') {
		const char *close = strchr(str, ']');
		if (!close || (size_t)(close - str - 1) >= sizeof host)
			return -1;
		memcpy(host, str + 1, close - str - 1);
		host[close - str - 1] = '\0';
		if (close[1] == ':')
			port = atoi(close + 2);
		else if (close[1])
			return -1;
	} else if ((colon = strchr(str, ':')) && !strchr(colon + 1, ':')) {
		if ((size_t)(colon - str) >= sizeof host)
			return -1;
		memcpy(host, str, colon - str);
		host[colon - str] = '\0';
		port = atoi(colon + 1);
	} else {
		if (strlen(str) >= sizeof host)
			return -1;
		strcpy(host, str);
	}
	if (port < 0 || port > 65535)
		return -1;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	memset(&sin, 0, sizeof sin);
	memset(&sin6, 0, sizeof sin6);
	if (inet_pton(AF_INET, host, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)port);
		if (*outlen < (int)sizeof sin)
			return -1;
		memcpy(out, &sin, sizeof sin);
		*outlen = sizeof sin;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6.sin6_addr) == 1) {
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons((uint16_t)port);
		if (*outlen < (int)sizeof sin6)
			return -1;
		memcpy(out, &sin6, sizeof sin6);
		*outlen = sizeof sin6;
		return 0;
	}
	return -1;
}

int evutil_sockaddr_cmp(const struct sockaddr *a, const struct sockaddr *b, int include_port)
{
	if (a->sa_family != b->sa_family)
		return a->sa_family - b->sa_family;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		int r = memcmp(&x->sin_addr, &y->sin_addr, sizeof x->sin_addr);
		if (r || !include_port)
			return r;
		return ntohs(x->sin_port) - ntohs(y->sin_port);
	}
	if (a->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
		int r = memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr);
		if (r || !include_port)
			return r;
		return ntohs(x->sin6_port) - ntohs(y->sin6_port);
	}
	return 1;
}
