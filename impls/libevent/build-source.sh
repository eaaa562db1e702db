#!/bin/sh
# build-source.sh TREE DEST [CONFIGURE-ARGS...]
# Builds libevent from source and installs it under DEST (a LIBEVENT_PREFIX). TREE is
#   debian     2.1.12, the Debian-patched tree the system library is built from
#   upstream   2.1.12, the orig tarball from the same source package
#   2.1.13     2.1.13-stable, the orig tarball from Debian's archive (sid), sha256-pinned
#   /a/dir     a libevent source tree (a checkout or a release): CMake when it has
#              CMakeLists.txt, else autotools (autogen.sh first when there is no configure);
#              it is copied, never built in place
# CC and CFLAGS come from the environment. Sources are fetched at build time into
# build/src and never committed. Progress goes to stderr, the logs to DEST.log. PATCH
# (optional) is applied to the tree first. Exit status 1 when the tree does not build.
# FETCH_ONLY=1: only fetch TREE's sources into build/src and print where they are.
set -eu
tree=$1 dest=$2
shift 2
top=$(cd "$(dirname "$0")/../.." && pwd)
src=$top/build/src
mkdir -p "$src"
dest=$(mkdir -p "$dest" && cd "$dest" && pwd)
log=$dest.log
: >"$log"
name=$(basename "$tree")

say() { echo "bevconf: libevent-$name: $*" >&2; }
fail() { say "error: $*"; exit 1; }

# 2.1.13's orig tarball: Debian's archive has it for sid (the .dsc and the Debian tarball
# answer 404, so apt-get exits non-zero after fetching it). A private apt setup keeps the
# machine's own sources as they are; the tarball is accepted by its pinned sha256.
TARBALL_2113=libevent_2.1.13-stable.orig.tar.gz
SHA256_2113=f7e9383b8c0baa81b687e5b5eecc01beefaf1b19b64151d95ed61647fe7a315c
fetch_2113() {
	[ -f "$src/$TARBALL_2113" ] && return 0
	say "fetching $TARBALL_2113 from Debian's archive (sid deb-src, a private apt list)"
	apt=$src/apt-sid
	mkdir -p "$apt/lists/partial" "$apt/get"
	echo 'deb-src http://deb.debian.org/debian sid main' >"$apt/sources.list"
	opts="-o Dir::Etc::SourceList=$apt/sources.list -o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists=$apt/lists"
	# shellcheck disable=SC2086
	apt-get $opts update >>"$log" 2>&1 || true
	# shellcheck disable=SC2086
	(cd "$apt/get" && apt-get $opts source --download-only libevent) >>"$log" 2>&1 || true
	[ -f "$apt/get/$TARBALL_2113" ] || fail "cannot fetch $TARBALL_2113 from Debian's archive (see $log)"
	echo "$SHA256_2113  $apt/get/$TARBALL_2113" | sha256sum -c - >>"$log" 2>&1 ||
		fail "$TARBALL_2113 does not have the pinned sha256 $SHA256_2113"
	mv "$apt/get/$TARBALL_2113" "$src/"
}

fetch_2112() {
	ls "$src"/libevent_2.1.12-stable.orig.tar.gz "$src"/libevent_*.dsc >/dev/null 2>&1 && return 0
	say "fetching Debian's source package (apt-get source)"
	(cd "$src" && apt-get source --download-only libevent) >>"$log" 2>&1 ||
		fail "apt-get source libevent failed (no deb-src entry? run \`make deps\`); see $log"
}

if [ -n "${FETCH_ONLY:-}" ]; then
	case $tree in
	2.1.13) fetch_2113; echo "$src/$TARBALL_2113" ;;
	*) fetch_2112; echo "$src/libevent_2.1.12-stable.orig.tar.gz" ;;
	esac
	exit 0
fi

work=$dest.src
rm -rf "$work"
mkdir -p "$work"
case $tree in
upstream)
	fetch_2112
	tar -xzf "$src"/libevent_2.1.12-stable.orig.tar.gz -C "$work"
	dir=$work/libevent-2.1.12-stable ;;
debian)
	fetch_2112
	dpkg-source --no-check -x "$(ls "$src"/libevent_2.1.12*.dsc | head -n 1)" "$work/tree" >>"$log" 2>&1
	dir=$work/tree
	# Debian's patches touch Makefile.am; keep make from rerunning automake (absent).
	touch -r "$dir/Makefile.in" "$dir/Makefile.am" ;;
2.1.13)
	fetch_2113
	tar -xzf "$src/$TARBALL_2113" -C "$work"
	dir=$work/libevent-2.1.13-stable ;;
/*)
	[ -d "$tree" ] || fail "$tree is not a directory"
	say "copying the tree"
	(cd "$tree" && tar --exclude=.git -cf - .) | (cd "$work" && tar -xf -)
	dir=$work ;;
*)
	say "error: unknown tree '$tree' (debian, upstream, 2.1.13 or an absolute path)"
	exit 2 ;;
esac

# PATCH: a patch applied to the tree first (mutants/libevent/: bugs planted on purpose).
if [ -n "${PATCH:-}" ]; then
	say "applying $PATCH"
	patch -p1 -d "$dir" <"$PATCH" >>"$log" 2>&1 || fail "$PATCH does not apply; see $log"
fi

jobs=$(nproc)
if [ -f "$dir/CMakeLists.txt" ] && [ ! -x "$dir/configure" ]; then
	say "configuring with CMake (static, no tests, samples, benchmarks or TLS)"
	cmake -S "$dir" -B "$dir/build" -DCMAKE_INSTALL_PREFIX="$dest" -DCMAKE_C_COMPILER="${CC:-cc}" \
		-DCMAKE_C_FLAGS="${CFLAGS:-}" -DCMAKE_BUILD_TYPE=None -DEVENT__LIBRARY_TYPE=STATIC \
		-DEVENT__DISABLE_OPENSSL=ON -DEVENT__DISABLE_MBEDTLS=ON -DEVENT__DISABLE_TESTS=ON \
		-DEVENT__DISABLE_SAMPLES=ON -DEVENT__DISABLE_BENCHMARK=ON -DEVENT__DISABLE_REGRESS=ON \
		>>"$log" 2>&1 || fail "cmake failed; see $log"
	say "building (about a minute on 2 cores)"
	cmake --build "$dir/build" -j "$jobs" >>"$log" 2>&1 && cmake --install "$dir/build" >>"$log" 2>&1 ||
		fail "build failed; see $log"
else
	if [ ! -x "$dir/configure" ]; then
		say "running autogen.sh"
		(cd "$dir" && ./autogen.sh) >>"$log" 2>&1 || fail "autogen.sh failed; see $log"
	fi
	say "configuring ($*)"
	(cd "$dir" && ./configure --prefix="$dest" --disable-openssl --disable-samples "$@") >>"$log" 2>&1 ||
		fail "configure failed; see $log"
	say "building (about a minute on 2 cores)"
	(cd "$dir" && make -j"$jobs" && make install) >>"$log" 2>&1 || fail "build failed; see $log"
fi
[ -f "$dest/lib/libevent.a" ] || [ -f "$dest/lib/libevent.so" ] || fail "the build installed no lib/libevent.a or .so; see $log"
echo "$dir" >"$dest/.source-dir"
say "installed into $dest"
