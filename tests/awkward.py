#!/usr/bin/env python3
"""awkward: the suite on impls/awkward, ref made awkward on purpose (a subset of its API,
other constant values, a loop that ignores EVLOOP_ONCE/NONBLOCK), and on its planted bugs
(mutants/awkward/). What must hold:

  * the harness builds and runs against it: every case has a record, none fails (awkward
    behaves as ref does; a failure means the harness leans on libevent's values or loop);
  * what awkward lacks is a SKIP with the expected reason, decided per case (a function
    missing, a constant missing, a case that does not compile), never a failed build;
  * no header of the host's libevent-dev fills a gap (awkward has no event2/dns.h);
  * the console stays bounded;
  * below the core the build stops with one line naming what is missing;
  * each planted bug is reported by the cases its patch names (`# Caught by:`), under
    ASan when the patch says `# Needs: SANITIZE=1`; a patch naming none is run and what
    catches it is printed (a gap in the cases, not a failure of this test).

    python3 tests/awkward.py [MUTANTS=name,...] [CASE_JOBS=n]

Prints its figures: cases run, skipped by reason, console size, time."""
import collections
import glob
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))
import bevconf  # noqa: E402
import results  # noqa: E402
from bevconf import Stop, say  # noqa: E402
from mutants import header  # noqa: E402  (a patch's "# Key: value" lines)

BUILD = os.path.join(bevconf.BUILD, "awkward-test")
PATCHES = os.path.join(ROOT, "mutants", "awkward")
# What awkward leaves out of ref (impls/awkward/headers.py, build.sh), and ref lacks (evdns,
# event_base_get_num_events and its EVENT_BASE_COUNT_* constants, the libevent 2.2 API of
# area M).
API22_FUNCTIONS = {
    "evbuffer_set_max_read", "evbuffer_get_max_read", "evbuffer_add_reference_with_offset",
    "bufferevent_replacefd", "bufferevent_socket_connect_hostname_hints"}
MISSING_FUNCTIONS = {
    "bufferevent_pair_new", "bufferevent_pair_get_partner", "bufferevent_filter_new",
    "bufferevent_setwatermark", "bufferevent_getwatermark", "evbuffer_freeze", "evbuffer_unfreeze",
    "evbuffer_readln", "evbuffer_readline", "evbuffer_search", "evbuffer_search_range",
    "evbuffer_search_eol", "evdns_base_new", "event_base_get_method"} | API22_FUNCTIONS
MISSING_CONSTANTS = {f"EVBUFFER_EOL_{s}" for s in ("ANY", "CRLF", "CRLF_STRICT", "LF", "NUL")} | \
    {"LEV_OPT_BIND_IPV4_AND_IPV6", "EVENT_BASE_COUNT_ADDED"}
MISSING_TYPES = {"bufferevent_filter_cb", "enum bufferevent_filter_result"}
# Each way of SKIPping must show at least once.
MUST_SEE = ["not implemented: bufferevent_pair_new", "not implemented: bufferevent_filter_new",
            "not implemented: constant EVBUFFER_EOL_", "does not compile against this implementation: '",
            "does not compile against this implementation: unknown type name 'bufferevent_filter_cb'"]
CONSOLE_MAX_LINES, CONSOLE_MAX_BYTES = 1000, 128 * 1024


# SKIPs the machine, not awkward, decides (cases/listener.c's IPv6 probe).
MACHINE_SKIPS = {"this machine has no IPv6 loopback ([::1])"}


def skip_reason_ok(msg):
    if msg in MACHINE_SKIPS:
        return True
    m = re.fullmatch(r"not implemented: (\w+)", msg)
    if m:
        return m.group(1) in MISSING_FUNCTIONS
    m = re.fullmatch(r"not implemented: constant (\w+)", msg)
    if m:
        return m.group(1) in MISSING_CONSTANTS
    m = re.fullmatch(r"does not compile against this implementation: '(\w+)' undeclared( \(in \w+\))?", msg)
    if m:
        return m.group(1) in MISSING_FUNCTIONS | MISSING_CONSTANTS
    m = re.fullmatch(r"does not compile against this implementation: unknown type name '(\w+)'( \(in \w+\))?", msg)
    return bool(m) and m.group(1) in MISSING_TYPES


