/* event2/util.h (ref): portable types and small socket helpers, named as in libevent 2.1. */
#ifndef REF_EVENT2_UTIL_H
#define REF_EVENT2_UTIL_H

#include <event2/event-config.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <sys/types.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <inttypes.h>
#include <netdb.h>
#include <time.h>
#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int evutil_socket_t;
#define EVUTIL_INVALID_SOCKET (-1)

typedef uint64_t ev_uint64_t;
typedef int64_t ev_int64_t;
typedef uint32_t ev_uint32_t;
typedef int32_t ev_int32_t;
typedef uint16_t ev_uint16_t;
typedef int16_t ev_int16_t;
typedef uint8_t ev_uint8_t;
typedef int8_t ev_int8_t;
typedef uintptr_t ev_uintptr_t;
typedef intptr_t ev_intptr_t;
typedef ssize_t ev_ssize_t;
typedef off_t ev_off_t;
typedef socklen_t ev_socklen_t;

#define EV_UINT64_MAX UINT64_MAX
#define EV_INT64_MAX INT64_MAX
#define EV_INT64_MIN INT64_MIN
#define EV_UINT32_MAX UINT32_MAX
#define EV_INT32_MAX INT32_MAX
#define EV_INT32_MIN INT32_MIN
#define EV_UINT16_MAX UINT16_MAX
#define EV_INT16_MAX INT16_MAX
#define EV_INT16_MIN INT16_MIN
#define EV_UINT8_MAX UINT8_MAX
#define EV_INT8_MAX INT8_MAX
#define EV_INT8_MIN INT8_MIN
#define EV_SIZE_MAX SIZE_MAX
#define EV_SSIZE_MAX SSIZE_MAX
#define EV_SSIZE_MIN (-SSIZE_MAX - 1)

/* Sockets: errno is the socket error on Unix. */
#define EVUTIL_SOCKET_ERROR() (errno)
#define EVUTIL_SET_SOCKET_ERROR(e) do { errno = (e); } while (0)
#define evutil_socket_geterror(sock) (errno)
const char *evutil_socket_error_to_string(int errcode);

int evutil_make_socket_nonblocking(evutil_socket_t sock);
int evutil_make_socket_closeonexec(evutil_socket_t sock);
int evutil_make_listen_socket_reuseable(evutil_socket_t sock);
int evutil_make_listen_socket_reuseable_port(evutil_socket_t sock);
int evutil_make_tcp_listen_socket_deferred(evutil_socket_t sock);
int evutil_closesocket(evutil_socket_t sock);
#define EVUTIL_CLOSESOCKET(s) evutil_closesocket(s)
int evutil_socketpair(int d, int type, int protocol, evutil_socket_t sv[2]);

/* Time. */
int evutil_gettimeofday(struct timeval *tv, struct timezone *tz);
#define evutil_timeradd(tvp, uvp, vvp) timeradd((tvp), (uvp), (vvp))
#define evutil_timersub(tvp, uvp, vvp) timersub((tvp), (uvp), (vvp))
#define evutil_timerclear(tvp) timerclear(tvp)
#define evutil_timerisset(tvp) timerisset(tvp)
#define evutil_timercmp(tvp, uvp, cmp) timercmp((tvp), (uvp), cmp)

/* Strings and numbers. */
ev_int64_t evutil_strtoll(const char *s, char **endptr, int base);
int evutil_snprintf(char *buf, size_t buflen, const char *format, ...)
	__attribute__((format(printf, 3, 4)));
int evutil_vsnprintf(char *buf, size_t buflen, const char *format, va_list ap);
int evutil_ascii_strcasecmp(const char *str1, const char *str2);
int evutil_ascii_strncasecmp(const char *str1, const char *str2, size_t n);

/* Addresses. */
const char *evutil_inet_ntop(int af, const void *src, char *dst, size_t len);
int evutil_inet_pton(int af, const char *src, void *dst);
int evutil_parse_sockaddr_port(const char *str, struct sockaddr *out, int *outlen);
int evutil_sockaddr_cmp(const struct sockaddr *sa1, const struct sockaddr *sa2, int include_port);

/* Name lookup: thin wrappers over the system getaddrinfo. As in libevent on a system that
 * has struct addrinfo, evutil_addrinfo is that structure and the EVUTIL_EAI_* / EVUTIL_AI_*
 * values are the system's where it defines them (libevent's fallbacks otherwise). */
#define evutil_addrinfo addrinfo
#ifdef EAI_ADDRFAMILY
#define EVUTIL_EAI_ADDRFAMILY EAI_ADDRFAMILY
#else
#define EVUTIL_EAI_ADDRFAMILY -901
#endif
#define EVUTIL_EAI_AGAIN EAI_AGAIN
#define EVUTIL_EAI_BADFLAGS EAI_BADFLAGS
#define EVUTIL_EAI_FAIL EAI_FAIL
#define EVUTIL_EAI_FAMILY EAI_FAMILY
#define EVUTIL_EAI_MEMORY EAI_MEMORY
#ifdef EAI_NODATA
#define EVUTIL_EAI_NODATA EAI_NODATA
#else
#define EVUTIL_EAI_NODATA -907
#endif
#define EVUTIL_EAI_NONAME EAI_NONAME
#define EVUTIL_EAI_SERVICE EAI_SERVICE
#define EVUTIL_EAI_SOCKTYPE EAI_SOCKTYPE
#define EVUTIL_EAI_SYSTEM EAI_SYSTEM
#define EVUTIL_EAI_CANCEL -90001 /* a pending lookup was cancelled */
#define EVUTIL_AI_PASSIVE AI_PASSIVE
#define EVUTIL_AI_CANONNAME AI_CANONNAME
#define EVUTIL_AI_NUMERICHOST AI_NUMERICHOST
#define EVUTIL_AI_NUMERICSERV AI_NUMERICSERV
#define EVUTIL_AI_V4MAPPED AI_V4MAPPED
#define EVUTIL_AI_ALL AI_ALL
#define EVUTIL_AI_ADDRCONFIG AI_ADDRCONFIG
int evutil_getaddrinfo(const char *nodename, const char *servname,
		       const struct evutil_addrinfo *hints_in, struct evutil_addrinfo **res);
void evutil_freeaddrinfo(struct evutil_addrinfo *ai);
const char *evutil_gai_strerror(int err);

#define evutil_offsetof(type, field) offsetof(type, field)

#ifdef __cplusplus
}
#endif
#endif
