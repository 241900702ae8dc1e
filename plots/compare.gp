# compare.gp — "B against A": the headline ratios of two runs (concbench compare).
#
# Data (compare.dat, from harness/compare.c):
#   block 0 (index 0), one line:  "name A" "name B" shown total "classes present"
#   block 1 (index 1), one bar per row, top to bottom:
#     y ratio class "label"
#   ratio is B's median over A's; class 1: B better beyond the noise,
#   2: B worse beyond the noise, 3: within the noise, 4: changed beyond the
#   noise for a metric with no better side.
# The x axis is logarithmic and centred at 1, so twice as slow and twice as
# fast are bars of the same length on either side.

# The data first: the chart's height depends on the number of bars, and
# common.gp sizes the terminal from `height`.
if (!exists("datafile")) {
    print "usage: gnuplot -e \"datafile='D'; outfile='O'; fmt='svg'\" compare.gp"
    exit status 2
}
stats datafile index 0 using (nameA = strcol(1), nameB = strcol(2), shown = column(3), \
      total = column(4), classes = strcol(5), 0) nooutput
stats datafile index 1 using 2 nooutput
n = STATS_records
lo = STATS_min
hi = STATS_max
# Taller with more bars, so every label keeps a line of its own (the
# default 500 px fits about 15).
height = n > 15 ? 160 + 22 * n : 500

_d = ARG0; _i = strlen(_d)
while (_i > 0 && _d[_i:_i] ne '/') { _i = _i - 1 }
load (_i > 0 ? _d[1:_i] : '').'common.gp'

# Symmetric about 1, with room for the value printed past each bar's end.
r = hi > 1 / lo ? hi : 1 / lo
r = r * 2.5 < 2 ? 2 : r * 2.5
set xrange [1 / r : r]
set logscale x
# Ticks at 1, 2, 5 per decade (0.5, 1, 2 read as halves and doubles),
# one per decade when the range spans more than four decades.
set xtics () nomirror out
do for [e = -9:9] {
    do for [m in (r > 100 ? "1" : "1 2 5")] {
        v = int(m) * 10.0 ** e
        if (v >= 1 / r && v <= r) { set xtics add (sprintf('%g', v) v) }
    }
}
set grid xtics noytics lt 1 lc rgb '#dddddd' lw 1 dt solid

set yrange [n - 0.4 : -0.6]
set ytics scale 0 nomirror
set border 1 lw 1

# The title centred on the whole chart, not on the plot area, which the
# long row labels push to the right.
set label 1 sprintf("%s against %s: headline metrics%s", nameB, nameA, \
    shown < total ? sprintf(" (the %d largest changes of %d)", shown, total) : "") \
    at screen 0.5, screen 1 - 24.0 / height center font ',13'
set tmargin 3
# The axis label and the legend are centred on the chart too: centred on
# the plot area they would run off its right edge.
set label 2 sprintf("%s / %s (ratio of medians), log scale\n<- %s lower  |  %s higher ->", \
    nameB, nameA, nameB, nameB) at screen 0.5, screen 58.0 / height center
set bmargin 7

# 1 marks no change.
set arrow 1 from 1, graph 0 to 1, graph 1 nohead lw 1.5 lc rgb '#000000' front

# Fill tells the classes apart in grayscale too: solid, hatched, hollow.
set style fill border lc rgb '#000000'
set key at screen 0.5, screen 6.0 / height center bottom horizontal reverse Left noopaque \
    nobox samplen 2 width -1

cls(c, v) = column(3) == c ? v : NaN
bar(c) = c == 1 ? nameB." better" : c == 2 ? nameB." worse" : \
         c == 3 ? "within noise" : "changed, no better side"
# gnuplot's fill patterns: 3 solid, 4 hatched, 0 hollow, 1 cross-hatched.
pat(c) = c == 1 ? 3 : c == 2 ? 4 : c == 3 ? 0 : 1
lc(c) = c == 1 ? 0x0072b2 : c == 2 ? 0xd55e00 : c == 3 ? 0x777777 : 0xcc79a7

# The bars span 1 to the ratio; the labels column (4) names each row on the
# y axis; the ratio is printed past the bar's end, outward. Each side's
# labels are plotted only when a bar is on that side (`for [k = 1:0]` plots
# nothing): gnuplot 5.4 dies of SIGSEGV on a labels plot whose only point
# is undefined, which is what one bar would give the other side.
plot for [c in classes] datafile index 1 \
        using (cls(int(c), $2)):1:($2 < 1 ? $2 : 1):($2 < 1 ? 1 : $2):($1 - 0.32):($1 + 0.32) \
        with boxxyerror fs pattern pat(int(c)) lc rgb lc(int(c)) dt solid lw 1 \
        title bar(int(c)), \
     datafile index 1 using (1):1:ytic(strcol(4)) with points ps 0 notitle, \
     for [k = 1:(hi >= 1)] datafile index 1 \
        using ($2 >= 1 ? $2 * 1.04 : NaN):1:(sprintf('%.3g', $2)) with labels left notitle, \
     for [k = 1:(lo < 1)] datafile index 1 \
        using ($2 < 1 ? $2 / 1.04 : NaN):1:(sprintf('%.3g', $2)) with labels right notitle