class Run:
    """One build of awkward and one run of the suite, its console kept in a log file."""

    def __init__(self, name, mutant=None, sanitize=False, jobs=4, cases=(), backend=None, log=None):
        self.name = name
        extra = {"AWKWARD_MUTANT": mutant} if mutant else {"AWKWARD_MUTANT": ""}
        self.target = bevconf.Target(bevconf.get_impl("awkward"), sanitize=sanitize,
                                     build=os.path.join(BUILD, name), extra=extra)
        self.log_path = os.path.join(BUILD, f"{log or name}.log")
        t0 = time.time()
        os.makedirs(BUILD, exist_ok=True)
        with open(self.log_path, "w") as log:
            self.target.build(log=log)
            self.build_s = time.time() - t0
            self.wanted = bevconf.case_ids(self.target.runner, list(cases))
            self.records, self.tally = bevconf.run_suite(
                self.target, backend, cases, jobs, 30 if sanitize else 5, log=log, quiet_summary=True)
        self.seconds = time.time() - t0
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            self.console = f.read()
        self.by_case = {r["case"]: r for r in self.records}

    def failing(self):
        return {c: r for c, r in self.by_case.items() if r["status"] in results.FAILING}

    def figures(self):
        lines = self.console.count("\n")
        return (f"{len(self.records)} cases, {self.tally.line()}; console {lines} lines, "
                f"{len(self.console)} bytes; build {self.build_s:.0f} s, all {self.seconds:.0f} s")


def check_plain(jobs):
    run = Run("plain", jobs=jobs)
    bad = []
    missing = [c for c in run.wanted if c not in run.by_case]
    if missing or len(run.wanted) != len(run.records):
        bad.append(f"{len(missing)} selected case(s) without a record: {' '.join(missing[:5])}")
    for c, r in sorted(run.failing().items()):
        # A timing case can miss on a loaded machine: believe it only if it fails alone.
        again = Run("plain", jobs=1, cases=[c], log=f"plain-again-{c}")
        if any(x["case"] == c and x["status"] not in results.FAILING for x in again.records):
            say(f"awkward: {c} {r['status']} in the whole run, passes alone (load: {os.getloadavg()[0]:.1f})")
            continue
        bad.append(f"{c}: {r['status']} ({r.get('check') or r.get('message')}) - awkward should do what ref does")
    reasons = collections.Counter(r["message"] for r in run.records if r["status"] == "SKIP")
    for msg in sorted(reasons):
        if not skip_reason_ok(msg):
            bad.append(f"unexpected SKIP reason ({reasons[msg]} case(s)): {msg}")
    for want in MUST_SEE:
        if not any(m.startswith(want) for m in reasons):
            bad.append(f"no case SKIPped with {want!r}...")
    # Decided per case: a file that does not compile still runs its other cases.
    for f in ("evbuffer_cb", "evbuffer_space", "evbuffer_search"):
        if f"{f}.c: all its" in run.console:
            bad.append(f"cases/{f}.c: the whole file was stubbed, not the cases that do not compile")
    have = open(os.path.join(run.target.out, "gen", "bc_have.h")).read()
    if "BC_HAVE_EVENT2_DNS_H" in have:
        bad.append("bc_have.h says event2/dns.h is there: the host's header was taken")
    # Its headers have EVLOOP_ONCE and EVLOOP_NONBLOCK, its loop ignores them: the
    # preflight finds out, and the harness steps the loop another way.
    for cap in ("loop-once", "loop-nonblock", "get-method"):
        if f"preflight: missing {cap}:" not in run.console:
            bad.append(f"the preflight did not report {cap} missing")
    # mk/api.txt (and impls/README.md's table) lists exactly what the harness calls: here,
    # with the loop-pass emulation compiled in, every function of it.
    objs = glob.glob(os.path.join(run.target.out, "obj", "runtime", "*.o")) + \
        glob.glob(os.path.join(run.target.out, "obj", "runner", "*.o"))
    nm = subprocess.run(["nm", "-u"] + objs, capture_output=True, text=True).stdout.split()
    called = {w for w in nm if re.match(r"(event|evbuffer|bufferevent|evutil|evconnlistener)_", w)}
    listed = {line.split()[1] for line in open(os.path.join(ROOT, "mk", "api.txt"))
              if line.startswith("function")}
    if called != listed:
        bad.append(f"mk/api.txt's functions are not what the harness calls: only called "
                   f"{sorted(called - listed)}, only listed {sorted(listed - called)}")
    lines = run.console.count("\n")
    if lines > CONSOLE_MAX_LINES or len(run.console) > CONSOLE_MAX_BYTES:
        bad.append(f"console of {lines} lines, {len(run.console)} bytes: more than "
                   f"{CONSOLE_MAX_LINES} lines or {CONSOLE_MAX_BYTES} bytes")
    if "backend: unknown (not forced) (not verified: no event_base_get_method)" not in run.console:
        bad.append("the runner does not say the backend cannot be verified")
    say(f"awkward: plain: {run.figures()}")
    for msg, n in reasons.most_common():
        say(f"awkward:   SKIP {n:3d}  {msg}")
    return run, bad


