# conns.gp — a server against its connection count: throughput above, p99
# latency below, and with fair=1 the connections' fairness at the bottom
# (Jain's index over the requests each connection got in the window: 1 all
# alike, 0.01 one of 100 served, as on a pool with fewer workers than
# connections), one line per runtime series in each. Draws conns_echo and
# conns_http. Panels rather than several y axes: each line then has one
# scale, and the chart reads in grayscale by dash and point shape alone.
#
# Data (plots/NAME.dat, from harness/plot.c): one block per series, two
# blank lines apart; the header row names the series over column 2:
#   conns "epoll (loops=2)" lo hi n p99_us lo hi n fairness lo hi n
#   100 95826 95000 96100 3 6275 6100 6400 3 1 1 1 3
# Each figure is the median over n repetitions; error bars span its 95% interval
# (min to max without one).
# fairness is NaN in runs made before it was measured (then fair is unset).
# Knobs (-e): title, xlabel, fair.

fair = exists("fair") ? fair : 0
height = fair ? 860 : 640
_d = ARG0; _i = strlen(_d)
while (_i > 0 && _d[_i:_i] ne '/') { _i = _i - 1 }
load (_i > 0 ? _d[1:_i] : '').'common.gp'

stats datafile using 1 nooutput
nb = STATS_blocks
xmin = STATS_min
xmax = STATS_max
stats datafile using 3 nooutput
tlo = STATS_min
stats datafile using 4 nooutput
thi = STATS_max
stats datafile using 7 nooutput
plo = STATS_min
stats datafile using 8 nooutput
phi = STATS_max

set title ''
set multiplot title title font ',13'
# Both panels share their left and right edges, so x lines up; the legend
# sits in the space to the right of the top one.
set lmargin at screen 0.12
set rmargin at screen (slide ? 0.70 : 0.74)
set logscale x
set xrange [xmin / 1.5 : xmax * 1.5]
set format x '%g'
_ax = 'x'; _lo = xmin / 1.5; _hi = xmax * 1.5; @ticks125
# One connection count: its own tick, as no decade falls near it.
if (xmin == xmax) { set xtics add (xmin) }
set grid xtics ytics lt 1 lc rgb '#dddddd' lw 1 dt solid

# Panel edges (screen fractions), top to bottom.
t1 = 0.90; b1 = fair ? 0.66 : 0.55
t2 = fair ? 0.63 : 0.50; b2 = fair ? 0.39 : 0.12
t3 = 0.36; b3 = 0.09
set tmargin at screen t1
set bmargin at screen b1
set xlabel ''
set format x ''
if (uselog('auto', tlo, thi)) {
    set ylabel 'throughput (req/s, log scale)'
    set logscale y
    set yrange [tlo / 1.5 : thi * 1.5]
    _ax = 'y'; _lo = tlo / 1.5; _hi = thi * 1.5; @ticks125
} else {
    set ylabel 'throughput (req/s)'
    set yrange [0 : thi * 1.1]
}
set format y '%.0s%c'
set key at screen (slide ? 0.72 : 0.76), screen 0.90 left top Left reverse
plot for [i=0:nb-1] datafile index i using 1:2:3:4 with yerrorlines lt (i + 1) lc rgb rc(i) \
     title columnheader(2)

set tmargin at screen t2
set bmargin at screen b2
set xlabel (fair ? '' : xlabel)
set format x (fair ? '' : '%g')
set ylabel 'p99 latency (µs, log scale)'
# The top panel's added ticks must not carry over.
unset ytics
set ytics nomirror out
set logscale y
set yrange [plo / 1.5 : phi * 1.5]
_ax = 'y'; _lo = plo / 1.5; _hi = phi * 1.5; @ticks125
set format y (plo >= 1 && phi >= 1e5 ? '%.0s%c' : '%g')
unset key
plot for [i=0:nb-1] datafile index i using 1:6:7:8 with yerrorlines lt (i + 1) lc rgb rc(i)

if (fair) {
    set tmargin at screen t3
    set bmargin at screen b3
    set xlabel xlabel
    set format x '%g'
    set ylabel "fairness (Jain's index)"
    unset logscale y
    unset ytics
    set ytics nomirror out 0, 0.25, 1
    set yrange [0 : 1.08]
    set format y '%g'
    plot for [i=0:nb-1] datafile index i using 1:10:11:12 with yerrorlines lt (i + 1) lc rgb rc(i)
}
unset multiplot
