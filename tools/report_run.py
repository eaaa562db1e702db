"""report_run: `make report`. Runs the suite for every implementation x backend asked for
(IMPLS=, BACKENDS=; default every implementation in impls/impls.txt and its backends),
one progress line per run, then renders the report from the results files alone
(reports/render.py). The oracle (ORACLE=, default libevent) is run too when it is not
among the implementations asked for (for the comparisons only: it does not count for the
exit status). A run that fails still leaves its results; one that leaves none shows as
CRASH for every case, and the report goes on. Each run's console output is kept in
<out>/logs/<impl>.<backend>.log. Exit status: render.py's."""
import json
import os
import subprocess
import time

import bevconf
import browser
import render


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


def run(cfg):
    out = os.path.join(bevconf.BUILD, "report")
    oracle = cfg.get("ORACLE")
    known = bevconf.known_impls()
    names = cfg.words("IMPLS") or list(known)
    for i in names:
        bevconf.get_impl(i)
    wanted_backends = cfg.words("BACKENDS")
    gated = list(names)
    if oracle not in names and oracle in known:
        names = [oracle] + names
        bevconf.say(f"report: also running the oracle {oracle} (comparison only)")

    plan = []
    for name in names:
        impl = known[name]
        # An implementation with no backend list runs its own default.
        backends = [b for b in impl.backends if not wanted_backends or b in wanted_backends] \
            if impl.backends else [None]
        if not backends:
            bevconf.say(f"report: {name}: none of the backends asked for ({' '.join(wanted_backends)}); "
                        f"it has: {' '.join(impl.backends)}")
        plan += [(impl, b) for b in backends]
    if not plan:
        raise bevconf.Stop("report: nothing to run")
    # An implementation that runs its own default backend is compared with the oracle's
    # default run: make one when the plan has none.
    if oracle in known and any(b is None for _, b in plan) and (known[oracle], None) not in plan:
        plan.insert(0, (known[oracle], None))

    logs = os.path.join(out, "logs")
    os.makedirs(logs, exist_ok=True)
    runs = []
    for n, (impl, backend) in enumerate(plan, 1):
        target = bevconf.Target(impl)
        log = os.path.join(logs, f"{impl.name}.{backend or 'default'}.log")
        t0 = time.time()
        status = 0
        with open(log, "w") as f:
            try:
                target.build()
                _, tally = bevconf.run_suite(target, backend, jobs=cfg.number("CASE_JOBS"),
                                             timeout=cfg.number("TIMEOUT", float, 0.1), log=f,
                                             quiet_summary=True)
                what = tally.line()
                status = 1 if tally.failed else 0
            except bevconf.Stop as ex:
                f.write(f"bevconf: {ex}\n")
                what, status = f"no results ({ex}; see {log})", ex.code
        bevconf.say(f"report: [{n}/{len(plan)}] {impl.name:<12} {backend or 'default':<7} {what} ({time.time() - t0:.1f} s)")
        runs.append({"impl": impl.name, "backend": backend or "default",
                     "results": os.path.abspath(target.results_path(backend)),
                     "exit_status": status, "log": os.path.abspath(log), "gate": impl.name in gated})

    manifest = os.path.join(out, "runs.json")
    with open(manifest, "w") as f:
        json.dump({"runs": runs}, f, indent=1)
    rc = render.main(["--runs", manifest, "--out", out, "--oracle", oracle])
    if browser.find_chromium():
        shot = os.path.join(out, "screenshot.png")
        try:
            browser.screenshot(os.path.join(out, "index.html"), shot,
                               fragment=first_interesting_cell(os.path.join(out, "report.json")))
            bevconf.say(f"report: screenshot {shot}")
        except (OSError, subprocess.SubprocessError, RuntimeError) as ex:
            bevconf.say(f"report: no screenshot: {ex}")
    return rc
