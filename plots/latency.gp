# latency.gp — the latency percentile spectrum (HdrHistogram's chart), one
# line per runtime series at one connection count. Draws latency_echo and
# latency_http.
#
# x is 1/(1-p): p50 at 2, p90 at 10, p99 at 100, p99.9 at 1000, so on a log
# axis every "nine" gets the same room and the tail, where the runtimes
# differ, is not squeezed into the right edge.
#
# Data (plots/NAME.dat, from harness/plot.c): one block per series, two
# blank lines apart; the header names the series over the median column:
#   x "threads" lo hi n percentile
#   100 2138 2001 2300 3 p99_us
# Knobs (-e): title, xlabel, ylabel.

_d = ARG0; _i = strlen(_d)
while (_i > 0 && _d[_i:_i] ne '/') { _i = _i - 1 }
load (_i > 0 ? _d[1:_i] : '').'common.gp'

stats datafile using 1 nooutput
nb = STATS_blocks
xmax = STATS_max
stats datafile using 2 nooutput
ylo = STATS_min
yhi = STATS_max

set logscale xy
set xrange [1.6 : (xmax > 100 ? xmax : 100) * 1.6]
set yrange [ylo / 1.5 : yhi * 1.5]
_ax = 'y'; _lo = ylo / 1.5; _hi = yhi * 1.5; @ticks125
# A tick label is a format: a percent sign is written %%.
set xtics ('50%%' 2, '90%%' 10, '99%%' 100, '99.9%%' 1000, '99.99%%' 10000)
set xtics add ('' 4 1, '' 20 1)
set format y (ylo >= 1 && yhi >= 1e5 ? '%.0s%c' : '%g')
set grid xtics ytics lt 1 lc rgb '#dddddd' lw 1 dt solid
# The legend below, not beside: the plot and its title (which can carry
# a note on the tail) get the chart's whole width.
set key outside center bottom horizontal Left reverse maxcols 3 nobox noopaque
set bmargin 8
set xlabel offset 0,0.5

plot for [i=0:nb-1] datafile index i using 1:2 with linespoints lt (i + 1) lc rgb rc(i) \
     title columnheader(2)
