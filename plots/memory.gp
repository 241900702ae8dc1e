# memory.gp — "Memory per task by runtime": sleep's mem_per_task_kib.
#
# Data (plots/memory.dat, from harness/plot.c): one block per runtime,
# separated by two blank lines. Each block's header row names the runtime
# over its median column; then one row per task count:
#   tasks "label" min max n
#   1000 21.3 20.1 22.0 5
# Several task counts: one line per runtime on log-log axes (memory per task
# should flatten as the fixed cost of the process is spread out). A single
# task count: one bar per runtime.

_d = ARG0; _i = strlen(_d)
while (_i > 0 && _d[_i:_i] ne '/') { _i = _i - 1 }
load (_i > 0 ? _d[1:_i] : '').'common.gp'

stats datafile using 1 nooutput
nb = STATS_blocks
tmin = STATS_min
tmax = STATS_max
stats datafile using 4 nooutput
ymax = STATS_max

set title "Memory per task by runtime" font ',13'
set ylabel "memory per task (KiB)"

if (tmin < tmax) {
    set xlabel "concurrent tasks"
    set logscale xy
    set xrange [tmin / 1.5 : tmax * 1.5]
    set format x '%g'
    set format y '%g'
    # Lines can run anywhere: the legend goes beside the plot, not over it.
    set key outside right top Left reverse
    plot for [i=0:nb-1] datafile index i using 1:2:3:4 with yerrorlines lt (i+1) \
         title columnheader(2)
} else {
    set xlabel sprintf("runtime (%g concurrent tasks)", tmin) offset 0,-1
    set xrange [-0.6 : nb - 0.4]
    set yrange [0 : ymax * 1.15]
    set xtics scale 0
    # Room for two-line tick labels (their height is not known when gnuplot
    # places the axis label, hence its offset).
    set bmargin 5
    set boxwidth 0.6
    set style fill solid 0.35 border lc rgb '#000000'
    set key top right
    # One block per runtime, one row each: block i is the bar at x = i.
    plot for [i=0:nb-1] datafile index i using (i):2:xtic(xl(columnheader(2))) with boxes lt 1 \
         title (i == 0 ? "median" : ""), \
         for [i=0:nb-1] datafile index i using (i):2:3:4 with yerrorbars lt 7 lw 1.5 pt 7 ps 0.4 \
         title (i == 0 ? "min - max" : ""), \
         for [i=0:nb-1] datafile index i using (i):4:(label($2)) with labels \
         offset 0,0.8 notitle
}
