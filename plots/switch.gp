# switch.gp — "Context-switch cost by runtime": pingpong's ns_per_switch.
#
# Data (plots/switch.dat, from harness/plot.c), one row per runtime:
#   "label" median min max n "params"
# A bar is the median over n repetitions; the error bar spans min to max.
# The y axis is logarithmic: a kernel switch between threads costs
# microseconds, a coroutine switch nanoseconds, and both must stay readable.

_d = ARG0; _i = strlen(_d)
while (_i > 0 && _d[_i:_i] ne '/') { _i = _i - 1 }
load (_i > 0 ? _d[1:_i] : '').'common.gp'

stats datafile using 3 nooutput
n = STATS_records
lo = STATS_min
stats datafile using 4 nooutput
hi = STATS_max

set title "Context-switch cost by runtime" font ',13'
set xlabel "runtime" offset 0,-1
set ylabel "ns per switch (log scale)"
set logscale y
set format y '%g'
# Room above the tallest error bar for its value label, and below the
# smallest bar so it does not vanish into the axis.
set yrange [lo / 3 : hi * 4]
set xrange [-0.6 : n - 0.4]
set xtics scale 0
# Room for two-line tick labels (their height is not known when gnuplot
# places the axis label, hence its offset).
set bmargin 5
set boxwidth 0.6
set style fill solid 0.35 border lc rgb '#000000'
set key top right

plot datafile using 0:2:xtic(xl(strcol(1))) with boxes lt 1 title "median", \
     '' using 0:2:3:4 with yerrorbars lt 7 lw 1.5 pt 7 ps 0.4 title "min - max", \
     '' using 0:4:(label($2)) with labels offset 0,0.8 notitle
