/* The runtime registry (libevent's eventops[] style): adding a runtime is one
 * folder plus one line here. */
#include <string.h>

#include "runtime.h"

extern const struct runtime rt_threads, rt_pool, rt_epoll, rt_coro, rt_coro_ucontext;

const struct runtime *const rt_registry[] = {
	&rt_threads, &rt_pool, &rt_epoll, &rt_coro, &rt_coro_ucontext, NULL,
};

const struct runtime *rt_find(const char *name)
{
	for (const struct runtime *const *r = rt_registry; *r; r++)
		if (strcmp((*r)->name, name) == 0)
			return *r;
	return NULL;
}
