#!/bin/sh
# mutants.sh [NAME...]: each mutants/ref/<name>.patch breaks one rule in a copy of ref's
# sources; the cases its "# Killed by:" line names must then fail (FAIL, CRASH, TIMEOUT, or
# a QUIRK case that differs), after passing on the unmutated copy. One line per mutant;
# exit 1 when a mutant survives or a patch no longer applies. Used by `make mutants`.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=build/mutants
src=$out/src # one path for every mutant, so the dependency files stay valid
MAKE=${MAKE:-make}

if [ $# -gt 0 ]; then
	patches=""
	for n in "$@"; do
		[ -f "mutants/ref/$n.patch" ] || { echo "mutants: no such mutant: $n (see mutants/ref/)" >&2; exit 2; }
		patches="$patches mutants/ref/$n.patch"
	done
else
	patches=$(ls mutants/ref/*.patch)
fi

killers() { sed -n 's/^# Killed by: //p' "$1"; }

# statuses CASES...: "<case> <status>" for each of these exact ids in the last run (CASES
# selects by prefix, so the run may hold more).
statuses() {
	python3 -c 'import json, sys
want = sys.argv[2:]
got = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    st = r["status"]
    if st == "FAIL" and r.get("counts") is False:
        st = "DIFFERS"
    got[r["case"]] = st
for c in want:
    print(c, got.get(c, "MISSING"))' "$out/ref/default/results.jsonl" "$@"
}

# run_cases SRCDIR CASES...: build ref from SRCDIR and run the cases.
run_cases() {
	dir=$1
	shift
	rm -rf "$src" "$out/ref/default/results.jsonl" && mkdir -p "$out" && cp -r "$dir" "$src"
	$MAKE -s --no-print-directory check IMPL=ref BUILD="$out" REF_SRCDIR="$src" CASES="$*" \
		>"$out/last.log" 2>&1
}

all=""
for p in $patches; do all="$all $(killers "$p")"; done
run_cases impls/ref/src $all
bad=$(statuses $all | awk '$2 != "PASS" {print $1 " " $2}')
if [ -n "$bad" ] || [ ! -s "$out/ref/default/results.jsonl" ]; then
	echo "mutants: the killing cases must pass on ref as it is; they do not:" >&2
	echo "${bad:-(no results: see $out/last.log)}" >&2
	exit 1
fi

survived=0
for p in $patches; do
	name=$(basename "$p" .patch)
	what=$(sed -n 's/^# Mutant: //p' "$p")
	rm -rf "$out/mutant" && cp -r impls/ref/src "$out/mutant"
	if ! patch -s -p1 -d "$out/mutant" <"$p" >"$out/patch.log" 2>&1; then
		echo "mutants: $name: the patch no longer applies: $(head -n 1 "$out/patch.log")"
		survived=$((survived + 1))
		continue
	fi
	kills=$(killers "$p")
	run_cases "$out/mutant" $kills
	if [ ! -s "$out/ref/default/results.jsonl" ]; then
		echo "mutants: $name: no results (build failed?): $(grep -m1 -i error "$out/last.log")"
		survived=$((survived + 1))
		continue
	fi
	alive=$(statuses $kills | awk '$2 !~ /^(FAIL|CRASH|TIMEOUT|DIFFERS)$/ {print $1 " " $2}' | tr '\n' ' ')
	if [ -n "$alive" ]; then
		echo "SURVIVED $name ($what): not failing: $alive"
		survived=$((survived + 1))
	else
		echo "killed   $name ($what): $(statuses $kills | tr '\n' ' ')"
	fi
done
rm -rf "$out/mutant" "$src" "$out/ref/default/results.jsonl" # not part of make test's count
[ "$survived" -eq 0 ] || { echo "mutants: $survived mutant(s) survived"; exit 1; }
echo "mutants: all $(echo $patches | wc -w) killed"
