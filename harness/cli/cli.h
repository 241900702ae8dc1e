/* cli.h — the top layer: the command table and the options every command
 * shares. main.c calls h_main and nothing else. Uses measure/, analysis/
 * and base/; nothing includes this header but main.c and the CLI tests. */
#ifndef CONCBENCH_CLI_H
#define CONCBENCH_CLI_H

#if defined(CB_LAYER_BASE) || defined(CB_LAYER_MEASURE) || defined(CB_LAYER_ANALYSIS)
#error "cli.h: only the cli layer includes it"
#endif

#define H_VERSION "0.1.0"

int h_main(int argc, char **argv);

#endif
