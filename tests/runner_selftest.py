"""runner_selftest: the runner over tests/runner_cases.def, cases that pass, fail, crash,
hang, skip and differ on purpose, in three shards side by side: each case's record must
carry its status and details, the run must go on after a crash and a hang, and the exit
statuses must count only what fails."""
import os
import tempfile

import bevconf
import results
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
}


def check(target):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "r.jsonl")
        with open(os.path.join(tmp, "out"), "w") as log:
            records, tally = bevconf.run_suite(target, None, jobs=3, timeout=0.5, results_path=path,
                                               log=log, quiet_summary=True,
                                               runner=target.path("runner-selftest"))
        got = {r["case"]: r for r in records}
        bad = []
        for case, (status, fields) in EXPECT.items():
            r = got.get(case)
            if r is None or r["status"] != status:
                bad.append(f"{case}: wanted {status}, got {r and r['status']}")
                continue
            for k, text in fields.items():
                v = r.get(k)
                v = " | ".join(v) if isinstance(v, list) else (v or "")
                if text.lower() not in v.lower():
                    bad.append(f"{case}: {k} wanted to contain {text!r}, is {v!r}")
        if set(got) != set(EXPECT):
            bad.append(f"cases recorded {sorted(got)}, wanted {sorted(EXPECT)}")
        if (tally.passed, tally.failed, tally.skipped, tally.differs) != (2, 4, 1, 1):
            bad.append(f"tally {tally.line()}, wanted 2 passed, 4 failed, 1 skipped, 1 differ")
        for case in ("st.pass", "st.quirk", "st.skip"):
            rc = subprocess_rc(target, case)
            if rc != 0:
                bad.append(f"runner exit status {rc} for {case} alone, wanted 0")
        if subprocess_rc(target, "st.fail") != 1:
            bad.append("runner exit status for st.fail alone is not 1")
        if bad:
            raise Stop("runner self-test: " + "; ".join(bad), 1)
    say(f"runner self-test: {len(EXPECT)} verdicts as expected on {target.name}; exit statuses 0/1")


def subprocess_rc(target, case):
    import subprocess
    return subprocess.run([target.path("runner-selftest"), "--timeout", "0.5", case],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
