/* event2/event-config.h (ref): what libevent's configure script records about the system it
 * was built on, for the programs that look (libevent's sample programs include this file
 * and test EVENT__HAVE_SYS_TIME_H). ref builds on Linux only, so the answers are fixed;
 * only the commonly tested ones are here, and the version is the API's. */
#ifndef REF_EVENT2_EVENT_CONFIG_H
#define REF_EVENT2_EVENT_CONFIG_H

#define EVENT__HAVE_SYS_TYPES_H 1
#define EVENT__HAVE_SYS_TIME_H 1
#define EVENT__HAVE_SYS_SOCKET_H 1
#define EVENT__HAVE_NETINET_IN_H 1
#define EVENT__HAVE_NETDB_H 1
#define EVENT__HAVE_UNISTD_H 1
#define EVENT__HAVE_FCNTL_H 1
#define EVENT__HAVE_STDINT_H 1
#define EVENT__HAVE_INTTYPES_H 1
#define EVENT__HAVE_STDARG_H 1
#define EVENT__HAVE_EPOLL 1
#define EVENT__HAVE_POLL 1
#define EVENT__HAVE_PTHREADS 1

#define EVENT__VERSION "2.1.12-stable"
#define EVENT__NUMERIC_VERSION 0x02010c00

#endif
