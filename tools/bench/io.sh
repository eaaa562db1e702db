#!/bin/sh
# io.sh REPEAT SECONDS IMPL BACKEND ECHO CHURN [ENV=VALUE...]: run the echo and churn
# programs REPEAT times each under one backend; print one row "IMPL BACKEND MB/s conn/s"
# with the best run of each (a benchmark's noise only ever makes it slower).
set -u
repeat=$1 seconds=$2 impl=$3 backend=$4 echo_prog=$5 churn_prog=$6
shift 6
best() { # best PROG: the highest figure of REPEAT runs; fails if the backend is not the one asked
	i=0 top=0
	while [ "$i" -lt "$repeat" ]; do
		out=$(env "$@" "$prog" "$seconds") || { echo "bench: $prog failed under $backend" >&2; exit 1; }
		method=${out%% *} figure=$(echo "$out" | cut -d' ' -f2)
		[ "$method" = "$backend" ] || { echo "bench: $prog ran $method, not $backend" >&2; exit 1; }
		top=$(awk -v a="$top" -v b="$figure" 'BEGIN { print (b > a) ? b : a }')
		i=$((i + 1))
	done
	echo "$top"
}
prog=$echo_prog; mbs=$(best "$@") || exit 1
prog=$churn_prog; cps=$(best "$@") || exit 1
echo "$impl $backend $mbs $cps"
