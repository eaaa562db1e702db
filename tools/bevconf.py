#!/usr/bin/env python3
"""bevconf.py: the driver. make builds; this runs: the suite on an implementation and a
backend, and every loop over implementations x backends (make test, report, flaky,
mutants, bench, coverage). The implementations are the rows of impls/impls.txt.

    tools/bevconf.py COMMAND [VAR=value ...]

Variables come from the arguments or else the environment, so `make check IMPL=ref` (make
passes its command-line variables to recipes) and `tools/bevconf.py check IMPL=ref` are
the same. Exit status: 0 conforming, 1 a case failed, 2 bad input or a failed build, 125 a
LIBEVENT_SRC tree that does not build (`git bisect run` skips it)."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "reports"))
import impls as impl_table  # noqa: E402
import results  # noqa: E402

DEFAULTS = {"IMPL": "libevent", "CASE_JOBS": "8", "TIMEOUT": "5", "N": "20", "REPEAT": "5",
            "BENCH_REPEAT": "3", "BENCH_SECONDS": "1", "ORACLE": "libevent"}
BUILD = "build"


class Stop(Exception):
    """A one-line error: printed as `bevconf: <text>`, exit status `code`."""

    def __init__(self, text, code=2):
        super().__init__(text)
        self.code = code


def say(*a):
    print(*a, flush=True)


# ---- configuration ----

class Config:
    def __init__(self, args):
        self.vars = {}
        for a in args:
            if "=" not in a:
                raise Stop(f"arguments are VAR=value, not {a!r}")
            k, v = a.split("=", 1)
            self.vars[k] = v

    def get(self, name, default=None):
        v = self.vars.get(name, os.environ.get(name))
        return v if v not in (None, "") else DEFAULTS.get(name, default)

    def given(self, name, default):
        """The value given as an argument or in the environment, else this command's own
        default (not DEFAULTS: make mutation's N is not make flaky's)."""
        v = self.vars.get(name, os.environ.get(name))
        if v in (None, ""):
            return default
        if isinstance(default, int) and not (v.isdigit() and int(v) >= 1):
            raise Stop(f"{name}={v} wants a number >= 1")
        return v

    def number(self, name, kind=int, minimum=1):
        v = self.get(name)
        try:
            n = kind(v)
        except (TypeError, ValueError):
            n = None
        if n is None or n < minimum:
            raise Stop(f"{name}={v} wants a number >= {minimum}")
        return n

    def words(self, name):
        return (self.get(name) or "").replace(",", " ").split()


# ---- make: every build goes through here ----

def make_env():
    """The environment for a make the driver runs: without the outer make's flags, so
    each build gets exactly the variables asked for."""
    env = dict(os.environ)
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"):
        env.pop(k, None)
    return env


def make(goals, variables, log=None):
    """Build goals with these variables. make's own output (notes on what an
    implementation lacks, warnings) is shown; a make that stops on a `bevconf:` error
    (bad input, found by an impl.mk) becomes that one line."""
    cmd = [os.environ.get("MAKE") or "make", "-s", "--no-print-directory", f"-j{os.cpu_count() or 2}"]
    cmd += [f"{k}={v}" for k, v in variables.items()] + list(goals)
    p = subprocess.run(cmd, cwd=ROOT, env=make_env(), text=True, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    if p.returncode == 0:
        (log or sys.stdout).write(p.stdout)
        return
    for line in p.stdout.splitlines():
        if "*** bevconf: " in line:
            raise Stop(line.split("*** bevconf: ", 1)[1].removesuffix("Stop.").rstrip(" ."))
    sys.stdout.write(p.stdout)
    raise Stop(f"building {' '.join(goals)} for {variables.get('IMPL')} failed")


# ---- a target: one implementation, built one way ----

class Target:
    """An implementation from the table, optionally a libevent install (LIBEVENT_PREFIX),
    optionally built with sanitizers: where it builds, what make needs to build it, the
    name its results carry."""

    def __init__(self, impl, prefix=None, sanitize=False, build=BUILD, extra=None, src=None):
        self.impl, self.prefix, self.sanitize, self.src = impl, prefix, sanitize, src
        if prefix and impl.name != "libevent":
            raise Stop(f"LIBEVENT_PREFIX goes with IMPL=libevent, not IMPL={impl.name}")
        if prefix:
            self.name = "libevent-prefix" + impl_table.path_slug(prefix)
        elif src:
            self.name = impl_table.source_tree_name(src)
        else:
            self.name = impl.name
        self.out = os.path.join(build, "sanitize" if sanitize else "", self.name)
        self.vars = {"IMPL": impl.name, "OUT": self.out, "BUILD": build}
        if prefix:
            self.vars["LIBEVENT_PREFIX"] = os.path.abspath(prefix)
        if src:
            self.vars["LIBEVENT_SRC"] = os.path.abspath(src)
        if sanitize:
            self.vars["SANITIZE"] = "1"
        self.vars.update(extra or {})

    @property
    def runner(self):
        return os.path.join(self.out, "bevconf")

    def path(self, name):
        return os.path.join(self.out, name)

    def results_path(self, backend):
        return os.path.join(self.out, backend or "default", "results.jsonl")

    def build(self, *goals, log=None):
        if self.src:
            # A libevent tree that does not build: 125, `git bisect run`'s "skip".
            try:
                make(["impl-deps"], self.vars, log)
            except Stop as ex:
                raise Stop(f"LIBEVENT_SRC={self.src} does not build: {ex}", 125) from None
        make(goals or ["build"], self.vars, log)

    def env(self, backend):
        env = dict(os.environ)
        if backend:
            env.update(self.impl.backend_env(backend))
        return env


def known_impls():
    return impl_table.load()


def get_impl(name):
    table = known_impls()
    if name not in table:
        raise Stop(f"unknown IMPL={name}; available: {' '.join(table)}")
    return table[name]


# Build variables given as VAR=value arguments reach make too (from the environment they
# reach it anyway).
BUILD_VARS = ("CC", "CFLAGS", "LDFLAGS", "LIBS")


def target_from(cfg, **kw):
    src = cfg.get("LIBEVENT_SRC")
    impl = get_impl("libevent-src" if src else cfg.get("IMPL"))
    if src and not os.path.isdir(src):
        raise Stop(f"LIBEVENT_SRC={src} is not a directory")
    extra = {k: cfg.vars[k] for k in BUILD_VARS if cfg.vars.get(k)}
    return Target(impl, prefix=cfg.get("LIBEVENT_PREFIX"), sanitize=cfg.get("SANITIZE") == "1",
                  extra=extra, src=src, **kw)


def check_backend(target, backend):
    if backend and not target.impl.backends:
        raise Stop(f"{target.impl.name} runs its own default backend only (no backends in impls/impls.txt)")
    if backend and backend not in target.impl.backends:
        raise Stop(f"unknown BACKEND={backend} for {target.impl.name}; available: {' '.join(target.impl.backends)}")


# ---- running the suite ----

def case_ids(runner, cases):
    """The ids the runner selects for these prefixes (its --list)."""
    p = subprocess.run([runner, "--list"] + cases, capture_output=True, text=True)
    if p.returncode != 0:
        raise Stop(p.stderr.strip() or f"{runner} --list failed")
    return [line.split()[0] for line in p.stdout.splitlines()[1:] if line.strip()]


def run_suite(target, backend, cases=(), jobs=8, timeout=5, results_path=None, log=None,
              wrapper=(), quiet_summary=False, runner=None, contract=None):
    """Run the selected cases in `jobs` runner processes side by side (each case still in
    its own process, with its own timeout), all writing one results file. Returns
    (records, tally). Console output goes to `log` (a file) or to stdout."""
    cases = list(cases)
    results_path = results_path or target.results_path(backend)
    os.makedirs(os.path.dirname(results_path), exist_ok=True)
    open(results_path, "w").close()
    runner = runner or target.runner
    wanted = case_ids(runner, cases)
    if not wanted:
        raise Stop("no case id starts with the given prefix(es); see `make list`")
    jobs = max(1, min(jobs, len(wanted)))
    options = ["--impl", target.name] + (["--backend", backend] if backend else []) + \
        (["--contract", contract] if contract else [])
    argv = list(wrapper) + [runner, "--timeout", str(timeout), "--results", results_path] + options
    out = log or sys.stdout
    out.flush()
    about = subprocess.run([runner, "--about"] + options,
                           stdout=out, stderr=subprocess.PIPE, text=True,
                           env=target.env(backend))
    if about.returncode != 0:
        raise Stop((about.stderr.strip().splitlines() or [f"{runner} --about failed"])[-1].removeprefix("bevconf: "))
    errs = []
    procs = []
    for k in range(jobs):
        err = tempfile.TemporaryFile(mode="w+")
        procs.append((subprocess.Popen(argv + ["--shard", f"{k}/{jobs}"] + cases, stdout=out,
                                       stderr=err, env=target.env(backend)), err))
    for p, err in procs:
        rc = p.wait()
        err.seek(0)
        text = err.read()
        if text:
            (log or sys.stderr).write(text)
        if rc == 2:
            errs.append(text.strip().splitlines()[-1] if text.strip() else f"runner exit status 2")
    if errs:
        raise Stop(errs[0].removeprefix("bevconf: "), 2)
    records = results.read(results_path)
    seen = {r["case"] for r in records}
    missing = [c for c in wanted if c not in seen]
    for c in missing:
        print(f"CRASH   {c:<40} (no record: the runner process running it died)", file=out)
    tally = results.Tally(records, len(missing))
    if not quiet_summary:
        say(f"bevconf: {target.name} {backend or 'default'}: {tally.line()}")
        say(f"results: {results_path}")
    return records, tally


# ---- commands ----

VALGRIND = ["valgrind", "-q", "--trace-children=yes", "--leak-check=full",
            "--errors-for-leak-kinds=definite", "--error-exitcode=9"]


def cmd_check(cfg):
    """The suite on one implementation and backend. MEMCHECK=valgrind runs every case
    under valgrind: a memory error or a definite leak becomes that case's verdict."""
    target = target_from(cfg)
    backend = cfg.get("BACKEND")
    check_backend(target, backend)
    memcheck = cfg.get("MEMCHECK")
    if memcheck not in (None, "valgrind"):
        raise Stop(f"MEMCHECK={memcheck}: the one memory checker is valgrind (for ASan: SANITIZE=1)")
    cases, jobs = cfg.words("CASES"), cfg.number("CASE_JOBS")
    timeout = cfg.number("TIMEOUT", float, 0.1)
    target.build()  # after the arguments are checked: bad input costs no build
    contract = cfg.get("CONTRACT")
    if not memcheck:
        _, tally = run_suite(target, backend, cases, jobs, timeout, contract=contract)
        return 1 if tally.failed else 0
    with tempfile.TemporaryDirectory() as logs:
        os.environ["BEVCONF_VALGRIND_LOGS"] = logs
        _, tally = run_suite(target, backend, cases, jobs, 30, contract=contract,
                             wrapper=VALGRIND + [f"--log-file={logs}/vg.%p"])
        # What is left is the runner processes' own logs: errors there are the harness's.
        own = [open(os.path.join(logs, f)).read() for f in os.listdir(logs)]
        own = [text for text in own if text.strip()]
        for text in own:
            sys.stdout.write(text)
        if own:
            say(f"bevconf: valgrind reported errors in {len(own)} runner process(es) outside any case")
    return 1 if tally.failed or own else 0


