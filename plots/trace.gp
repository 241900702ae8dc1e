# trace.gp — a measured timeline (concbench trace): one row per task, top to
# bottom in the order the tasks first ran; a bar for each stretch of time it
# was running (its step on a CPU), waiting (for the op its step returned) or
# woken but not yet running (the runtime knew its wait was over; the task
# queued for its thread). x in microseconds from the first event.
#
# Data (trace_RUNTIME_WORKLOAD.dat, from harness/analysis/plot.c):
#   block 0: row "label"
#   blocks 1-3: row start_us end_us, for running, waiting, woken
# Expects `rows` (the number of tasks) and `span` (the last event's time)
# besides common.gp's variables.

if (!exists("datafile")) {
    print "usage: gnuplot -e \"datafile='D'; outfile='O'; fmt='svg'; rows=N\" trace.gp"
    exit status 2
}
if (!exists("rows")) rows = 4
# A row of 22 px at least, so every label keeps a line of its own.
height = rows > 12 ? 180 + 24 * rows : 500

_d = ARG0; _i = strlen(_d)
while (_i > 0 && _d[_i:_i] ne '/') { _i = _i - 1 }
load (_i > 0 ? _d[1:_i] : '').'common.gp'

set xlabel 'time since the first event (µs)'
set ylabel ''
set yrange [rows - 0.4 : -0.6]
set ytics () nomirror
set grid xtics noytics lt 1 lc rgb '#dddddd'
set xrange [0:*]
set bmargin 6
set key at screen 0.5, screen 0.01 center bottom horizontal maxrows 1 width -2 box lc rgb '#bbbbbb'
set style fill solid 1.0 noborder

# A run of 100 ns is far under a pixel on a chart of milliseconds: each bar
# is drawn one pixel wide at least (of ~640 across), so every run shows.
if (!exists("span")) span = 1000
px = span / 640.0
hw(a, b) = (b - a) / 2 > px / 2 ? (b - a) / 2 : px / 2
# Six-digit microseconds run off the right edge: 600k, not 600000.
set format x (span >= 10000 ? '%.0s%c' : '%g')

# Waiting underneath (thin), then woken, then running on top.
plot datafile index 0 using (0):1:ytic(2) with points pt -1 notitle, \
     datafile index 2 using (($2 + $3) / 2):1:(($3 - $2) / 2):(0.06) with boxxyerror \
         lc rgb '#bbbbbb' title 'waiting', \
     datafile index 3 using (($2 + $3) / 2):1:(hw($2, $3)):(0.22) with boxxyerror \
         lc rgb '#e69f00' title 'woken, not yet running', \
     datafile index 1 using (($2 + $3) / 2):1:(hw($2, $3)):(0.32) with boxxyerror \
         lc rgb '#009e73' title 'running (1 px at least)'
