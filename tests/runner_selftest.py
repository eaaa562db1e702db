"""runner_selftest: the runner over tests/runner_cases.def, cases that pass, fail, crash,
hang, skip and differ on purpose, in three shards side by side: each case's record must
carry its status and details, the run must go on after a crash and a hang, and the exit
statuses must count only what fails."""
import os
import tempfile

import bevconf
from bevconf import Stop, say

# case -> (status, {field: text the field must contain})
EXPECT = {
    "st.pass": ("PASS", {}),
    "st.fail": ("FAIL", {"expected": "42", "actual": "41", "where": "tests/runner_cases.c:",
                         "trace": "bev: writecb in=0 out=0 enabled=W"}),
    "st.crash": ("CRASH", {"message": "signal 11"}),
    "st.hang": ("TIMEOUT", {"message": "timeout"}),
    "st.skip": ("SKIP", {"message": "not implemented: bufferevent_imaginary"}),
    "st.quirk": ("DIFFERS", {}),
    "st.after_free": ("FAIL", {"check": "no callback after bufferevent_free"}),
    "st.pass.again": ("PASS", {}),
    "st.noisy": ("PASS", {"output": "noisy stderr line 0"}),
    "st.use_after_free": ("PASS", {}),
}
# Under a memory checker the use after free is the verdict.
MEMORY_ERROR = {"asan": ("CRASH", {"message": "heap-use-after-free at st_use_after_free"}),
                "valgrind": ("CRASH", {"message": "Invalid read of size 1 at st_use_after_free"})}


def check(target, memcheck=None):
    """memcheck: None, "asan" (target built with SANITIZE=1) or "valgrind"."""
    expect = dict(EXPECT)
    wrapper, timeout = (), 0.5
    if memcheck:
        expect["st.use_after_free"] = MEMORY_ERROR[memcheck]
    if memcheck == "asan":   # ASan reports the signal itself; symbolizing takes a while
        expect["st.crash"] = ("CRASH", {"message": "AddressSanitizer: SEGV at st_crash"})
        timeout = 3
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "r.jsonl")
        if memcheck == "valgrind":
            os.environ["BEVCONF_VALGRIND_LOGS"] = tmp
            wrapper, timeout = bevconf.VALGRIND + [f"--log-file={tmp}/vg.%p"], 20
        with open(os.path.join(tmp, "out"), "w") as log:
            records, tally = bevconf.run_suite(target, None, jobs=3, timeout=timeout, results_path=path,
                                               log=log, quiet_summary=True, wrapper=wrapper,
                                               runner=target.path("runner-selftest"))
        os.environ.pop("BEVCONF_VALGRIND_LOGS", None)
        console = open(os.path.join(tmp, "out")).read()
        got = {r["case"]: r for r in records}
        bad = []
        if "noisy stdout line" in console or "noisy stderr line" in console:
            bad.append("a case's own output reached the run's console")
        if got.get("st.noisy", {}).get("output_bytes", 0) < 40000 * 19:
            bad.append("st.noisy: output_bytes does not count all it printed")
        for case, (status, fields) in expect.items():
            r = got.get(case)
            if r is None or r["status"] != status:
                bad.append(f"{case}: wanted {status}, got {r and r['status']}")
                continue
            for k, text in fields.items():
                v = r.get(k)
                v = " | ".join(v) if isinstance(v, list) else (v or "")
                if text.lower() not in v.lower():
                    bad.append(f"{case}: {k} wanted to contain {text!r}, is {v!r}")
        if set(got) != set(expect):
            bad.append(f"cases recorded {sorted(got)}, wanted {sorted(expect)}")
        want = (4 - bool(memcheck), 4 + bool(memcheck), 1, 1)
        if (tally.passed, tally.failed, tally.skipped, tally.differs) != want:
            bad.append(f"tally {tally.line()}, wanted {want[0]} passed, {want[1]} failed, 1 skipped, 1 differ")
        for case in ("st.pass", "st.quirk", "st.skip"):
            rc = subprocess_rc(target, case)
            if rc != 0:
                bad.append(f"runner exit status {rc} for {case} alone, wanted 0")
        if subprocess_rc(target, "st.fail") != 1:
            bad.append("runner exit status for st.fail alone is not 1")
        if bad:
            raise Stop("runner self-test: " + "; ".join(bad), 1)
    say(f"runner self-test: {len(expect)} verdicts as expected on {target.name}"
        f"{' under ' + memcheck if memcheck else ''}; exit statuses 0/1")


def subprocess_rc(target, case):
    import subprocess
    return subprocess.run([target.path("runner-selftest"), "--timeout", "0.5", case],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
