#!/bin/sh
# runner-selftest.sh RUNNER: run the self-test list and check each case's status, that
# the run goes on after a crash and a hang, and that the exit status and closing line
# count only what should count.
set -u
runner=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# Three workers, so a crash and a hang in one worker's cases must not disturb the others.
"$runner" --impl selftest --timeout 0.5 --jobs 3 --results "$dir/r.jsonl" >"$dir/out" 2>&1
rc=$?
fails=0
expect() { # expect CASE STATUS [TEXT-IN-LINE]
	line=$(grep "\"case\":\"$1\"" "$dir/r.jsonl")
	if printf '%s' "$line" | grep -q "\"status\":\"$2\"" && printf '%s' "$line" | grep -qF -- "${3:-}"; then
		echo "ok   $1 is $2"
	else
		echo "FAIL $1: wanted $2 ${3:-}, got: $line"; fails=$((fails + 1))
	fi
}
expect st.pass PASS
expect st.fail FAIL '"expected":"42","actual":"41"'
expect st.fail FAIL 'bev: writecb in=0 out=0 enabled=W'
expect st.crash CRASH
expect st.hang TIMEOUT
expect st.skip SKIP 'not implemented: bufferevent_imaginary'
expect st.quirk FAIL '"counts":false'
expect st.after_free FAIL 'no callback after bufferevent_free'
expect st.pass.again PASS
if [ "$rc" -eq 1 ] && grep -qx '2 passed, 4 failed, 1 skipped' "$dir/out"; then
	echo "ok   exit status 1 and closing line '2 passed, 4 failed, 1 skipped'"
else
	echo "FAIL exit status $rc, closing line: $(tail -n 1 "$dir/out")"; fails=$((fails + 1))
fi
[ "$fails" -eq 0 ] || { cat "$dir/out"; exit 1; }
