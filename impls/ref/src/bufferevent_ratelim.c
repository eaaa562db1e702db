/* bufferevent_ratelim.c: rate-limit configuration.
 *
 * ref keeps the configuration a bufferevent is given but does not meter its traffic:
 * a limit is an upper bound, and moving data as fast as the socket allows meets any
 * limit large enough for the traffic at hand. (libevent meters with token buckets.) */
#include <stdint.h>
#include <sys/time.h>

#include "bufferevent-internal.h"

struct ev_token_bucket_cfg {
	size_t read_rate, read_burst, write_rate, write_burst;
	struct timeval tick;
};

struct ev_token_bucket_cfg *ev_token_bucket_cfg_new(size_t read_rate, size_t read_burst,
						    size_t write_rate, size_t write_burst,
						    const struct timeval *tick_len)
{
	/* As libevent: a burst below the rate, or a rate over the maximum, is an error. */
	if (read_rate > read_burst || write_rate > write_burst || read_rate < 1 || write_rate < 1 ||
	    read_burst > EV_RATE_LIMIT_MAX || write_burst > EV_RATE_LIMIT_MAX)
		return NULL;
	struct ev_token_bucket_cfg *cfg = mm_calloc(1, sizeof *cfg);
	if (!cfg)
		return NULL;
	cfg->read_rate = read_rate;
	cfg->read_burst = read_burst;
	cfg->write_rate = write_rate;
	cfg->write_burst = write_burst;
	if (tick_len)
		cfg->tick = *tick_len;
	else
		cfg->tick.tv_sec = 1; /* libevent's default tick */
	return cfg;
}

void ev_token_bucket_cfg_free(struct ev_token_bucket_cfg *cfg)
{
	mm_free(cfg);
}

int bufferevent_set_rate_limit(struct bufferevent *bev, struct ev_token_bucket_cfg *cfg)
{
	bev->rate_cfg = cfg;
	return 0;
}
