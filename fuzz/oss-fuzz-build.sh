#!/bin/bash -eu
# oss-fuzz-build.sh: OSS-Fuzz / ClusterFuzzLite build script (their build.sh contract).
# Honours CC, CFLAGS (sanitizer and coverage flags chosen by the service),
# LIB_FUZZING_ENGINE (e.g. -fsanitize=fuzzer, or libAFLDriver / honggfuzz), OUT (where
# fuzzers, <target>_seed_corpus.zip and <target>.dict go) and WORK (scratch; libevent is
# built there). libevent 2.1.12 comes from Debian 12's source package (build-source.sh
# fetches it from bookworm-security, or finds it in build/src), Debian-patched tree; set
# BEVCONF_LIBEVENT_TREE=upstream for the orig. .clusterfuzzlite/ has the Dockerfile and the
# build.sh that runs this script.
top=$(cd "$(dirname "$0")/.." && pwd)
: "${CC:?}" "${OUT:?}" "${LIB_FUZZING_ENGINE:?}"
CFLAGS=${CFLAGS:-}
WORK=${WORK:-$top/build/fuzz/oss-fuzz/work}
tree=${BEVCONF_LIBEVENT_TREE:-debian}
mkdir -p "$OUT" "$WORK"

# libevent with the service's flags; rebuilt only when CC/CFLAGS/tree change.
stamp="$CC $CFLAGS $tree"
prefix=$WORK/libevent-$tree
if [ ! -f "$prefix/.source-dir" ] || [ "$(cat "$prefix/.stamp" 2>/dev/null)" != "$stamp" ]; then
	CC=$CC CFLAGS=$CFLAGS "$top/impls/libevent/build-source.sh" "$tree" "$prefix" \
		--disable-shared --disable-libevent-regress
	echo "$stamp" >"$prefix/.stamp"
fi

# The targets of fuzz/targets.txt that do not link ref, with their corpus and dictionary.
awk '!/^#/ && NF && $3 == "-" {print $1, $5, $6}' "$top/fuzz/targets.txt" | while read -r t corpus dict; do
	CC=$CC CFLAGS="$CFLAGS" ENGINE="$LIB_FUZZING_ENGINE" IMPL_CFLAGS="-I$prefix/include" \
		IMPL_LIBS="$prefix/lib/libevent_pthreads.a $prefix/lib/libevent.a" "$top/fuzz/build-target.sh" "$t" "$OUT/$t"
	rm -rf "$OUT/$t.obj"
	[ "$dict" = - ] || cp "$top/fuzz/dict/$dict.dict" "$OUT/$t.dict"
	python3 - "$top/fuzz/corpus/$corpus" "$OUT/${t}_seed_corpus.zip" <<'PY'
import os, sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
    for n in sorted(os.listdir(src)):
        z.write(os.path.join(src, n), n)
PY
	printf '[libfuzzer]\nmax_len = 512\n' >"$OUT/$t.options"
	echo "oss-fuzz-build: $OUT/$t (+ .dict, _seed_corpus.zip, .options)"
done
