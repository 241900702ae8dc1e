/* The workload registry: adding a workload is one file plus one line here. */
#include <string.h>

#include "workload.h"

extern const struct workload wl_cpu, wl_sleep, wl_pingpong, wl_pipepingpong, wl_file, wl_echo,
	wl_http, wl_mixed;

const struct workload *const wl_registry[] = {
	&wl_cpu, &wl_sleep, &wl_pingpong, &wl_pipepingpong, &wl_file, &wl_echo, &wl_http, &wl_mixed,
	NULL,
};

const struct workload *wl_find(const char *name)
{
	for (const struct workload *const *w = wl_registry; *w; w++)
		if (strcmp((*w)->name, name) == 0)
			return *w;
	return NULL;
}
