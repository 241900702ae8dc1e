# bars.gp — grouped bars: one group per runtime series, one bar per setting.
# Draws switch and switch_pipes (a bar per placement), mixed (light and
# heavy requests' p99) and file (page cache and device).
#
# Data (plots/NAME.dat, from harness/plot.c): a header row naming the bars,
# then one row per group:
#   group "same-core" lo hi n "cross-core" lo hi n
#   "threads" 3169 3147 3190 3 42270 40916 43625 3
# A bar is the median over n repetitions; its error bar spans the median's 95% interval (min to max without one).
# NaN leaves a gap: not measured (pool on same-core deadlocks by design).
# Knobs (-e): title, xlabel, ylabel; logy '1', '0' or 'auto' (the default:
# log when the values span more than 20x). switch is always log: a kernel
# switch between threads costs microseconds, a coroutine's nanoseconds, and
# both must stay readable.

_d = ARG0; _i = strlen(_d)
while (_i > 0 && _d[_i:_i] ne '/') { _i = _i - 1 }
load (_i > 0 ? _d[1:_i] : '').'common.gp'
if (!exists("logy")) logy = 'auto'

# The first row names the bars (columnheader), the rest are groups.
set datafile columnheaders
stats datafile using 0 nooutput
ng = STATS_records
nb = int((STATS_columns - 1) / 4)
# The range over every bar's min and max (each bar has a value somewhere:
# plot.c writes only bars the run measured).
lo = 1e300; hi = -1e300; gaps = 0
do for [b=0:nb-1] {
    stats datafile using (column(3 + 4*b)) nooutput
    lo = STATS_min < lo ? STATS_min : lo
    gaps = gaps + STATS_invalid
    stats datafile using (column(4 + 4*b)) nooutput
    hi = STATS_max > hi ? STATS_max : hi
}

# Bars of a group share 0.8 of a unit, centred on the group's x.
w = 0.8 / nb
bx(g, b) = g - 0.4 + (b + 0.5) * w
set boxwidth w * 0.9 absolute
set style fill solid 1.0 border lc rgb '#333333'

set xrange [-0.6 : ng - 0.4]
# A group's name under its middle: read back one row at a time.
set xtics scale 0 ()
do for [g=0:ng-1] {
    stats datafile every ::g::g using (_s = strcol(1), 0) nooutput
    set xtics add (xl(_s) g)
}
# Room for two-line tick labels (their height is not known when gnuplot
# places the axis label, hence its offset).
set bmargin 5
set xlabel offset 0,-1
# The legend names the bars: a row between the title and the plot, where
# it never hides one.
set tmargin 5
set title offset 0,1.5
set key at graph 0.5, graph 1.01 center bottom horizontal noopaque nobox samplen 2
if (uselog(logy, lo, hi)) {
    set logscale y
    set ylabel logged(ylabel)
    set format y '%g'
    # Room above the tallest error bar for its value, below the smallest
    # bar so it does not vanish into the axis.
    set yrange [lo / 3 : hi * 8]
} else {
    set yrange [0 : hi * 1.2]
}

# A gap must not read as "zero" or as a drawing fault.
if (gaps > 0) {
    set bmargin 6
    set label 1 'no bar: no successful measurement (a failed cell: see results.jsonl)' \
        at screen 0.01, screen 0.02 left font ',9' textcolor rgb '#555555'
}

# Value labels: rotated, so that many narrow bars keep them apart.
plot for [b=0:nb-1] datafile using (bx($0, b)):(column(2 + 4*b)) \
         with boxes lt (b + 1) dt 1 fs pattern barpattern(b) border lc rgb '#333333' \
         title columnheader(2 + 4*b), \
     for [b=0:nb-1] datafile using (bx($0, b)):(column(2 + 4*b)):(column(3 + 4*b)):(column(4 + 4*b)) \
         with yerrorbars lt 7 lw 1 pt 7 ps 0.3 title (b == 0 ? 'min - max' : ''), \
     for [b=0:nb-1] datafile using (bx($0, b)):(column(4 + 4*b)):(label(column(2 + 4*b))) \
         with labels rotate by 90 left offset 0,0.4 font ',8' notitle
