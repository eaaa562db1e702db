#!/bin/sh
# bad-input.sh: every bad configuration must stop with a one-line bevconf error and a
# non-zero exit, before any compiler runs.
set -u
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/noinclude/lib" "$tmp/nolib/include/event2"
touch "$tmp/nolib/include/event2/event.h"
fails=0 passes=0

# expect_error DESCRIPTION EXPECTED-TEXT COMMAND...
expect_error() {
	desc=$1 want=$2
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	lines=$(printf '%s\n' "$out" | grep -c .)
	if [ "$rc" -ne 0 ] && [ "$lines" -eq 1 ] && printf '%s' "$out" | grep -qF "$want"; then
		passes=$((passes + 1))
		echo "ok   $desc: $out"
	else
		fails=$((fails + 1))
		echo "FAIL $desc (exit $rc, $lines lines, wanted one line with '$want'):"
		printf '%s\n' "$out" | sed 's/^/     /'
	fi
}

expect_error "unknown implementation" "unknown IMPL=nope; available: libevent" \
	make -s check IMPL=nope
expect_error "unknown backend" "unknown BACKEND=kqueue for libevent; available: epoll poll select" \
	make -s check BACKEND=kqueue
expect_error "prefix without headers" "has no include/event2/event.h" \
	make -s check LIBEVENT_PREFIX="$tmp/noinclude"
expect_error "prefix without a library" "has no lib/libevent.so, lib/libevent.a" \
	make -s check LIBEVENT_PREFIX="$tmp/nolib"
expect_error "missing pkg-config module" "pkg-config module 'libevent' not found" \
	env PKG_CONFIG_LIBDIR="$tmp" make -s check
make -s build >/dev/null 2>&1 || { echo "FAIL cannot build the runner"; exit 1; }
expect_error "backend other than the one asked for" "asked for backend poll but epoll ran" \
	build/libevent/bevconf --backend poll
expect_error "no case matches the selection" "no case id starts with" \
	build/libevent/bevconf no.such.case
echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