def cmd_valgrind(cfg):
    """The fault self-tests under valgrind, then the suite with MEMCHECK=valgrind."""
    target = target_from(cfg)
    target.build(target.path("fault-selftest"))
    if subprocess.run(VALGRIND + [target.path("fault-selftest")]).returncode != 0:
        return 1
    cfg.vars["MEMCHECK"] = "valgrind"
    return cmd_check(cfg)


def cmd_list(cfg):
    target = target_from(cfg)
    target.build()
    return subprocess.run([target.runner, "--list"] + cfg.words("CASES")).returncode


SAMPLES = ("hello-world", "signal-test", "event-read-fifo", "time-test")


def cmd_e2e(cfg):
    return e2e_samples(target_from(cfg))


def e2e_samples(target):
    """libevent 2.1.12's sample programs, unchanged, built against the implementation and
    judged by cases/programs/libevent_samples.py (one that does not build is a SKIP)."""
    src = os.path.join(ROOT, BUILD, "src")
    tree = os.path.join(src, "samples", "libevent-2.1.12-stable", "sample")
    if not os.path.isdir(tree):
        fetch = subprocess.run([os.path.join(ROOT, "impls", "libevent", "build-source.sh"), "upstream",
                                os.path.join(src, "fetch")], env=dict(os.environ, FETCH_ONLY="1"),
                               capture_output=True, text=True)
        if fetch.returncode != 0:
            raise Stop(fetch.stderr.strip().splitlines()[-1].removeprefix("bevconf: "), 1)
        os.makedirs(os.path.join(src, "samples"), exist_ok=True)
        subprocess.run(["tar", "-xzf", fetch.stdout.strip(), "-C", os.path.join(src, "samples"),
                        "libevent-2.1.12-stable/sample"], check=True)
    target.build(*[target.path(os.path.join("samples", n)) for n in SAMPLES])
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")  # the samples never free their events
    return subprocess.run([sys.executable, os.path.join(ROOT, "cases", "programs", "libevent_samples.py"),
                           os.path.abspath(target.path("samples"))], env=env).returncode


