/* mm-internal.h: ref's allocator. Every allocation ref makes goes through these, so that
 * event_set_mem_functions (mm.c) sees all of it, e.g. to make allocation fail on demand. */
#ifndef REF_MM_INTERNAL_H
#define REF_MM_INTERNAL_H

#include <stddef.h>

void *mm_malloc(size_t n);
void *mm_calloc(size_t count, size_t size);
void *mm_realloc(void *p, size_t n);
void mm_free(void *p);

#endif
