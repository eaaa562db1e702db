/* buffer_file.c: file segments and evbuffer_add_file.
 *
 * ref reads a segment's bytes into memory once, when the segment is made (libevent maps
 * the file or sends it with sendfile; the bytes a reader sees are the same). Each range
 * added to a buffer is an evbuffer_add_reference on that memory whose cleanup drops one
 * reference to the segment, so the segment (and, with EVBUF_FS_CLOSE_ON_FREE, its fd)
 * lives until the caller has freed it and the last of its bytes has left every buffer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "buffer-internal.h"
#include "mm-internal.h"

struct evbuffer_file_segment {
	int refcnt; /* the caller's, plus one per range held by a buffer */
	int fd;
	unsigned flags;
	unsigned char *data;
	size_t length;
	evbuffer_file_segment_cleanup_cb cleanup;
	void *cleanup_arg;
};

/* Read length bytes at offset; a file shorter than asked for is an error. */
static int read_range(int fd, ev_off_t offset, unsigned char *out, size_t length)
{
	size_t done = 0;
	while (done < length) {
		ssize_t r = pread(fd, out + done, length - done, offset + (ev_off_t)done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		done += (size_t)r;
	}
	return 0;
}

struct evbuffer_file_segment *evbuffer_file_segment_new(int fd, ev_off_t offset, ev_off_t length,
							unsigned flags)
{
	if (offset < 0)
		return NULL;
	if (length < 0) { /* to the end of the file */
		struct stat st;
		if (fstat(fd, &st) != 0 || st.st_size < offset)
			return NULL;
		length = st.st_size - offset;
	}
	struct evbuffer_file_segment *seg = mm_calloc(1, sizeof *seg);
	unsigned char *data = mm_malloc(length ? (size_t)length : 1);
	if (!seg || !data || read_range(fd, offset, data, (size_t)length) != 0) {
		mm_free(seg), mm_free(data);
		return NULL;
	}
	seg->refcnt = 1;
	seg->fd = fd;
	seg->flags = flags;
	seg->data = data;
	seg->length = (size_t)length;
	return seg;
}

void evbuffer_file_segment_add_cleanup_cb(struct evbuffer_file_segment *seg,
					  evbuffer_file_segment_cleanup_cb cb, void *arg)
{
	seg->cleanup = cb;
	seg->cleanup_arg = arg;
}

void evbuffer_file_segment_free(struct evbuffer_file_segment *seg)
{
	if (!seg || --seg->refcnt > 0)
		return;
	if (seg->cleanup)
		seg->cleanup(seg, (int)seg->flags, seg->cleanup_arg);
	if (seg->flags & EVBUF_FS_CLOSE_ON_FREE)
		close(seg->fd);
	mm_free(seg->data);
	mm_free(seg);
}

/* A buffer let go of one range. */
static void range_released(const void *data, size_t len, void *arg)
{
	(void)data, (void)len;
	evbuffer_file_segment_free(arg);
}

int evbuffer_add_file_segment(struct evbuffer *buf, struct evbuffer_file_segment *seg,
			      ev_off_t offset, ev_off_t length)
{
	if (offset < 0 || (size_t)offset > seg->length)
		return -1;
	size_t avail = seg->length - (size_t)offset;
	size_t n = length < 0 || (size_t)length > avail ? avail : (size_t)length;
	seg->refcnt++;
	if (evbuffer_add_file_range_(buf, seg->data + offset, n, range_released, seg) != 0) {
		seg->refcnt--;
		return -1;
	}
	return 0;
}

/* The buffer owns the fd: a segment that closes it, released once its bytes are gone. */
int evbuffer_add_file(struct evbuffer *buf, int fd, ev_off_t offset, ev_off_t length)
{
	struct evbuffer_file_segment *seg = evbuffer_file_segment_new(fd, offset, length, EVBUF_FS_CLOSE_ON_FREE);
	if (!seg)
		return -1;
	int rc = evbuffer_add_file_segment(buf, seg, 0, -1);
	evbuffer_file_segment_free(seg);
	return rc;
}
