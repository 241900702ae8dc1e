#!/bin/sh
# report_chromium.sh BINARY SOURCE_DIR — the report of a tiny real run,
# loaded in headless Chromium: no console message (the page has no script,
# so any is an error: a bad URL, a blocked load), the DOM has every section,
# and a screenshot that is not blank (decoded here with zlib: PIL may be
# absent). Skipped (77) without Chromium or python3.
. "$(dirname "$0")/lib.sh"

CHROMIUM=
for c in chromium chromium-browser /usr/bin/chromium; do
	if command -v "$c" >/dev/null 2>&1; then
		CHROMIUM=$(command -v "$c")
		break
	fi
done
[ -n "$CHROMIUM" ] || skip "no chromium (Debian: apt-get install chromium)"
need python3 "to read the screenshot"

# A run of a few seconds: three runtimes, three workloads, one rep.
timeout 120 "$BIN" run --runtime threads,epoll,coro --workload cpu,sleep,pingpong \
	--set tasks=8 --set work=2000 --set ms=5 --set rounds=2000 --reps 1 --warmup 0 \
	--out "$T/r" >"$T/run.out" 2>"$T/run.err" || { cat "$T/run.err"; die "run failed"; }
"$BIN" report "$T/r" >"$T/rep.out" 2>"$T/rep.err" || { cat "$T/rep.err"; die "report failed"; }
H=$T/r/report.html
[ -s "$H" ] || die "no report.html"

# chromium ARGS...: headless, its own profile, the page's console on stderr.
chrome() {
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$T/profile" --enable-logging=stderr --v=0 "$@"
}

chrome --dump-dom "file://$H" >"$T/dom.html" 2>"$T/dom.err" || die "chromium --dump-dom failed"
chrome --screenshot="$T/shot.png" --window-size=1200,2000 "file://$H" >/dev/null 2>"$T/shot.err" ||
	die "chromium --screenshot failed"
# A blank page of the same size: the yardstick for "not blank".
echo '<!DOCTYPE html><html><head><title>blank</title></head><body></body></html>' >"$T/blank.html"
chrome --screenshot="$T/blank.png" --window-size=1200,2000 "file://$T/blank.html" >/dev/null \
	2>/dev/null || die "chromium could not screenshot a blank page"

# Console messages are logged as INFO:CONSOLE; errors about our page name it.
if grep -h "CONSOLE" "$T/dom.err" "$T/shot.err" | grep -q .; then
	grep -h "CONSOLE" "$T/dom.err" "$T/shot.err"
	die "the page logged to the console"
fi
if grep -h "ERROR" "$T/dom.err" "$T/shot.err" | grep -q "file://\|report.html"; then
	grep -h "ERROR" "$T/dom.err" "$T/shot.err" | grep "file://\|report.html"
	die "chromium reported an error about the page"
fi

for id in 1 2 3 4 5 6 7 8 9 10 11 12; do
	grep -q "id=\"c$id\"" "$T/dom.html" || die "the DOM has no section C$id"
done
grep -q 'id="machine"' "$T/dom.html" || die "the DOM has no machine section"
grep -q "In two minutes" "$T/dom.html" || die "the DOM has no first page"

cat >"$T/png.py" <<'PY'
# png.py SHOT BLANK: SHOT must be a PNG of many colours, not one; BLANK the
# same size. Decodes (zlib, PNG filters) the top third only: it holds the
# title and the headline table, and pure Python is slow.
import struct, sys, zlib

def decode(path, maxrows):
    d = open(path, "rb").read()
    if d[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(path + ": not a PNG")
    i, idat = 8, b""
    while i < len(d):
        n, = struct.unpack(">I", d[i:i + 4])
        kind, body = d[i + 4:i + 8], d[i + 8:i + 8 + n]
        i += 12 + n
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
    if depth != 8 or interlace or ctype not in (0, 2, 4, 6):
        sys.exit(path + ": unexpected PNG format %d/%d/%d" % (depth, ctype, interlace))
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
    raw = zlib.decompressobj().decompress(idat, (1 + w * bpp) * maxrows)
    stride, prev, rows = w * bpp, bytearray(w * bpp), []
    for y in range(min(h, maxrows, len(raw) // (stride + 1))):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + ((a + b) >> 1)) & 255
            elif f == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows

w, h, bpp, rows = decode(sys.argv[1], 650)
bw, bh, _, _ = decode(sys.argv[2], 1)
if (w, h) != (bw, bh):
    sys.exit("screenshot %dx%d, blank %dx%d" % (w, h, bw, bh))
pixels = {}
for r in rows:
    for x in range(0, len(r), bpp):
        px = r[x:x + bpp]
        pixels[px] = pixels.get(px, 0) + 1
total = sum(pixels.values())
top = max(pixels.values())
# Text and tables: many colours (anti-aliasing) and a few % of non-background
# (a hidden body still shows a scrollbar: about 1%).
if len(pixels) < 32 or top > 0.97 * total:
    sys.exit("blank: %d colours, the commonest is %.2f%% of the top %d rows"
             % (len(pixels), 100.0 * top / total, len(rows)))
print("screenshot %dx%d: %d colours in the top %d rows, background %.1f%%"
      % (w, h, len(pixels), len(rows), 100.0 * top / total))
PY
python3 "$T/png.py" "$T/shot.png" "$T/blank.png" || die "the screenshot is blank or unreadable"
# A page of text and charts compresses far worse than a blank one.
s=$(wc -c <"$T/shot.png")
b=$(wc -c <"$T/blank.png")
[ "$s" -gt $((b * 4)) ] || die "the screenshot ($s bytes) is barely larger than a blank page ($b bytes)"
echo "report_chromium: ok"
