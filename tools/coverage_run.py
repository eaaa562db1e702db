"""coverage_run: `make coverage [LIBEVENT_SRC=dir]` and `make coverage-regress`. libevent
built with gcov (impls/libevent-src, flavour gcov): 2.1.12 from Debian's source package, with
its regress suite, or the tree LIBEVENT_SRC names; the suite
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


def gcov_prefix(tree=None):
    """The gcov build of Debian's 2.1.12 tree, or of the tree LIBEVENT_SRC names, built."""
    name = impls.source_tree_name(os.path.abspath(tree)) if tree else "libevent-debian"
    prefix = os.path.abspath(os.path.join(bevconf.BUILD, "fuzz", name, "gcov"))
    bevconf.make([os.path.join(prefix, ".source-dir")], {"LIBEVENT_SRC": os.path.abspath(tree)} if tree else {})
    return prefix


def run(cfg, regress):
    tree = cfg.get("LIBEVENT_SRC")
    if tree and regress:
        raise bevconf.Stop("coverage-regress measures Debian's 2.1.12 tree only (its regress suite)")
    prefix = gcov_prefix(tree)
    os.makedirs(COVERAGE, exist_ok=True)
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
