#!/bin/sh
# build-target.sh TARGET OUTFILE: build one fuzz target against one implementation.
# Environment:
#   CC, CFLAGS        compiler and flags (sanitizers included)
#   ENGINE            how to link the entry point: `-fsanitize=fuzzer` (libFuzzer, or
#                     AFL++'s driver under afl-clang-fast), `replay` (fuzz/replay.c), or any
#                     $LIB_FUZZING_ENGINE value
#   IMPL_CFLAGS, IMPL_LIBS   the implementation (headers with the libevent API, a library)
#   REF_CFLAGS, REF_LIBS     evbuffer_diff only: ref, whose symbols get renamed to ref_*
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
cc_() { $CC -std=gnu11 $CFLAGS -I"$t" -I"$top/runtime" "$@"; }

case $ENGINE in
replay) cc_ -c "$top/fuzz/replay.c" -o "$obj/replay.o"; eng="$obj/replay.o" ;;
*) eng=$ENGINE ;;
esac

libs=""
case $target in
evbuffer_tape)
	srcs="evbuffer_tape.c evbuf_common.c evbuf_model.c"
	cc_ $IMPL_CFLAGS -DEXEC_NS=le -c "$t/evbuf_exec.c" -o "$obj/exec_le.o"
	objs="$obj/exec_le.o" ;;
bufferevent_tape)
	srcs="bufferevent_tape.c"
	cc_ -c "$top/runtime/fault.c" -o "$obj/fault.o"
	objs="$obj/fault.o"
	libs="-ldl" ;;
evbuffer_diff)
	: "${REF_LIBS:?evbuffer_diff needs REF_LIBS (ref's static archive)}"
	srcs="evbuffer_diff.c evbuf_common.c evbuf_model.c"
	# Rename every global symbol ref defines to ref_<name>, in ref's archive and in the
	# executor compiled against ref's headers, so ref and libevent link into one program.
	refa=""
	for w in $REF_LIBS; do case $w in *.a) refa="$refa $w" ;; esac; done
	[ -n "$refa" ] || { echo "build-target.sh: REF_LIBS has no static archive (.a): $REF_LIBS" >&2; exit 2; }
	nm -g --defined-only $refa 2>/dev/null | awk 'NF==3 {print $3}' | sort -u >"$obj/ref.syms"
	awk '{print $1, "ref_" $1}' "$obj/ref.syms" >"$obj/ref.map"
	awk '{print "#define " $1 " ref_" $1}' "$obj/ref.syms" >"$obj/ref-rename.h"
	renamed=""
	i=0
	for a in $refa; do
		i=$((i + 1))
		objcopy --redefine-syms="$obj/ref.map" "$a" "$obj/ref$i.a"
		renamed="$renamed $obj/ref$i.a"
	done
	cc_ $IMPL_CFLAGS -DEXEC_NS=le -c "$t/evbuf_exec.c" -o "$obj/exec_le.o"
	cc_ ${REF_CFLAGS:-} -include "$obj/ref-rename.h" -DEXEC_NS=ref -c "$t/evbuf_exec.c" -o "$obj/exec_ref.o"
	objs="$obj/exec_le.o $obj/exec_ref.o $renamed" ;;
*)
	echo "build-target.sh: unknown target '$target' (evbuffer_tape, bufferevent_tape, evbuffer_diff)" >&2
	exit 2 ;;
esac
for s in $srcs; do
	cc_ $IMPL_CFLAGS -c "$t/$s" -o "$obj/${s%.c}.o"
	objs="$objs $obj/${s%.c}.o"
done
# -rdynamic: the fault layer's libc wrappers also catch calls from a shared library.
$CC $CFLAGS -rdynamic $objs $eng $IMPL_LIBS $libs -o "$out"
