#!/bin/sh
# build-target.sh TARGET OUTFILE: build one fuzz target against one implementation. What a
# target is made of (sources, ref, extra libraries) is its row of fuzz/targets.txt.
# Environment:
#   CC, CFLAGS        compiler and flags (sanitizers included)
#   ENGINE            how to link the entry point: `-fsanitize=fuzzer` (libFuzzer, or
#                     AFL++'s driver under afl-clang-fast), `replay` (fuzz/replay.c), or any
#                     $LIB_FUZZING_ENGINE value
#   IMPL_CFLAGS, IMPL_LIBS   the implementation (headers with the libevent API, a library)
#   REF_CFLAGS, REF_LIBS     targets with ref sources: ref, whose symbols get renamed to ref_*
# Used by fuzz/fuzz.mk and fuzz/oss-fuzz-build.sh.
set -eu
target=$1 out=$2
top=$(cd "$(dirname "$0")/.." && pwd)
t=$top/fuzz/targets
CC=${CC:-clang}
CFLAGS=${CFLAGS:-}
ENGINE=${ENGINE:-replay}
IMPL_CFLAGS=${IMPL_CFLAGS:-}
IMPL_LIBS=${IMPL_LIBS:-}
obj=$out.obj
rm -rf "$obj" && mkdir -p "$obj"
# BEVCONF_TOP: where a C writer finds the sources it embeds (fuzz/targets/bev_repro.c).
cc_() { $CC -std=gnu11 $CFLAGS -I"$t" -I"$top/runtime" -DBEVCONF_TOP="\"$top\"" "$@"; }

case $ENGINE in
replay) cc_ -c "$top/fuzz/replay.c" -o "$obj/replay.o"; eng="$obj/replay.o" ;;
*) eng=$ENGINE ;;
esac

# The target's row of fuzz/targets.txt: target sources ref libs corpus dict.
row=$(awk -v t="$target" '$1 == t' "$top/fuzz/targets.txt")
[ -n "$row" ] || { echo "build-target.sh: unknown target '$target' (fuzz/targets.txt)" >&2; exit 2; }
set -- $row
srcs=$2 refsrcs=$3 libs=$(echo "$4" | tr , ' ')
[ "$libs" != - ] || libs=""
# src_path NAME: in fuzz/targets/ unless the name has a slash (then from the top).
src_path() { case $1 in */*) echo "$top/$1" ;; *) echo "$t/$1" ;; esac; }

objs=""
for s in $(echo "$srcs" | tr , ' '); do
	o=$obj/$(basename "${s%.c}").o
	cc_ $IMPL_CFLAGS -DEXEC_NS=le -c "$(src_path "$s")" -o "$o"
	objs="$objs $o"
done
if [ "$refsrcs" != - ]; then
	: "${REF_LIBS:?$target needs REF_LIBS (ref's static archive)}"
	# Rename every global symbol ref defines to ref_<name>, in ref's archive and in the
	# sources compiled against ref's headers, so ref and libevent link into one program.
	refa=""
	for w in $REF_LIBS; do case $w in *.a) refa="$refa $w" ;; esac; done
	[ -n "$refa" ] || { echo "build-target.sh: REF_LIBS has no static archive (.a): $REF_LIBS" >&2; exit 2; }
	nm -g --defined-only $refa 2>/dev/null | awk 'NF==3 {print $3}' | sort -u >"$obj/ref.syms"
	awk '{print $1, "ref_" $1}' "$obj/ref.syms" >"$obj/ref.map"
	awk '{print "#define " $1 " ref_" $1}' "$obj/ref.syms" >"$obj/ref-rename.h"
	i=0
	for a in $refa; do
		i=$((i + 1))
		objcopy --redefine-syms="$obj/ref.map" "$a" "$obj/ref$i.a"
		objs="$objs $obj/ref$i.a"
	done
	for s in $(echo "$refsrcs" | tr , ' '); do
		o=$obj/$(basename "${s%.c}").ref.o
		cc_ ${REF_CFLAGS:-} -include "$obj/ref-rename.h" -DEXEC_NS=ref -c "$(src_path "$s")" -o "$o"
		objs="$o $objs"
	done
fi
# -rdynamic: the fault layer's libc wrappers also catch calls from a shared library.
$CC $CFLAGS -rdynamic $objs $eng $IMPL_LIBS $libs -o "$out"
