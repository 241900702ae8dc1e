/* main.c — the concbench binary; everything else lives in the cb_harness
 * library so that tests can call it. */
#include "core.h"

int main(int argc, char **argv)
{
	return h_main(argc, argv);
}
