#!/bin/sh
# build.sh DIR MUTANT CC CFLAGS...: awkward (impls/awkward/README.md) under DIR:
#   DIR/include/event2   the public headers (what the harness compiles against)
#   DIR/lib/libevent.a   the library
# made from ref's sources and headers: the pair and filter objects left out, the loop
# patched to ignore its flags (loop.patch), other constant values and fewer declarations
# (headers.py), and the functions it does not export renamed inside the archive, so that
# ref's own calls to them still work but nothing outside links to them. MUTANT: a patch
# from mutants/awkward/ applied on top, or empty.
set -eu
dir=$1 mutant=$2
shift 2
here=$(dirname "$0")
ref=$here/../ref
# Defined by the objects awkward keeps, not exported (their declarations are gone too).
hidden="event_base_get_method evbuffer_readln evbuffer_readline evbuffer_search evbuffer_search_range
	evbuffer_search_eol evbuffer_freeze evbuffer_unfreeze bufferevent_setwatermark bufferevent_getwatermark"

rm -rf "$dir/src" "$dir/obj"
mkdir -p "$dir/src" "$dir/obj" "$dir/lib"
cp "$ref"/src/*.c "$ref"/src/*.h "$dir/src/"
rm "$dir/src/bufferevent_pair.c" "$dir/src/bufferevent_filter.c"
patch -s -p1 -d "$dir/src" <"$here/loop.patch"
if [ -n "$mutant" ]; then
	patch -s -p1 -d "$dir/src" <"$mutant"
fi
python3 "$here/headers.py" "$ref/include" "$dir/internal" "$dir/include"
renames=$(for f in $hidden; do printf -- '--redefine-sym %s=awkward_hidden_%s ' "$f" "$f"; done)
for c in "$dir"/src/*.c; do
	o=$dir/obj/$(basename "${c%.c}").o
	"$@" -I"$dir/internal" -I"$dir/src" -c "$c" -o "$o"
	# shellcheck disable=SC2086
	objcopy $renames "$o"
done
rm -f "$dir/lib/libevent.a.new"
ar rcs "$dir/lib/libevent.a.new" "$dir"/obj/*.o
mv "$dir/lib/libevent.a.new" "$dir/lib/libevent.a"
