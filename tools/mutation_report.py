"""mutation_report: the scores of make mutation, rendered from its results records (one per
mutant, tools/mutation.py) and the declared equivalents. Markdown: by file, operator and
function, bevconf's suite beside libevent's regress groups on the same mutants; then every
survivor with its line, the change, and the cases that reach it.

A mutant that does not compile is left out; a declared equivalent is listed but not scored
(and flagged if something kills it: then it is not equivalent)."""
import os
import sys
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EQUIVALENTS = os.path.join(ROOT, "mutants", "libevent", "equivalents.txt")


def equivalents(tree_name, path=EQUIVALENTS):
    """{mutant id: reason} declared for this tree: lines `TREE ID REASON`."""
    found = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 2)
            if len(parts) < 3:
                raise SystemExit(f"bevconf: {path}:{n}: want TREE ID REASON")
            if parts[0] == tree_name:
                found[parts[1]] = parts[2]
    return found


def function_of(functions, line):
    best = None
    for name, first, last in functions:
        if first <= line <= last and (best is None or first > best[1]):
            best = (name, first)
    return best[0] if best else "(file scope)"


def pct(k, n):
    return f"{100 * k / n:.1f}%" if n else "-"


def table(title, rows):
    out = [f"| {title} | mutants | suite kills | | regress kills | | either |", "|---|---|---|---|---|---|---|"]
    for name, rs in rows:
        n = len(rs)
        s = sum(r["suite"] == "killed" for r in rs)
        g = sum(r["regress"] == "killed" for r in rs)
        e = sum(r["suite"] == "killed" or r["regress"] == "killed" for r in rs)
        out.append(f"| {name} | {n} | {s} | {pct(s, n)} | {g} | {pct(g, n)} | {pct(e, n)} |")
    return out


def render(records, equiv, cover):
    functions = cover.get("functions", {})
    built = [r for r in records if r["build"] == "ok"]
    scored = [r for r in built if r["id"] not in equiv]
    out = ["# Mutation analysis", "",
           f"{len(records)} mutants: {len(records) - len(built)} do not compile, "
           f"{len(built) - len(scored)} declared equivalent, {len(scored)} scored.", ""]
    by_file, by_op, by_fn = defaultdict(list), defaultdict(list), defaultdict(list)
    for r in scored:
        by_file[r["file"]].append(r)
        by_op[r["op"]].append(r)
        by_fn[f"{r['file']} {function_of(functions.get(r['file'], []), r['line'])}"].append(r)
    out += table("file", sorted(by_file.items()) + [("**all**", scored)]) + [""]
    out += table("operator", sorted(by_op.items())) + [""]
    out += ["<details><summary>by function</summary>", ""]
    out += table("function", sorted(by_fn.items())) + ["", "</details>", ""]
    regress_only = [r for r in scored if r["regress"] == "killed" and r["suite"] != "killed"]
    out += [f"Killed by libevent's regress groups but not by the suite: {len(regress_only)}"
            + (": " + ", ".join(r["id"] for r in regress_only) if regress_only else "."), ""]
    wrong = [r for r in built if r["id"] in equiv and r["suite"] == "killed"]
    if wrong:
        out += ["Declared equivalent but killed by the suite (remove from the equivalents list): "
                + ", ".join(r["id"] for r in wrong), ""]
    survivors = [r for r in scored if r["suite"] != "killed"]
    out += [f"## Survivors ({len(survivors)})", ""]
    reach = cover.get("reach", {})
    for r in sorted(survivors, key=lambda r: (r["file"], r["line"], r["id"])):
        cases = reach.get(r["file"], {}).get(str(r["line"]), [])
        if r.get("only"):
            reached = "run with " + ", ".join(r["only"]) + " only"
        elif r["suite"] == "unreached":
            reached = "no case reaches this line"
        else:
            shown = sorted(cases)[:5]
            reached = f"reached by {len(cases)} case(s)" + (": " + ", ".join(shown) if shown else " (every case ran)") \
                + (", ..." if len(cases) > 5 else "")
        fn = function_of(functions.get(r["file"], []), r["line"])
        out += [f"- `{r['id']}` in `{fn}` ({r['file']}:{r['line']}), regress {r['regress']}; {reached}",
                f"  `- {r['old'].strip()}`", f"  `+ {r['new'].strip()}`"]
    listed = [r for r in built if r["id"] in equiv]
    if listed:
        out += ["", f"## Declared equivalent ({len(listed)})", ""]
        out += [f"- `{r['id']}`: {equiv[r['id']]}" for r in listed]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    # tools/mutation_report.py RESULTS.jsonl TREE [coverage.json]: re-render a results file
    # (a mutant's last record counts).
    import json
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: tools/mutation_report.py RESULTS.jsonl TREE [coverage.json]")
    recs = list({r["id"]: r for r in map(json.loads, filter(str.strip, open(sys.argv[1])))}.values())
    cov = json.load(open(sys.argv[3])) if len(sys.argv) > 3 else {}
    sys.stdout.write(render(recs, equivalents(sys.argv[2]), cov))
