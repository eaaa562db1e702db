#!/bin/sh
# flaky.sh RUNNER N [RUNNER-ARGS...]: run the suite N times and report every case whose
# status was not the same in all runs. Exit 1 if any case flipped. The environment
# (a forced backend) passes through.
set -u
runner=$1 n=$2
shift 2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
i=1
while [ "$i" -le "$n" ]; do
	"$runner" --results "$dir/$i.jsonl" "$@" >"$dir/$i.out" 2>&1
	# One progress line, rewritten in place on a terminal.
	[ -t 2 ] && cr='\r' || cr='\n'
	printf "${cr}flaky: run %d/%d: %s" "$i" "$n" "$(tail -n 1 "$dir/$i.out")" >&2
	i=$((i + 1))
done
echo >&2
# case -> the set of statuses it had
cat "$dir"/*.jsonl | sed -n 's/.*"case":"\([^"]*\)".*"status":"\([A-Z]*\)".*/\1 \2/p' |
	sort | uniq -c | awk -v n="$n" '
	{ count[$2] = count[$2] " " $3 "x" $1; k[$2]++ }
	END {
		flips = 0
		for (c in k) if (k[c] > 1) { printf "FLAKY %s:%s\n", c, count[c]; flips++ }
		printf "flaky: %d case(s) changed status over %d runs\n", flips, n
		exit flips > 0
	}'
