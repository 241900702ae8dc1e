# lines.gp — y against a numeric x, one line per runtime series. Draws
# sleep_tasks (wall time against task count), sleep_overlap (wall time
# against the wait, with the ideal y = x) and efficiency (against task size,
# with the 50% line).
#
# Data (plots/NAME.dat, from harness/plot.c): one block per series, two
# blank lines apart. Each block's header row names the series over its
# median column; then one row per x value:
#   tasks "threads" lo hi n
#   1000 21.3 20.1 22.0 5
# A point is the median over n repetitions; its error bar spans the median's 95% interval (min to max without one).
# Knobs (-e, all optional besides the common ones):
#   logx, logy     '1', '0' or 'auto' (the default: log when the data spans
#                  more than 20x)
#   ymin           where a linear y axis starts (efficiency: 0)
#   ymaxmin        the y axis reaches at least this (efficiency: 110, so the
#                  100% mark always shows)
#   hline, hlabel  a dotted horizontal reference line and its legend entry
#   diag           a dashed y = x line, titled with diag's text
#   keybelow       the legend below the plot, not beside it

_d = ARG0; _i = strlen(_d)
while (_i > 0 && _d[_i:_i] ne '/') { _i = _i - 1 }
load (_i > 0 ? _d[1:_i] : '').'common.gp'
if (!exists("logx")) logx = 'auto'
if (!exists("logy")) logy = 'auto'

stats datafile using 1 nooutput
nb = STATS_blocks
xmin = STATS_min
xmax = STATS_max
stats datafile using 3 nooutput
ylo = STATS_min
stats datafile using 4 nooutput
yhi = STATS_max
# The ideal line must fit too: it is the point of the chart.
if (exists("diag")) {
    ylo = xmin < ylo ? xmin : ylo
    yhi = xmax > yhi ? xmax : yhi
}
if (exists("ymaxmin")) { yhi = yhi < ymaxmin ? ymaxmin : yhi }

# y = x is straight only when both axes are alike: one wide axis makes both log.
if (exists("diag") && (uselog(logx, xmin, xmax) || uselog(logy, ylo, yhi))) {
    logx = '1'; logy = '1'
}
if (uselog(logx, xmin, xmax)) {
    set logscale x
    set xlabel logged(xlabel)
    set xrange [xmin / 1.5 : xmax * 1.5]
    _ax = 'x'; _lo = xmin / 1.5; _hi = xmax * 1.5; @ticks125
    # One x value: its own tick, as no decade may fall near it.
    if (xmin == xmax) { set xtics add (xmin) }
} else {
    set xrange [0 : xmax * 1.08]
}
set format x '%g'
# Five-digit tick labels on a linear axis run into each other: 20k, 40k.
if (!uselog(logx, xmin, xmax) && xmax >= 10000) { set format x '%.0s%c' }
if (uselog(logy, ylo, yhi)) {
    set logscale y
    set ylabel logged(ylabel)
    set yrange [ylo / 1.5 : yhi * 1.5]
    _ax = 'y'; _lo = ylo / 1.5; _hi = yhi * 1.5; @ticks125
    # 1M, not 1e+06 (and no SI prefix below 1, where m would be milli).
    set format y (ylo >= 1 && yhi >= 1e5 ? '%.0s%c' : '%g')
} else {
    set yrange [(exists("ymin") ? ymin : 0) : yhi * 1.08]
}
set grid xtics ytics lt 1 lc rgb '#dddddd' lw 1 dt solid
# Lines can run anywhere: the legend goes beside the plot, not over it.
set key outside right top Left reverse
# Long legend entries (load: each runtime's capacity) would squeeze the plot
# into the left half: below it instead, two a row.
if (exists("keybelow")) { set key outside center bottom horizontal Left reverse maxcols 2 nobox noopaque; set bmargin 8; set xlabel offset 0,0.5 }
set samples 200

plot for [i=0:nb-1] datafile index i using 1:2:3:4 with yerrorlines lt (i + 1) lc rgb rc(i) \
         title columnheader(2), \
     (exists("diag") ? x : NaN) with lines lc rgb '#000000' lw 1.5 dt (8, 6) \
         title (exists("diag") ? diag : ''), \
     (exists("hline") ? hline : NaN) with lines lc rgb '#555555' lw 1.5 dt 3 \
         title (exists("hlabel") ? hlabel : '')
