#!/bin/sh
# layers.sh COMPILER SOURCE_DIR BUILD_DIR [CFLAGS] — the harness's four
# layers hold: the build refuses what would break them (see the top of
# CMakeLists.txt). Dependencies point down only: cli -> measure,
# analysis -> base.
#   (a) including a header of a layer above or beside is an #error, and an
#       allowed include compiles (so this part can fail);
#   (b) a call from the measure layer into analysis is a link error when the
#       layer's archive is linked whole with only the layers below it, and
#       the same archive without that call links;
#   (c) no file in harness/<layer>/ includes a file of a layer not below it
#       by any path (a relative path would dodge the guards of (a)).
# CFLAGS are the build's (a sanitizer's objects need its flags to link).
BUILD=$(realpath "$3") # before lib.sh moves to $T
. "$(dirname "$0")/lib.sh"
CC=$1
SRC=$(realpath "$SRC") # (c) compares it with resolved paths
CFLAGS=$4
HWLOC_CFLAGS=$(pkg-config --cflags hwloc) || skip "pkg-config cannot find hwloc"
HWLOC_LIBS=$(pkg-config --libs hwloc)
# measure links Boost.Context's archive when the build found it (switchpeers.c).
BOOST_LIB=$(sed -n 's/^CB_BOOST_CONTEXT:FILEPATH=//p' "$BUILD/CMakeCache.txt" 2>/dev/null)
[ -f "$BOOST_LIB" ] || BOOST_LIB=""

# below LAYER: the layers LAYER may use, itself included.
below() {
	case $1 in
	base) echo base ;;
	measure) echo measure base ;;
	analysis) echo analysis base ;;
	cli) echo cli measure analysis base ;;
	esac
}
LAYERS="base measure analysis cli"

# ---- (a) the include guards ----
# compiles LAYER HEADER-LAYER: whether a file of LAYER including
# HEADER-LAYER's header passes the compiler; its messages in $T/err.
compiles() {
	up=$(echo "$1" | tr a-z A-Z)
	printf '#include "harness/%s/%s.h"\nint layer_probe;\n' "$2" "$2" >"$T/probe.c"
	# shellcheck disable=SC2086
	"$CC" $CFLAGS -DCB_LAYER_"$up" -fsyntax-only -I"$SRC" $HWLOC_CFLAGS "$T/probe.c" 2>"$T/err"
}
for layer in $LAYERS; do
	for header in $LAYERS; do
		case " $(below "$layer") " in
		*" $header "*)
			compiles "$layer" "$header" || fail "(a) $layer cannot include $header's header"
			;;
		*)
			if compiles "$layer" "$header"; then
				fail "(a) $layer includes $header's header and the compiler lets it"
			elif ! grep -q '#error' "$T/err"; then
				fail "(a) $layer including $header's header fails, but not on the guard's #error"
			fi
			;;
		esac
	done
done
rm -f "$T/err"

# ---- (b) the link check ----
archive() {
	find "$BUILD" -name "libcb_$1.a" | head -1
}
MEASURE=$(archive measure)
BELOW="$(archive base) $(archive workloads) $(archive runtimes)"
[ -n "$MEASURE" ] && [ "$(echo "$BELOW" | wc -w)" -eq 3 ] ||
	die "(b) the layers' archives are not all under $BUILD: build first"
# links ARCHIVE: whether ARCHIVE, linked whole as layer_measure_check links
# libcb_measure.a, links with the layers below measure; messages in $T/link.
links() {
	# shellcheck disable=SC2086
	"$CC" $CFLAGS -o "$T/check" "$SRC/harness/layercheck.c" -Wl,--whole-archive "$1" \
		-Wl,--no-whole-archive $BELOW $HWLOC_LIBS $BOOST_LIB -lm -lpthread 2>"$T/link"
}
links "$MEASURE" || { cat "$T/link"; die "(b) libcb_measure.a does not link with the layers below it"; }
# A measure source that calls the report writer of analysis, declaring it
# itself so no include guard stops it.
cat >"$T/upcall.c" <<'EOF'
int h_report_write(const char *dir);
int layer_upcall(void) { return h_report_write("."); }
EOF
# shellcheck disable=SC2086
"$CC" $CFLAGS -DCB_LAYER_MEASURE -c -o "$T/upcall.o" "$T/upcall.c" || die "(b) upcall.c does not compile"
cp "$MEASURE" "$T/libcb_measure.a"
ar rs "$T/libcb_measure.a" "$T/upcall.o" 2>/dev/null || die "(b) ar cannot add upcall.o"
if links "$T/libcb_measure.a"; then
	fail "(b) a call from measure into analysis links"
elif ! grep -q "h_report_write" "$T/link"; then
	cat "$T/link"
	fail "(b) the measure archive with a call into analysis fails to link, but not on h_report_write"
fi

# ---- (c) includes by any path ----
# layer_of PATH: the harness layer PATH is in, or nothing.
layer_of() {
	case $1 in
	"$SRC"/harness/*/*) p=${1#"$SRC"/harness/}; echo "${p%%/*}" ;;
	esac
}
for layer in $LAYERS; do
	for f in "$SRC"/harness/"$layer"/*.[ch]; do
		dir=$(dirname "$f")
		# Quoted includes are searched beside the file, then from the
		# source dir (-I); <...> from the source dir too.
		sed -n 's/^[ \t]*#[ \t]*include[ \t]*["<]\([^">]*\)[">].*/\1/p' "$f" | while read -r inc; do
			if [ -e "$dir/$inc" ]; then
				target=$(realpath -m "$dir/$inc")
			elif [ -e "$SRC/$inc" ]; then
				target=$(realpath -m "$SRC/$inc")
			else
				continue # a system header
			fi
			to=$(layer_of "$target")
			[ -z "$to" ] && continue
			echo "$f" >>"$T/checked"
			case " $(below "$layer") " in
			*" $to "*) ;;
			*) echo "${f#"$SRC"/}: #include \"$inc\" reaches the $to layer" ;;
			esac
		done
	done
done >"$T/includes"
# measure.h includes base.h, at least: none found means this part is blind.
[ -s "$T/checked" ] || fail "(c) found no include of a harness header to check"
if [ -s "$T/includes" ]; then
	fail "(c) includes across layers:"
	sed 's/^/    /' "$T/includes"
fi

finish "layers: the build refuses includes and calls across layers"
