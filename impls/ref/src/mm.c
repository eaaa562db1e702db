/* mm.c: event_set_mem_functions and the allocator every ref module calls (mm-internal.h).
 * Without replacements these are libc's malloc, realloc and free. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "mm-internal.h"

static void *(*user_malloc)(size_t);
static void *(*user_realloc)(void *, size_t);
static void (*user_free)(void *);

void event_set_mem_functions(void *(*malloc_fn)(size_t), void *(*realloc_fn)(void *, size_t),
			     void (*free_fn)(void *))
{
	user_malloc = malloc_fn;
	user_realloc = realloc_fn;
	user_free = free_fn;
}

void *mm_malloc(size_t n)
{
	return user_malloc ? user_malloc(n) : malloc(n);
}

/* Built on the malloc hook, since there is no calloc hook. */
void *mm_calloc(size_t count, size_t size)
{
	if (count && size > SIZE_MAX / count) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = mm_malloc(count * size);
	if (p)
		memset(p, 0, count * size);
	return p;
}

void *mm_realloc(void *p, size_t n)
{
	return user_realloc ? user_realloc(p, n) : realloc(p, n);
}

void mm_free(void *p)
{
	if (user_free)
		user_free(p);
	else
		free(p);
}
