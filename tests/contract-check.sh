#!/bin/sh
# contract-check.sh RUNNER: every rule of cases/CONTRACT.md is cited by at least one case,
# and every rule a case cites exists.
set -u
runner=$1
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
grep -oE '^\*\*[A-Z][0-9]+\*\*' cases/CONTRACT.md | tr -d '*' | sort -u >"$tmp/rules"
"$runner" --list | awk 'NR > 1 { n = split($2, r, ","); for (i = 1; i <= n; i++) print r[i] }' |
	sort -u >"$tmp/cited"
uncited=$(comm -23 "$tmp/rules" "$tmp/cited" | tr '\n' ' ')
unknown=$(comm -13 "$tmp/rules" "$tmp/cited" | tr '\n' ' ')
echo "contract: $(wc -l <"$tmp/rules") rules, $("$runner" --list | tail -n +2 | wc -l) cases"
[ -z "$uncited" ] || echo "contract: rules no case cites: $uncited"
[ -z "$unknown" ] || echo "contract: cases cite rules CONTRACT.md lacks: $unknown"
[ -z "$uncited$unknown" ]
