/* event2/event_compat.h (ref): the pre-2.0 calls that work on one global "current" base. */
#ifndef REF_EVENT2_EVENT_COMPAT_H
#define REF_EVENT2_EVENT_COMPAT_H

#include <event2/event.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A new base, which also becomes the current base. */
struct event_base *event_init(void);
/* event_base_dispatch / event_base_loop / loopexit / loopbreak on the current base. */
int event_dispatch(void);
int event_loop(int flags);
int event_loopexit(const struct timeval *tv);
int event_loopbreak(void);

#ifdef __cplusplus
}
#endif
#endif
