# memory.gp — memory per waiting task (the sleep workload), user and
# kernel stacked.
#
# Data (plots/memory.dat, from harness/plot.c): one block per runtime series,
# two blank lines apart; one row per task count:
#   tasks "threads" lo hi n mem_kernel_kib_per_task lo hi n label slope_user slope_kernel
#   1000 8.5 8.4 8.6 3 26.6 26.5 26.7 3 "threads" 8.42 26.6
# Columns 2-5: user memory (RSS growth) per task, 6-9: the kernel's (stacks,
# page tables, slab), each the median over n repetitions with min and max;
# then the series' name and its slopes from fits.csv (KiB per task, NaN
# without a sweep).
#
# A point is the memory grown over the run divided by its tasks (total ÷
# tasks), fixed costs included; a slope is what one more task adds, which
# the points approach from above as the fixed costs spread thin. The chart
# plots the first and says so in its legend; the report gives the slopes in
# its text (the two differ most at few tasks: epoll's 100 tasks show the
# loop's own allocations spread over them).
#
# Several task counts: small multiples, one log-log panel per runtime, user
# memory shaded from the floor, the kernel's stacked above it, so each panel
# reads on its own and the shared y axis compares them. Panels rather than
# one plot: stacked areas of several runtimes would cover one another. A
# value <= 0 (user growth below the measurement's resolution) is drawn as
# nothing. One task count: a stacked bar per runtime.

_d = ARG0; _i = strlen(_d)
while (_i > 0 && _d[_i:_i] ne '/') { _i = _i - 1 }
# The panel grid sets the height, so it is counted before the terminal is made.
if (exists("datafile")) {
    stats datafile using 1 nooutput
    nb = STATS_blocks
    tmin = STATS_min
    tmax = STATS_max
    ncol = nb <= 3 ? nb : (nb == 4 ? 2 : 3)
    nrow = int((nb + ncol - 1) / ncol)
    height = tmin < tmax ? (nrow == 1 ? 460 : 40 + 330 * nrow) : 500
}
load (_i > 0 ? _d[1:_i] : '').'common.gp'

pos(v) = v > 0 ? v : 0
user(u) = pos(u)
total(u, k) = pos(u) + pos(k)
stats datafile using (total($2, $6)) nooutput
hi = STATS_max
# The smallest positive part: where the log axis must reach down to.
stats datafile using ($2 > 0 ? $2 : 1e300) nooutput
lo = STATS_min
stats datafile using (total($2, $6) > 0 ? total($2, $6) : 1e300) nooutput
lo = STATS_min < lo ? STATS_min : lo
# Nothing positive at all (plot.c keeps such rows for this script): an
# empty but valid chart rather than a gnuplot error.
if (lo >= 1e300) { lo = 1; hi = 10 }

if (tmin < tmax) {
    floor = lo / 2
    clip(v) = v > floor ? v : floor
    set title ''
    set multiplot layout nrow, ncol title title font ',13' \
        margins 0.10, 0.97, (nrow == 1 ? 0.15 : 0.10), (nrow == 1 ? 0.84 : 0.88) spacing 0.07, 0.14
    set logscale xy
    set xrange [tmin / 1.6 : tmax * 1.6]
    set yrange [floor : hi * 4]
    set format x '%g'
    set format y '%g'
    set xtics font ',9'
    set grid xtics ytics lt 1 lc rgb '#dddddd' lw 1 dt solid
    set key top right noopaque nobox samplen 1.5 font ',9' spacing 1 Left reverse
    # One legend for every panel, above them: what a point is.
    set label 1 'a point: memory grown ÷ tasks (solid: user; hatched: kernel); slopes: in the text' \
        at screen 0.5, screen (nrow == 1 ? 0.90 : 1 - 45.0 / height) center font ',10'
    do for [i=0:nb-1] {
        # The panel's name, read back from its rows; in its runtime's colour.
        stats datafile index i using (_lab = strcol(10), $1) nooutput
        set title _lab font ',11' offset 0,-0.5 textcolor rgb rc(i)
        set xlabel (i >= nb - ncol ? xlabel : '') font ',10'
        set ylabel (i % ncol == 0 ? ylabel : '')
        plot datafile index i using 1:(floor):(clip(user($2))) with filledcurves \
                 lc rgb rc(i) fs solid 0.6 notitle, \
             '' index i using 1:(clip(user($2))):(clip(total($2, $6))) with filledcurves \
                 lc rgb rc(i) fs pattern 4 notitle, \
             '' index i using 1:(clip(total($2, $6))) with linespoints lt 7 lw 1.5 pt 7 ps 0.5 \
                 notitle
        unset label 1
    }
    unset multiplot
} else {
    set xlabel sprintf("runtime (%g concurrent tasks)", tmin) offset 0,-1
    set ylabel 'KiB per task'
    set xrange [-0.6 : nb - 0.4]
    set yrange [0 : hi * 1.2]
    set xtics scale 0
    # Room for two-line tick labels (their height is not known when gnuplot
    # places the axis label, hence its offset).
    set bmargin 5
    set boxwidth 0.6
    set key top right
    # One block per runtime, one row each: block i is the bar at x = i. The
    # total (kernel hatched) is drawn first, the user part over its bottom.
    plot for [i=0:nb-1] datafile index i using (i):(total($2, $6)):xtic(xl(strcol(10))) \
             with boxes lc rgb rc(i) dt 1 fs pattern 4 border lc rgb '#333333' \
             title (i == 0 ? 'kernel ÷ tasks' : ''), \
         for [i=0:nb-1] datafile index i using (i):(user($2)) with boxes lc rgb rc(i) dt 1 \
             fs solid 0.6 border lc rgb '#333333' title (i == 0 ? 'user ÷ tasks' : ''), \
         for [i=0:nb-1] datafile index i using (i):(total($2, $6)):(label(total($2, $6))) \
             with labels offset 0,0.8 notitle
}
