#!/bin/sh
# ratio.sh: rows "IMPL BACKEND MB/s conn/s" on stdin (ref and libevent per backend) ->
# a table with, per backend, ref's figures as a ratio of libevent's.
awk '
	{ mbs[$1, $2] = $3; cps[$1, $2] = $4; if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 } }
	END {
		printf "%-10s %-8s %14s %14s\n", "impl", "backend", "echo MB/s", "churn conn/s"
		for (k = 1; k <= n; k++) {
			b = order[k]
			printf "%-10s %-8s %14.1f %14.0f\n", "ref", b, mbs["ref", b], cps["ref", b]
			printf "%-10s %-8s %14.1f %14.0f\n", "libevent", b, mbs["libevent", b], cps["libevent", b]
			printf "%-10s %-8s %13.2fx %13.2fx\n", "ref/libev", b,
				mbs["libevent", b] ? mbs["ref", b] / mbs["libevent", b] : 0,
				cps["libevent", b] ? cps["ref", b] / cps["libevent", b] : 0
		}
	}'
