"""coverage_run: `make coverage [LIBEVENT_SRC=dir]` and `make coverage-regress`. libevent
built with gcov: 2.1.12 from Debian's source package (build/coverage/libevent, with its
regress suite), or the tree LIBEVENT_SRC names (impls/libevent-src, flavour gcov); the suite
under every backend through LIBEVENT_PREFIX, or libevent's own full regress suite for the
baseline; then per-file line and branch coverage (tools/coverage/report.py)."""
import glob
import os
import subprocess
import sys

import bevconf
import impls
from bevconf import ROOT, say

COVERAGE = os.path.abspath(os.path.join(bevconf.BUILD, "coverage"))
BASELINE = os.path.join(ROOT, "tools", "coverage", "regress-baseline.txt")


def run(cfg, regress):
    tree = cfg.get("LIBEVENT_SRC")
    if tree and regress:
        raise bevconf.Stop("coverage-regress measures Debian's 2.1.12 tree only (its regress suite)")
    if tree:
        tree = os.path.abspath(tree)
        prefix = os.path.abspath(os.path.join(bevconf.BUILD, "fuzz", impls.source_tree_name(tree), "gcov"))
        bevconf.make([os.path.join(prefix, ".source-dir")], {"LIBEVENT_SRC": tree})
    else:
        prefix = os.path.join(COVERAGE, "libevent")
        bevconf.make([os.path.join(bevconf.BUILD, "coverage", "libevent", ".source-dir")], {})
    src = open(os.path.join(prefix, ".source-dir")).read().strip()
    for f in glob.glob(os.path.join(src, "**", "*.gcda"), recursive=True):
        os.remove(f)
    report = [sys.executable, os.path.join(ROOT, "tools", "coverage", "report.py"), src]
    if regress:
        with open(os.path.join(COVERAGE, "regress.log"), "w") as log:
            subprocess.run(["./test/regress"], cwd=src, stdout=log, stderr=subprocess.STDOUT)
        return subprocess.run(report + [os.devnull, COVERAGE, BASELINE]).returncode
    target = bevconf.Target(bevconf.get_impl("libevent"), prefix=prefix, extra={"LDFLAGS": "--coverage"})
    target.build()
    for b in ("epoll", "poll", "select"):
        with open(os.devnull, "w") as null:
            _, tally = bevconf.run_suite(target, b, jobs=cfg.number("CASE_JOBS"), timeout=5, log=null,
                                         quiet_summary=True)
        say(f"coverage: suite under {b}: {tally.line()}")
    return subprocess.run(report + [BASELINE, COVERAGE]).returncode
