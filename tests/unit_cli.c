/* unit_cli: the top-level help is written by hand, for its layout, and the
 * command table is what h_main runs: every command the table offers (all
 * but the other spellings, --help, -h, version, --version) must have its
 * line in the help's command list. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli/cli.h"
#include "tests/check.h"

/* Whether the "commands:" part of help has a line for name. */
static int help_lists(const char *help, const char *name)
{
	const char *from = strstr(help, "\ncommands:\n"), *to = strstr(help, "\noptions:\n");
	if (!from || !to || to < from)
		return 0;
	char line[64];
	snprintf(line, sizeof line, "\n  %s ", name);
	const char *at = strstr(from, line);
	return at && at < to;
}

int main(void)
{
	char *help = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&help, &len);
	CHECK(f != NULL);
	if (!f)
		return 1;
	cli_usage(f);
	fclose(f);

	/* The check itself, on a name that is not there. */
	CHECK(!help_lists(help, "frobnicate"));
	CHECK(help_lists(help, "run"));

	int listed = 0;
	for (const struct cli_command *c = cli_commands; c->name; c++) {
		if (c->unlisted)
			continue;
		listed++;
		if (!help_lists(help, c->name))
			fprintf(stderr, "command '%s' is missing from concbench --help\n", c->name);
		CHECK(help_lists(help, c->name));
	}
	CHECK(listed >= 7);
	free(help);
	return failures ? 1 : 0;
}
