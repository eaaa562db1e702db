/* bev_repro.h: bufferevent_tape's C writer (bev_repro.c), called as the tape decodes. */
#ifndef BEVCONF_BEV_REPRO_H
#define BEVCONF_BEV_REPRO_H

#include <stddef.h>

/* A tape of tape_len bytes starts; 1 when a reproducer is being written (BEVCONF_FUZZ_REPRO):
 * only then need the caller describe its steps. */
int repro_begin(size_t tape_len);
/* It sets up with setup(setup_text). */
void repro_setup(const char *setup_text);
/* Step n, operation code on slot i, is the call fmt says (printf-style). */
void repro_step(int n, int code, int i, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The tape ran to its end (teardown() included). */
void repro_end(void);

#endif
