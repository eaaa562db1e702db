/* event2/buffer_compat.h (ref): obsolete evbuffer calls kept for old programs. */
#ifndef REF_EVENT2_BUFFER_COMPAT_H
#define REF_EVENT2_BUFFER_COMPAT_H

#include <event2/buffer.h>

/* readln with EVBUFFER_EOL_ANY. */
char *evbuffer_readline(struct evbuffer *buffer);
/* Oldest search: the first match of what[0..len) or NULL. */
unsigned char *evbuffer_find(struct evbuffer *buffer, const unsigned char *what, size_t len);

/* The obsolete single callback: told the lengths before and after each change. */
typedef void (*evbuffer_cb)(struct evbuffer *buffer, size_t old_len, size_t new_len, void *arg);
/* Removes every callback of the buffer and installs cb (none if cb is NULL). */
int evbuffer_setcb(struct evbuffer *buffer, evbuffer_cb cb, void *cbarg);

#define EVBUFFER_LENGTH(x) evbuffer_get_length(x)
#define EVBUFFER_DATA(x) evbuffer_pullup((x), -1)

#endif
