#!/bin/bash
# e2e-hello.sh PROGRAM: run the hello-world server, check that a client gets the greeting
# and then EOF, then that SIGINT makes the server exit 0.
set -u
prog=$1
out=$(mktemp) client=$(mktemp)
trap 'rm -f "$out" "$client"' EXIT
pid=
fail() { echo "e2e: $prog: $*" >&2; [ -n "$pid" ] && kill "$pid" 2>/dev/null; exit 1; }

"$prog" 0 >"$out" &
pid=$!
for _ in $(seq 50); do grep -q '^port ' "$out" && break; sleep 0.1; done
port=$(sed -n 's/^port //p' "$out")
[ -n "$port" ] || fail "no port printed"
# The client reads until EOF (the server closes once the greeting is written); the
# timeout turns a missing EOF into a failure instead of a hang.
timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && cat <&3' _ "$port" >"$client" ||
	fail "the client got no EOF (or could not connect)"
[ "$(cat "$client")" = "Hello, World!" ] || fail "the client got '$(cat "$client")'"
kill -INT "$pid"
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "still running 5 s after SIGINT"
status=0
wait "$pid" || status=$?
pid=
[ "$status" -eq 0 ] || fail "exit status $status after SIGINT"
echo "e2e: $prog: greeting, EOF, exit 0 on SIGINT"
