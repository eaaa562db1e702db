"""versions: `make versions [TREES="dir ..."] [VERSION_IMPLS="libevent libevent-2.1.13"]`.
The suite on every built-in libevent release (the system 2.1.12 and 2.1.13, built from
Debian's archive) plus any source trees given, then the measured changelog: for each case
whose status is not the same on every version, the versions on each side and the rule
variant that explains the difference (the `variant` a case recorded where it judged by a
newer rule). A difference no variant explains is flagged: a regression, or a rule to
version. Writes build/versions/versions.md; exit 1 when something is unexplained."""
import os

import bevconf
import results
from bevconf import say

OUT = os.path.join(bevconf.BUILD, "versions")


def run(cfg):
    names = cfg.words("VERSION_IMPLS") or ["libevent", "libevent-2.1.13"]
    targets = [bevconf.Target(bevconf.get_impl(n)) for n in names]
    targets += [bevconf.Target(bevconf.get_impl("libevent-src"), src=d) for d in cfg.words("TREES")]
    os.makedirs(OUT, exist_ok=True)
    columns = []   # (label, {case: record})
    for t in targets:
        with open(os.path.join(OUT, f"{t.name}.log"), "w") as log:
            t.build(log=log)
            records, tally = bevconf.run_suite(t, None, jobs=cfg.number("CASE_JOBS"),
                                               timeout=cfg.number("TIMEOUT", float, 0.1),
                                               results_path=os.path.join(OUT, t.name, "results.jsonl"),
                                               log=log, quiet_summary=True)
        version = records[0].get("version") if records else None
        label = f"{version or t.name}"
        say(f"versions: {label:<24} ({t.name}): {tally.line()}")
        columns.append((label, {r["case"]: r for r in records}))

    cases = []
    for _, recs in columns:
        cases += [c for c in recs if c not in cases]
    rows, unexplained = [], 0
    for case in cases:
        statuses = [recs.get(case, {}).get("status", "-") for _, recs in columns]
        variants = sorted({recs[case]["variant"] for _, recs in columns
                           if case in recs and recs[case].get("variant")})
        if len(set(statuses)) == 1 and not variants:
            continue
        differs = len(set(statuses)) > 1
        if differs:
            unexplained += 1
            why = "UNEXPLAINED: a regression, or a rule to version"
        else:
            why = "explained: " + "; ".join(variants)
        good = [label for (label, _), st in zip(columns, statuses) if st == "PASS"]
        bad = [f"{label} {st}" for (label, _), st in zip(columns, statuses) if st != "PASS"]
        rows.append((case, statuses, why, good, bad))

    rule_of = {c: recs[c]["rule"] for _, recs in columns for c in recs}
    path = os.path.join(OUT, "versions.md")
    with open(path, "w") as f:
        f.write("# bevconf: rules x libevent versions\n\n")
        f.write("| case | rule | " + " | ".join(label for label, _ in columns) + " | why |\n")
        f.write("|---|---|" + "---|" * len(columns) + "---|\n")
        for case, statuses, why, _, _ in rows:
            f.write(f"| `{case}` | {rule_of.get(case, '')} | " + " | ".join(statuses) + f" | {why} |\n")
        if not rows:
            f.write("| (every case has the same status on every version, judged by the same rule) |\n")
    for case, statuses, why, good, bad in rows:
        say(f"versions: {case} ({rule_of.get(case, '')}): "
            + (f"passes on {', '.join(good) or 'none'}; {', '.join(bad)}; " if bad else "")
            + why)
    say(f"versions: {len(rows)} case(s) judged differently or differing across {len(columns)} versions, "
        f"{unexplained} unexplained; {path}")
    return 1 if unexplained else 0