def check_backend(jobs):
    """A backend asked for is taken on trust (no event_base_get_method), and still runs."""
    run = Run("plain", jobs=jobs, cases=["write.short"], backend="poll", log="plain-poll")
    bad = [] if "backend: poll (as asked) (not verified" in run.console else \
        ["BACKEND=poll: the runner does not say it ran poll unverified"]
    if run.tally.failed or not run.records:
        bad.append(f"BACKEND=poll: {run.tally.line()}")
    return bad


def check_core(base):
    """Below the core, one line naming what is missing, exit 2: a constant (the probe) and
    a function (the link), through LIBEVENT_PREFIX copies of awkward's install."""
    bad = []
    src = os.path.join(base.target.out, "awkward")
    for what, want in (("constant", "constant EV_PERSIST"), ("function", "function bufferevent_get_enabled")):
        prefix = os.path.abspath(os.path.join(BUILD, f"nocore-{what}"))
        shutil.rmtree(prefix, ignore_errors=True)
        shutil.copytree(os.path.join(src, "include"), os.path.join(prefix, "include"))
        shutil.copytree(os.path.join(src, "lib"), os.path.join(prefix, "lib"))
        if what == "constant":
            h = os.path.join(prefix, "include", "event2", "event.h")
            text = open(h).read()
            open(h, "w").write(re.sub(r"^#define EV_PERSIST\b.*\n", "", text, flags=re.M))
        else:
            subprocess.run(["objcopy", "-L", "bufferevent_get_enabled",
                            os.path.join(prefix, "lib", "libevent.a")], check=True)
        p = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "bevconf.py"), "check",
                            "IMPL=libevent", f"LIBEVENT_PREFIX={prefix}", "CASES=write.short"],
                           capture_output=True, text=True, cwd=ROOT, env=bevconf.make_env())
        last = p.stderr.strip().splitlines()[-1:] or [""]
        if p.returncode != 2 or "lacks what bevconf's harness needs" not in last[0] or want not in last[0]:
            bad.append(f"no core {what}: wanted exit 2 and one line naming {want!r}; got exit "
                       f"{p.returncode}: {last[0][:200]}")
        else:
            say(f"awkward: no core {what}: {last[0][:160]}")
    return bad


def check_mutants(names, jobs):
    bad = []
    patches = sorted(glob.glob(os.path.join(PATCHES, "*.patch")))
    if names:
        patches = [p for p in patches if os.path.basename(p)[:-6] in names]
    for p in patches:
        name = os.path.basename(p)[:-len(".patch")]
        caught_by = header(p, "Caught by").split()
        sanitize = "SANITIZE=1" in header(p, "Needs")
        run = Run(f"mutant-{name}", mutant=name, sanitize=sanitize, jobs=jobs)
        got = run.failing()
        found = " ".join(f"{c} {r['status']}" for c, r in sorted(got.items())) or "nothing"
        say(f"awkward: mutant {name}{' (ASan)' if sanitize else ''}: {run.figures()}")
        say(f"awkward:   failing: {found}")
        for c, r in sorted(got.items()):
            if r.get("message"):
                say(f"awkward:   {c}: {r['message']}")
        if not caught_by:
            say(f"awkward:   NOTE: {name} names no case that catches it: {header(p, 'Should be caught by')}")
            continue
        for c in caught_by:
            if c not in got:
                bad.append(f"mutant {name}: {c} is {run.by_case.get(c, {}).get('status')}, not failing")
            elif sanitize and "memory error: " not in (got[c].get("message") or ""):
                bad.append(f"mutant {name}: {c} fails, but not with a memory error: {got[c].get('message')}")
    return bad


def main(argv):
    cfg = bevconf.Config(argv)
    jobs = cfg.number("CASE_JOBS")
    os.chdir(ROOT)
    t0 = time.time()
    try:
        base, bad = check_plain(jobs)
        bad += check_backend(jobs)
        bad += check_core(base)
        bad += check_mutants(cfg.words("MUTANTS"), jobs)
    except Stop as ex:
        print(f"awkward: {ex}", file=sys.stderr)
        return 1
    for b in bad:
        say(f"awkward: FAILED: {b}")
    say(f"awkward: {'failed' if bad else 'passed'} in {time.time() - t0:.0f} s (logs: {BUILD}/*.log)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
