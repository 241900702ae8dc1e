/* main.c — the concbench binary; everything else lives in the harness
 * library so that tests can call it. */
#include "cli.h"

int main(int argc, char **argv)
{
	return h_main(argc, argv);
}
