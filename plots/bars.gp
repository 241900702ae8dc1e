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
# A group's name under its middle: read back one row at a time. Groups
# named with parameters ("mixed: coro-ucontext (heavy_us=10000)", sixteen
# of them on 800 px) would run into each other: then a group shows its
# parameters alone (one k=v: its value, the key going to the axis label)
# and the runtime's name stands once, a line lower, under its run of groups.
set xtics scale 0 ()
_two = 0
do for [g=0:ng-1] {
    stats datafile every ::g::g using (_s = strcol(1), 0) nooutput
    if (strstrt(_s, ' (')) { _two = 1 }
}
_key = ''
if (!_two) {
    do for [g=0:ng-1] {
        stats datafile every ::g::g using (_s = strcol(1), 0) nooutput
        set xtics add (xl(_s) g)
    }
} else {
    _run = ''; _from = 0
    do for [g=0:ng] {
        _rt = ''
        if (g < ng) {
            stats datafile every ::g::g using (_s = strcol(1), 0) nooutput
            _o = strstrt(_s, ' (')
            _rt = _o ? _s[1:_o - 1] : _s
            _p = _o ? _s[_o + 2:strlen(_s) - 1] : ''
            _eq = strstrt(_p, '=')
            if (_eq && !strstrt(_p, ' ')) { _key = _p[1:_eq - 1]; _p = _p[_eq + 1:*] }
            set xtics add (_p g)
        }
        if (g == ng || _rt ne _run) {
            if (g > 0) {
                # Under a single group "coro-ucontext" is wider than its
                # room: broken after the dash.
                _d = strstrt(_run, '-')
                _lab = g - _from == 1 && _d ? _run[1:_d] . "\n" . _run[_d + 1:*] : _run
                eval sprintf("set label %d _lab at first %g, graph 0 center offset 0,-2.4", \
                             100 + g, (_from + g - 1) / 2.0)
            }
            _run = _rt; _from = g
        }
    }
}
# Room for two-line tick labels (their height is not known when gnuplot
# places the axis label, hence its offset).
set bmargin 5
set xlabel offset 0,-1
if (_two) { set bmargin 6; set xlabel offset 0,-2 }
if (_key ne '') { set xlabel xlabel . ' (the number under each group: ' . _key . ')' }
# The legend names the bars: a row between the title and the plot, where
# it never hides one.
set tmargin 5
set title offset 0,1.5
# width 2: browsers set SVG text wider than gnuplot reckons; entries must not touch.
set key at graph 0.5, graph 1.01 center bottom horizontal noopaque nobox samplen 2 width 2
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

# The error bars said once in a corner, not as a legend entry: the legend's
# row above the plot has room for the bars' names alone.
set label 2 'error bars: the median’s 95% interval' at screen 0.99, screen 0.02 right \
    font ',9' textcolor rgb '#555555'
if (_two) { set xtics font ',9' }

# Value labels: rotated, so that many narrow bars keep them apart.
# A group's bars are its runtime's colour (rc: the same in every chart);
# the bars within a group differ by fill, which the legend names in grey.
plot for [b=0:nb-1] datafile using (bx($0, b)):(column(2 + 4*b)):(hexrgb(rc(int($0)))) \
         with boxes lc rgb variable dt 1 fs pattern barpattern(b) border lc rgb '#333333' \
         notitle, \
     for [b=0:nb-1] datafile using (NaN):(NaN) with boxes lc rgb '#777777' dt 1 \
         fs pattern barpattern(b) border lc rgb '#333333' title columnheader(2 + 4*b), \
     for [b=0:nb-1] datafile using (bx($0, b)):(column(2 + 4*b)):(column(3 + 4*b)):(column(4 + 4*b)) \
         with yerrorbars lt 7 lw 1 pt 7 ps 0.3 notitle, \
     for [b=0:nb-1] datafile using (bx($0, b)):(column(4 + 4*b)):(label(column(2 + 4*b))) \
         with labels rotate by 90 left offset 0,0.4 font ',8' notitle