def cmd_flaky(cfg):
    """Rerun the suite N times per backend; list every case whose status changed."""
    target = target_from(cfg)
    backends = [cfg.get("BACKEND")] if cfg.get("BACKEND") else target.impl.backends
    for b in backends:
        check_backend(target, b)
    target.build()
    n = cfg.number("N")
    flips = 0
    for b in backends:
        say(f"flaky: {target.name} {b}, {n} runs")
        seen = {}
        with tempfile.TemporaryDirectory() as tmp:
            for i in range(1, n + 1):
                with open(os.path.join(tmp, "log"), "w") as log:
                    records, tally = run_suite(target, b, cfg.words("CASES"), cfg.number("CASE_JOBS"),
                                               cfg.number("TIMEOUT", float, 0.1),
                                               os.path.join(tmp, "r.jsonl"), log=log, quiet_summary=True)
                for case, st in results.statuses(records).items():
                    seen.setdefault(case, {}).setdefault(st, 0)
                    seen[case][st] += 1
                end = "\r" if sys.stderr.isatty() else "\n"
                print(f"flaky: run {i}/{n}: {tally.line()}", end=end, file=sys.stderr, flush=True)
        print(file=sys.stderr)
        for case, sts in sorted(seen.items()):
            if len(sts) > 1:
                flips += 1
                say(f"FLAKY {case}: " + " ".join(f"{s}x{k}" for s, k in sorted(sts.items())))
    say(f"flaky: {flips} case(s) changed status over {n} runs per backend")
    return 1 if flips else 0


