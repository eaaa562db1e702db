#!/bin/sh
# bench.sh REPEAT IMPL BACKEND RUNNER [ENV=VALUE...]: the suite's wall time on one
# implementation and backend, best and median of REPEAT runs, as one table row. The
# runner runs $JOBS cases at a time (default 1).
set -u
repeat=$1 impl=$2 backend=$3 runner=$4
shift 4
times=""
i=0
while [ "$i" -lt "$repeat" ]; do
	start=$(date +%s%N)
	env "$@" "$runner" --backend "$backend" --jobs "${JOBS:-1}" >/dev/null 2>&1
	end=$(date +%s%N)
	times="$times $(((end - start) / 1000000))"
	i=$((i + 1))
done
echo "$times" | tr ' ' '\n' | grep . | sort -n | awk -v impl="$impl" -v b="$backend" '
	{ t[NR] = $1 / 1000 } END { printf "%-28s %-8s %8.3f s %8.3f s  (%d runs)\n", impl, b, t[1], t[int((NR + 1) / 2)], NR }'
