#!/usr/bin/env python3
"""diff.py OLD/report.json NEW/report.json: what changed between two bevconf reports.

Compares every (implementation, backend, case) cell. Statuses rank as
  2  PASS, XPASS, SAME-AS-ORACLE, DIFFERS   (passing, or a QUIRK that is never a failure)
  1  XFAIL, SKIP                            (declared or not run)
  0  FAIL, CRASH, TIMEOUT
A regression is a cell whose rank went down, a fix one whose rank went up; a cell whose
status changed within a rank, or whose trace changed (compared as report.json's
trace_diff does, errno outside ERROR eventcbs ignored), is listed as changed, with the
trace diff. Cells present on one side only are listed as added or removed.
Exit status: 1 when there is a regression, 0 otherwise, 2 for bad input.
"""
import difflib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bevreport  # noqa: E402

RANK = {"PASS": 2, "XPASS": 2, "SAME-AS-ORACLE": 2, "DIFFERS": 2,
        "XFAIL": 1, "SKIP": 1, "FAIL": 0, "CRASH": 0, "TIMEOUT": 0}


def load(path):
    with open(path, encoding="utf-8") as f:
        r = json.load(f)
    if r.get("schema") != bevreport.SCHEMA:
        raise ValueError(f"{path}: not a {bevreport.SCHEMA} report (schema {r.get('schema')!r})")
    return r


def cells(report):
    return {(r["impl"], r["backend"], r["case"]): r for r in report["results"]}


def compare(old, new):
    a, b = cells(old), cells(new)
    out = {"regressions": [], "fixes": [], "changed": [], "trace_changed": [],
           "added": [], "removed": []}
    for key in sorted(set(a) | set(b)):
        name = {"impl": key[0], "backend": key[1], "case": key[2]}
        if key not in a:
            out["added"].append(dict(name, new=b[key]["status"]))
            continue
        if key not in b:
            out["removed"].append(dict(name, old=a[key]["status"]))
            continue
        o, n = a[key], b[key]
        entry = dict(name, old=o["status"], new=n["status"])
        ro, rn = RANK.get(o["status"], 0), RANK.get(n["status"], 0)
        if rn < ro:
            out["regressions"].append(entry)
        elif rn > ro:
            out["fixes"].append(entry)
        elif o["status"] != n["status"]:
            out["changed"].append(entry)
        if bevreport.normalize_trace(o["trace"]) != bevreport.normalize_trace(n["trace"]):
            out["trace_changed"].append(dict(entry, diff=[
                l.rstrip("\n") for l in difflib.unified_diff(
                    o["trace"], n["trace"], "old", "new", lineterm="", n=2)][2:]))
    return out


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print("usage: diff.py OLD/report.json NEW/report.json", file=sys.stderr)
        return 2
    try:
        old, new = load(argv[0]), load(argv[1])
    except (OSError, ValueError) as ex:
        print(f"report-diff: {ex}", file=sys.stderr)
        return 2
    d = compare(old, new)
    print(f"report-diff: {argv[0]} ({old['generated']}) -> {argv[1]} ({new['generated']})")

    def cell(x):
        return f"{x['case']} on {x['impl']}/{x['backend']}"
    for title, key in (("regressions", "regressions"), ("fixes", "fixes"),
                       ("status changes", "changed")):
        print(f"{title}: {len(d[key])}")
        for x in d[key]:
            print(f"  {x['old']:>14} -> {x['new']:<14} {cell(x)}")
    print(f"changed traces: {len(d['trace_changed'])}")
    for x in d["trace_changed"]:
        print(f"  {cell(x)} ({x['old']} -> {x['new']})")
        for line in x["diff"]:
            print(f"      {line}")
    for title, key, field in (("added", "added", "new"), ("removed", "removed", "old")):
        if d[key]:
            print(f"{title}: {len(d[key])}")
            for x in d[key]:
                print(f"  {x[field]:<14} {cell(x)}")
    for label, rep in (("old", old), ("new", new)):
        s = ", ".join(f"{i} MUST {rep['scores'][i]['MUST']['passed']}/{rep['scores'][i]['MUST']['total']}"
                      for i in rep["scores"])
        print(f"{label}: {s}")
    return 1 if d["regressions"] else 0


if __name__ == "__main__":
    sys.exit(main())