def cmd_mutants(cfg):
    import mutants
    return mutants.run(cfg.words("MUTANTS"), cfg.number("CASE_JOBS"))


def cmd_mutation(cfg):
    import mutation
    return mutation.run(cfg)


def cmd_report(cfg):
    import report_run
    return report_run.run(cfg)


def cmd_report_diff(cfg):
    old, new = cfg.get("OLD"), cfg.get("NEW")
    if not (old and new):
        raise Stop("usage: make report-diff OLD=<report.json> NEW=<report.json>")
    return subprocess.run([sys.executable, os.path.join(ROOT, "reports", "diff.py"), old, new]).returncode


def cmd_bench(cfg):
    import bench
    return bench.run(cfg)


def cmd_coverage(cfg, regress=False):
    import coverage_run
    return coverage_run.run(cfg, regress)


def cmd_versions(cfg):
    import versions
    return versions.run(cfg)


def cmd_test(cfg):
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    import run_all
    return run_all.run(cfg)


IMPL_MK = """\
# impls/{name}: the libevent-API implementation installed under {prefix}
# (written by `make new-impl`; edit freely).
{var} := {prefix}
IMPL_CFLAGS := -I$({var})/include
# The rpath makes the prefix's shared library the one used at run time.
IMPL_LIBS := -L$({var})/lib -Wl,-rpath,$({var})/lib -l{lib}{libs}
ifeq ($(wildcard $({var})/include/event2/event.h),)
  IMPL_ERROR := impls/{name}: {prefix} has no include/event2/event.h
endif
"""


