/* evutil_addr.c: evutil_getaddrinfo and friends, thin wrappers over the system resolver
 * (ref has no resolver of its own; evutil_addrinfo is struct addrinfo, and the
 * EVUTIL_EAI_* codes are the system's EAI_* ones). */
#include <netdb.h>
#include <string.h>

#include <event2/util.h>

int evutil_getaddrinfo(const char *nodename, const char *servname,
		       const struct evutil_addrinfo *hints, struct evutil_addrinfo **res)
{
	return getaddrinfo(nodename, servname, hints, res);
}

void evutil_freeaddrinfo(struct evutil_addrinfo *ai)
{
	if (ai)
		freeaddrinfo(ai);
}

const char *evutil_gai_strerror(int err)
{
	if (err == EVUTIL_EAI_CANCEL)
		return "Request canceled"; /* ours: the system resolver has no such code */
	return gai_strerror(err);
}
