#!/bin/sh
# build-source.sh TREE DEST [CONFIGURE-ARGS...]
# Builds libevent 2.1.12 from Debian's source package and installs it under DEST (a
# LIBEVENT_PREFIX). TREE is `debian` (the patched tree the system library is built from)
# or `upstream` (the orig tarball). CC and CFLAGS come from the environment. Sources are
# fetched at build time into build/src and never committed. Progress goes to stderr, the
# full logs to DEST.log. PATCH (optional) is applied to the tree before configure.
set -eu
tree=$1 dest=$2
shift 2
top=$(cd "$(dirname "$0")/../.." && pwd)
src=$top/build/src
mkdir -p "$src"
dest=$(mkdir -p "$dest" && cd "$dest" && pwd)
log=$dest.log
: >"$log"

say() { echo "bevconf: libevent-$tree: $*" >&2; }

if ! ls "$src"/libevent_2.1.12-stable.orig.tar.gz "$src"/libevent_*.dsc >/dev/null 2>&1; then
	say "fetching Debian's source package (apt-get source)"
	if ! (cd "$src" && apt-get source --download-only libevent) >>"$log" 2>&1; then
		say "error: apt-get source libevent failed (no deb-src entry? run \`make deps\`); see $log"
		exit 1
	fi
fi

work=$dest.src
rm -rf "$work"
mkdir -p "$work"
case $tree in
upstream)
	tar -xzf "$src"/libevent_2.1.12-stable.orig.tar.gz -C "$work"
	dir=$work/libevent-2.1.12-stable ;;
debian)
	dpkg-source --no-check -x "$(ls "$src"/libevent_*.dsc | head -n 1)" "$work/tree" >>"$log" 2>&1
	dir=$work/tree
	# Debian's patches touch Makefile.am; keep make from rerunning automake (absent).
	touch -r "$dir/Makefile.in" "$dir/Makefile.am" ;;
*)
	say "error: unknown tree '$tree' (debian or upstream)"
	exit 2 ;;
esac

# PATCH: a patch applied to the tree first (mutants/libevent/: bugs planted on purpose).
if [ -n "${PATCH:-}" ]; then
	say "applying $PATCH"
	patch -p1 -d "$dir" <"$PATCH" >>"$log" 2>&1 || { say "error: $PATCH does not apply; see $log"; exit 1; }
fi

say "configuring ($*)"
(cd "$dir" && ./configure --prefix="$dest" --disable-openssl --disable-samples "$@") >>"$log" 2>&1 ||
	{ say "error: configure failed; see $log"; exit 1; }
say "building (about a minute on 2 cores)"
(cd "$dir" && make -j"$(nproc)" && make install) >>"$log" 2>&1 ||
	{ say "error: build failed; see $log"; exit 1; }
echo "$dir" >"$dest/.source-dir"
say "installed into $dest"