def cmd_new_impl(cfg):
    """make new-impl NAME=x PREFIX=dir [LIBS="-luv -lm"] [BACKENDS=epoll,poll] [WHAT="..."]:
    a named implementation from an install prefix: impls/x/impl.mk and a row in
    impls/impls.txt, so `make check IMPL=x` and `make report IMPLS="libevent x"` know it."""
    import re
    name, prefix = cfg.get("NAME"), cfg.get("PREFIX")
    if not name or not prefix:
        raise Stop("usage: make new-impl NAME=<name> PREFIX=<dir> [LIBS=...] [BACKENDS=a,b] [WHAT=...]")
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", name):
        raise Stop(f"NAME={name}: lower-case letters, digits, '.', '_' and '-' only")
    if os.path.exists(os.path.join(ROOT, "impls", name)):
        raise Stop(f"impls/{name} exists already")
    prefix = os.path.abspath(prefix)
    if not os.path.isfile(os.path.join(prefix, "include", "event2", "event.h")):
        raise Stop(f"PREFIX={prefix} has no include/event2/event.h")
    lib = next((n for n in ("event", "event_core") for ext in ("so", "a")
                if os.path.exists(os.path.join(prefix, "lib", f"lib{n}.{ext}"))), None)
    if not lib:
        raise Stop(f"PREFIX={prefix} has no lib/libevent.so, lib/libevent.a or lib/libevent_core.*")
    libs = cfg.get("LIBS") or ""
    os.makedirs(os.path.join(ROOT, "impls", name))
    with open(os.path.join(ROOT, "impls", name, "impl.mk"), "w") as f:
        f.write(IMPL_MK.format(name=name, prefix=prefix, var=name.replace("-", "_").replace(".", "_") + "_prefix",
                               lib=lib, libs=" " + libs if libs else ""))
    backends = ",".join(cfg.words("BACKENDS")) or "-"
    with open(impl_table.TABLE, "a") as f:
        f.write(f"{name:<20} {backends:<18} no    no      {cfg.get('WHAT') or 'installed under ' + prefix}\n")
    say(f"new-impl: wrote impls/{name}/impl.mk and its row in impls/impls.txt; next: make check IMPL={name}")
    return 0


COMMANDS = {
    "new-impl": cmd_new_impl,
    "check": cmd_check, "list": cmd_list, "valgrind": cmd_valgrind, "e2e": cmd_e2e,
    "flaky": cmd_flaky, "mutants": cmd_mutants, "mutation": cmd_mutation, "report": cmd_report,
    "report-diff": cmd_report_diff, "bench": cmd_bench, "coverage": cmd_coverage,
    "coverage-regress": lambda cfg: cmd_coverage(cfg, regress=True), "test": cmd_test,
    "versions": cmd_versions,
}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: bevconf.py {{{','.join(COMMANDS)}}} [VAR=value ...]", file=sys.stderr)
        return 2
    os.chdir(ROOT)
    try:
        return COMMANDS[argv[0]](Config(argv[1:]))
    except Stop as ex:
        print(f"bevconf: {ex}", file=sys.stderr)
        return ex.code
    except results.BadResults as ex:
        print(f"bevconf: {ex}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    # Run as the module `bevconf`, the one the command modules import, so that its
    # exceptions (Stop) are one class.
    import bevconf
    sys.exit(bevconf.main())
