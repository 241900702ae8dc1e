/* The runtime registry (libevent's eventops[] style): adding a runtime is one
 * folder plus one line here. */
#include <string.h>

#include "runtime.h"

extern const struct runtime rt_threads, rt_pool, rt_epoll, rt_coro, rt_coro_ucontext, rt_steal,
	rt_coro_steal, rt_uring, rt_uv, rt_omp;

/* A test build compiles this file again with CB_EXTRA_RUNTIME and a
 * runtime of its own (tests/extra_runtime.c): the harness must handle one
 * it does not know by name. */
#ifdef CB_EXTRA_RUNTIME
extern const struct runtime rt_extra;
#endif

const struct runtime *const rt_registry[] = {
	&rt_threads, &rt_pool, &rt_epoll, &rt_coro, &rt_coro_ucontext, &rt_steal, &rt_coro_steal,
	&rt_uring, &rt_uv, &rt_omp,
#ifdef CB_EXTRA_RUNTIME
	&rt_extra,
#endif
	NULL,
};

const struct runtime *rt_find(const char *name)
{
	for (const struct runtime *const *r = rt_registry; *r; r++)
		if (strcmp((*r)->name, name) == 0)
			return *r;
	return NULL;
}
