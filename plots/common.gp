# common.gp — the look every concbench chart shares; loaded by each chart script.
#
# Expects the variables the harness passes with -e:
#   datafile  the chart's data (whitespace-separated, written by harness/plot.c)
#   outfile   where to draw
#   fmt       'svg' or 'png'
#   title, xlabel, ylabel   optional; each data file's first lines give the
#             command that redraws it, with these filled in
# A script may set `height` (pixels) before loading this file: a chart of
# stacked panels needs more than the default 500.
# By hand: gnuplot -e "datafile='results/X/plots/switch.dat'; outfile='s.svg'; fmt='svg'" plots/bars.gp

if (!exists("datafile") || !exists("outfile")) {
    print "usage: gnuplot -e \"datafile='D'; outfile='O'; fmt='svg'\" SCRIPT.gp"
    exit status 2
}
if (!exists("fmt")) fmt = 'svg'
if (!exists("title")) title = ''
if (!exists("xlabel")) xlabel = ''
if (!exists("ylabel")) ylabel = ''
if (!exists("height")) height = 500

# 800 wide: readable at 800 px wide, the width of a README or a slide.
# noenhanced: runtime names such as coro_ucontext must not turn into subscripts.
# slide=1 (concbench report --slides): a chart that fills a projected
# slide's width, its type half as large again against the chart and its
# lines thicker, so it reads from the back of a room.
if (!exists("slide")) slide = 0
_w = slide ? 1000 : 800
_h = slide ? int(height * 1.1) : height
_big = slide ? 'fontscale 1.45 linewidth 1.6' : ''
if (fmt eq 'png') {
    eval sprintf("set terminal pngcairo size %d,%d font 'sans,11' %s noenhanced background rgb 'white'", _w, _h, _big)
} else {
    if (fmt ne 'svg') { print "fmt must be 'svg' or 'png', not '".fmt."'"; exit status 2 }
    eval sprintf("set terminal svg size %d,%d font 'sans,11' %s noenhanced background rgb 'white'", _w, _h, _big)
}
set output outfile
set encoding utf8
set title title font ',13'
set xlabel xlabel
set ylabel ylabel

set border 3 lw 1
set tics nomirror out
set grid ytics lt 1 lc rgb '#dddddd' lw 1 dt solid
set key top left opaque box lc rgb '#bbbbbb' samplen 3 spacing 1.2

# Series styles: the Okabe-Ito palette (safe for colour-blind readers), and
# each series also differs in dash pattern and point shape, so the chart
# still reads when printed in grayscale.
set linetype 1 lc rgb '#0072b2' lw 2 dt 1 pt 7  ps 1.3
set linetype 2 lc rgb '#d55e00' lw 2 dt 2 pt 5  ps 1.3
set linetype 3 lc rgb '#009e73' lw 2 dt 3 pt 9  ps 1.5
set linetype 4 lc rgb '#cc79a7' lw 2 dt 4 pt 13 ps 1.5
set linetype 5 lc rgb '#e69f00' lw 2 dt 5 pt 11 ps 1.5
set linetype 6 lc rgb '#56b4e9' lw 2 dt 6 pt 6  ps 1.3
set linetype 7 lc rgb '#000000' lw 2 dt 1 pt 4  ps 1.3
set linetype 8 lc rgb '#999999' lw 2 dt 2 pt 8  ps 1.5
set linetype cycle 8

# Each series' colour is its runtime's, the same in every chart: plot.c
# passes colors, one "#rrggbb" per data block (bars: per group) in data
# order. rc(i) is block i's (0-based); without colors (an old data file
# redrawn by hand) linetype i+1's. hexrgb(s) is the colour as a number, for
# `lc rgb variable`.
if (!exists("colors")) colors = ''
rc(i) = i < words(colors) ? word(colors, i + 1) : \
    word('#0072b2 #d55e00 #009e73 #cc79a7 #e69f00 #56b4e9 #000000 #999999', i % 8 + 1)
hexrgb(s) = ('0x' . s[2:7]) + 0

# Error bars run through their point (the default leaves a white gap there).
set pointintervalbox 0

# A tick label on two lines: the runtime, then its bracketed parameters, so
# "coro (stack_kib=16)" and its neighbours do not overlap under their bars.
xl(s) = strstrt(s, ' (') ? s[1:strstrt(s, ' (') - 1] . "\n" . s[strstrt(s, ' (') + 1:*] : s

# A value printed above a bar: whole numbers from 100 up, 3 digits below.
label(v) = v >= 100 ? sprintf('%.0f', v) : sprintf('%.3g', v)

# Whether an axis should be logarithmic: knob is '1', '0' or 'auto' (log when
# the data, lo to hi, spans more than 20x: a linear axis would squash the
# small values into the floor).
uselog(knob, lo, hi) = knob eq 'auto' ? (lo > 0 && hi > 20 * lo) : knob eq '1'
# An axis label once its axis went logarithmic: "wall time (ms)" becomes
# "wall time (ms, log scale)".
logged(s) = strlen(s) == 0 || strstrt(s, 'log') ? s : \
    (s[strlen(s):strlen(s)] eq ')' ? s[1:strlen(s) - 1] . ', log scale)' : s . ' (log scale)')

# Bars side by side in a group share their runtime's colour and are told
# apart by fill (which also reads in grayscale): solid, then hatchings (gnuplot's fill patterns 4, 5, 2, 6, 7).
barpattern(b) = word('3 4 5 2 6 7 1', b % 7 + 1) + 0

# A log axis spanning under two decades gets only one or two of gnuplot's
# decade ticks: add 1-2-5 ones. Usage: _ax = 'x'; _lo = A; _hi = B; @ticks125
ticks125 = "if (_hi < 100 * _lo) { do for [_e = int(floor(log10(_lo))) : int(ceil(log10(_hi)))] { do for [_m in '1 2 5'] { eval sprintf('set %stics add (%g)', _ax, _m * 10.0**_e) } } }"
