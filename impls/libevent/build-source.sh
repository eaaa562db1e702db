#!/bin/sh
# build-source.sh TREE DEST [CONFIGURE-ARGS...]
# Builds libevent from source and installs it under DEST (a LIBEVENT_PREFIX). TREE is
#   debian     2.1.12, the Debian-patched tree the system library is built from (Debian
#              12's 2.1.12-stable-8+deb12u1, fetched from bookworm-security whatever the
#              host; sha256-pinned)
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

# Sources come from Debian's archive through a private apt setup: the machine's own sources
# stay as they are, and the suite is Debian's whatever the host (on OSS-Fuzz's Ubuntu
# base-builder, a plain `apt-get source` would fetch Ubuntu's 2.1.11). The host need not
# hold Debian's archive keys (Ubuntu does not), so the list is [trusted=yes]: every file is
# accepted by its pinned sha256 instead.
# debian_source ARCHIVE SUITE PACKAGE[=VERSION]: download the source package into $apt/get
# (apt-get may exit non-zero after fetching: sid's .dsc answers 404, so its status is not used).
debian_source() {
	apt=$src/apt-$2
	rm -rf "$apt/get"
	mkdir -p "$apt/lists/partial" "$apt/get"
	echo "deb-src [trusted=yes] $1 $2 main" >"$apt/sources.list"
	opts="-o Dir::Etc::SourceList=$apt/sources.list -o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists=$apt/lists"
	say "fetching $3 from Debian's archive ($2 deb-src, a private apt list)"
	# shellcheck disable=SC2086
	apt-get $opts update >>"$log" 2>&1 || true
	# shellcheck disable=SC2086
	(cd "$apt/get" && apt-get $opts source --download-only "$3") >>"$log" 2>&1 || true
}
# pinned FILE SHA256: move the fetched FILE into $src if it has the pinned sha256.
pinned() {
	[ -f "$apt/get/$1" ] || fail "cannot fetch $1 from Debian's archive (see $log)"
	echo "$2  $apt/get/$1" | sha256sum -c - >>"$log" 2>&1 || fail "$1 does not have the pinned sha256 $2"
	mv "$apt/get/$1" "$src/"
}

# 2.1.12: Debian 12's package as the system library is built from it: the security update
# (its CVE patch touches buffer.c: finding F1 in fuzz/README.md), from debian-security.
VERSION_2112=2.1.12-stable-8+deb12u1
TARBALL_2112=libevent_2.1.12-stable.orig.tar.gz
SHA256_2112=92e6de1be9ec176428fd2367677e61ceffc2ee1cb119035037a27d346b0403bb
DSC_2112=libevent_$VERSION_2112.dsc
SHA256_DSC_2112=acc01f440019a0369c1cf0e6256a22037a65f032b5192ee14bad548889074b55
DEBIAN_2112=libevent_$VERSION_2112.debian.tar.xz
SHA256_DEBIAN_2112=0c721f8a55e6a9e225f62f151f477675ed901400b56003bb424ef2eea74f370d
fetch_2112() {
	[ -f "$src/$TARBALL_2112" ] && [ -f "$src/$DSC_2112" ] && [ -f "$src/$DEBIAN_2112" ] && return 0
	debian_source http://deb.debian.org/debian-security bookworm-security "libevent=$VERSION_2112"
	pinned "$TARBALL_2112" "$SHA256_2112"
	pinned "$DSC_2112" "$SHA256_DSC_2112"
	pinned "$DEBIAN_2112" "$SHA256_DEBIAN_2112"
}

# 2.1.13: only its orig tarball, which Debian's archive has for sid (the .dsc and the
# Debian tarball answer 404).
TARBALL_2113=libevent_2.1.13-stable.orig.tar.gz
SHA256_2113=f7e9383b8c0baa81b687e5b5eecc01beefaf1b19b64151d95ed61647fe7a315c
fetch_2113() {
	[ -f "$src/$TARBALL_2113" ] && return 0
	debian_source http://deb.debian.org/debian sid libevent
	pinned "$TARBALL_2113" "$SHA256_2113"
}

if [ -n "${FETCH_ONLY:-}" ]; then
	case $tree in
	2.1.13) fetch_2113; echo "$src/$TARBALL_2113" ;;
	*) fetch_2112; echo "$src/$TARBALL_2112" ;;
	esac
	exit 0
fi

work=$dest.src
rm -rf "$work"
mkdir -p "$work"
case $tree in
upstream)
	fetch_2112
	tar -xzf "$src/$TARBALL_2112" -C "$work"
	dir=$work/libevent-2.1.12-stable ;;
debian)
	fetch_2112
	dpkg-source --no-check -x "$src/$DSC_2112" "$work/tree" >>"$log" 2>&1
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
