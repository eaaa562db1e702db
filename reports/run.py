#!/usr/bin/env python3
"""run.py: `make report`. Runs the suite for every implementation × backend asked for,
one progress line per run, then renders the report from the results files.

    run.py --out build/report [--impls "a b"] [--backends "epoll poll"] [--oracle libevent]
           [--no-screenshot]

Implementations default to every impls/*/impl.mk, backends to each one's own list
(`make -s print-backends IMPL=x`); BACKENDS= keeps only the backends named. The oracle
is run too when it is not among the implementations asked for (for the comparisons only:
it does not count for the exit status). A run that fails still leaves its results; one
that leaves none shows as CRASH for every case, and the report goes on. Each run's
output is kept in <out>/logs/<impl>.<backend>.log. Exit status: render.py's.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import render  # noqa: E402
import browser  # noqa: E402


def make(*args, capture=True):
    cmd = [os.environ.get("MAKE", "make"), "--no-print-directory"] + list(args)
    return subprocess.run(cmd, capture_output=capture, text=True)


def all_impls():
    return sorted(os.path.basename(os.path.dirname(p)) for p in glob.glob("impls/*/impl.mk"))


def tally(path):
    counts = {"passed": 0, "failed": 0, "skipped": 0, "quirk": 0}
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                r = json.loads(line)
                if r["status"] == "PASS":
                    counts["passed"] += 1
                elif r["status"] == "SKIP":
                    counts["skipped"] += 1
                elif r.get("counts", True):
                    counts["failed"] += 1
                else:
                    counts["quirk"] += 1
    except (OSError, ValueError):
        return None
    return counts


def first_interesting_cell(report_json):
    """The cell whose detail the screenshot shows: the first that does not pass (a gate
    failure first), else the first cell of an implementation other than the oracle."""
    try:
        with open(report_json, encoding="utf-8") as f:
            r = json.load(f)
    except (OSError, ValueError):
        return ""
    rank = {"CRASH": 0, "TIMEOUT": 0, "FAIL": 0, "DIFFERS": 1, "XPASS": 2, "XFAIL": 2, "SKIP": 3}
    cells = sorted((rank.get(x["status"], 9), x["impl"] == r["oracle"], n, x)
                   for n, x in enumerate(r["results"]))
    if not cells:
        return ""
    x = cells[0][3]
    return f"{x['impl']}/{x['backend']}/{x['case']}"


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="build/report")
    ap.add_argument("--impls", default="")
    ap.add_argument("--backends", default="")
    ap.add_argument("--oracle", default="libevent")
    ap.add_argument("--no-screenshot", action="store_true")
    a = ap.parse_args(argv)

    known = all_impls()
    impls = a.impls.replace(",", " ").split() or known
    for i in impls:
        if i not in known:
            print(f"report: unknown implementation {i}; available: {' '.join(known)}", file=sys.stderr)
            return 2
    wanted_backends = a.backends.replace(",", " ").split()
    gated = list(impls)
    if a.oracle not in impls and a.oracle in known:
        impls = [a.oracle] + impls
        print(f"report: also running the oracle {a.oracle} (comparison only)")

    plan = []
    for impl in impls:
        p = make("-s", "print-backends", f"IMPL={impl}")
        backends = p.stdout.split()
        if wanted_backends:
            backends = [b for b in backends if b in wanted_backends]
        if not backends:
            print(f"report: {impl}: none of the backends asked for ({' '.join(wanted_backends)}); "
                  f"it has: {p.stdout.strip()}")
            continue
        plan += [(impl, b) for b in backends]
    if not plan:
        print("report: nothing to run", file=sys.stderr)
        return 2

    logs = os.path.join(a.out, "logs")
    os.makedirs(logs, exist_ok=True)
    runs = []
    for n, (impl, backend) in enumerate(plan, 1):
        p = make("-s", "print-results", f"IMPL={impl}", f"BACKEND={backend}")
        results = p.stdout.strip().splitlines()[-1] if p.returncode == 0 and p.stdout.strip() else \
            f"build/{impl}/{backend}/results.jsonl"
        if os.path.exists(results):
            os.remove(results)   # never report a stale file
        log = os.path.join(logs, f"{impl}.{backend}.log")
        t0 = time.time()
        with open(log, "w") as f:
            status = subprocess.run([os.environ.get("MAKE", "make"), "--no-print-directory", "check",
                                     f"IMPL={impl}", f"BACKEND={backend}"],
                                    stdout=f, stderr=subprocess.STDOUT).returncode
        dt = time.time() - t0
        c = tally(results)
        if c is None:
            what = f"no results (exit status {status}; see {log})"
        else:
            what = (f"{c['passed']} passed, {c['failed']} failed, {c['skipped']} skipped"
                    + (f", {c['quirk']} quirk(s) differ" if c["quirk"] else ""))
        print(f"report: [{n}/{len(plan)}] {impl:<12} {backend:<7} {what} ({dt:.1f} s)", flush=True)
        runs.append({"impl": impl, "backend": backend, "results": os.path.abspath(results),
                     "exit_status": status, "log": os.path.abspath(log), "gate": impl in gated})

    manifest = os.path.join(a.out, "runs.json")
    with open(manifest, "w") as f:
        json.dump({"runs": runs}, f, indent=1)
    rc = render.main(["--runs", manifest, "--out", a.out, "--oracle", a.oracle])
    if not a.no_screenshot and browser.find_chromium():
        shot = os.path.join(a.out, "screenshot.png")
        try:
            browser.screenshot(os.path.join(a.out, "index.html"), shot,
                               fragment=first_interesting_cell(os.path.join(a.out, "report.json")))
            print(f"report: screenshot {shot}")
        except (OSError, subprocess.SubprocessError, RuntimeError) as ex:
            print(f"report: no screenshot: {ex}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
