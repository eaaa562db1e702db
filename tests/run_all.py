"""run_all: `make test`, everything bevconf checks about itself, in one sequence with a
progress line per step; the closing line tallies every case record the steps produced
(through tools/results.py). Stops at the first failing step."""
import os
import shutil
import subprocess
import sys
import time

import bevconf
import results
from bevconf import ROOT, Stop, Target, say

HERE = os.path.dirname(os.path.abspath(__file__))


class Sequence:
    def __init__(self, cfg):
        self.cfg = cfg
        self.tally = results.Tally()
        self.steps = []

    def step(self, name, fn):
        self.steps.append((name, fn))

    def suite(self, target, backend=None, log=None, real_libevent=None):
        """The whole suite on target; its records count in the closing line. On real
        libevent (by default: IMPL=libevent, a prefix included) the QUIRK cases must hold."""
        target.build(log=log)
        _, tally = bevconf.run_suite(target, backend, jobs=self.cfg.number("CASE_JOBS"),
                                     timeout=self.cfg.number("TIMEOUT", float, 0.1), log=log)
        self.tally.merge(tally)
        if tally.failed:
            raise Stop(f"{target.name} {backend or 'default'}: {tally.failed} case(s) failed", 1)
        # The QUIRK cases encode libevent's own oddities: on libevent they must hold.
        if real_libevent is None:
            real_libevent = target.impl.name == "libevent"
        if real_libevent and tally.differs:
            raise Stop(f"{target.name} {backend or 'default'}: {tally.differs} QUIRK case(s) differ "
                       "on libevent itself", 1)
        return tally

    def run(self):
        t0 = time.time()
        first = int(self.cfg.given("FROM", 1))  # make test FROM=n: resume at step n
        if not 1 <= first <= len(self.steps):
            raise Stop(f"FROM={first}: there are steps 1 to {len(self.steps)}", 2)
        for n, (name, fn) in enumerate(self.steps, 1):
            if n < first:
                continue
            say(f"test: [{n}/{len(self.steps)}] {name}")
            fn()
        ran = "all" if first == 1 else f"steps {first} to"
        say(f"test: {ran} {len(self.steps)} steps passed in {time.time() - t0:.0f} s")
        say(f"bevconf: {self.tally.line()}")
        return 0


def program(*argv):
    if subprocess.run(list(argv), cwd=ROOT, env=bevconf.make_env()).returncode != 0:
        raise Stop(f"{' '.join(argv)} failed", 1)


def selftests(target, memcheck=None):
    """The fault layer's self-tests, the runner's verdicts on cases that fail on purpose
    (memcheck: "asan" for a SANITIZE=1 target, "valgrind")."""
    target.build("build", target.path("fault-selftest"), target.path("runner-selftest"))
    if not memcheck:
        program(target.path("fault-selftest"))
    import runner_selftest
    runner_selftest.check(target, memcheck)


def prefixes(seq):
    """The system libevent plugged in through LIBEVENT_PREFIX: as a static archive, as a
    shared library (the two ways a user's own build arrives), and as a partial
    implementation (an archive without listener.o, headers without the file-segment
    constants) whose missing functions and constants must become SKIPs, not a failed build."""
    def pc(var):
        return subprocess.run(["pkg-config", f"--variable={var}", "libevent"], capture_output=True,
                              text=True, check=True).stdout.strip()
    libdir, incdir = pc("libdir"), pc("includedir")
    base = os.path.abspath(os.path.join(bevconf.BUILD, "prefixes"))
    shutil.rmtree(base, ignore_errors=True)
    for p in ("static", "shared", "partial"):
        os.makedirs(os.path.join(base, p, "lib"))
        shutil.copytree(os.path.join(incdir, "event2"), os.path.join(base, p, "include", "event2"))
    buffer_h = os.path.join(base, "partial", "include", "event2", "buffer.h")
    with open(buffer_h) as f:
        kept = [line for line in f if "define EVBUF_FS_" not in line]
    with open(buffer_h, "w") as f:
        f.writelines(kept)
    shutil.copy(os.path.join(libdir, "libevent.a"), os.path.join(base, "static", "lib"))
    for name in os.listdir(libdir):
        if name == "libevent.so" or name.startswith("libevent-2.1.so"):
            src = os.path.join(libdir, name)
            dst = os.path.join(base, "shared", "lib", name)
            if os.path.islink(src):
                os.symlink(os.readlink(src), dst)
            else:
                shutil.copy(src, dst)
    shutil.copy(os.path.join(libdir, "libevent.a"), os.path.join(base, "partial", "lib"))
    program("ar", "d", os.path.join(base, "partial", "lib", "libevent.a"), "listener.o")

    libevent = bevconf.get_impl("libevent")
    expect = {"static": ["linked: statically"], "shared": [f"linked: {base}/shared/lib/"],
              "partial": ["not implemented: evconnlistener_",
                          "does not compile against this implementation: cases/evbuffer_space.c"]}
    for p, wanted in expect.items():
        target = Target(libevent, prefix=os.path.join(base, p))
        log_path = os.path.join(base, f"{p}.log")
        with open(log_path, "w") as log:
            target.build(log=log)
            seq.suite(target, log=log)
        text = open(log_path).read()
        for w in wanted:
            if w not in text:
                raise Stop(f"prefix {p}: the run does not say {w!r} (see {log_path})", 1)
        say(f"test: prefix {p}: says {' and '.join(repr(w) for w in wanted)}")
        if p != "partial":
            selftests(target)


def install_ref(seq):
    """ref installed the way libevent installs itself, then run through LIBEVENT_PREFIX."""
    prefix = os.path.abspath(os.path.join(bevconf.BUILD, "prefixes", "ref"))
    shutil.rmtree(prefix, ignore_errors=True)
    bevconf.make(["install-ref"], {"IMPL": "ref", "PREFIX": prefix})
    for f in ("include/event2/bufferevent.h", "lib/libevent_core.a"):
        if not os.path.isfile(os.path.join(prefix, f)):
            raise Stop(f"install-ref: {prefix}/{f} missing", 1)
    libs = subprocess.run(["pkg-config", "--libs", "libevent"], capture_output=True, text=True,
                          env=dict(os.environ, PKG_CONFIG_PATH=os.path.join(prefix, "lib", "pkgconfig"))).stdout
    if "-levent" not in libs:
        raise Stop(f"install-ref: pkg-config --libs libevent says {libs.strip()!r}", 1)
    log_path = prefix + ".log"
    with open(log_path, "w") as log:
        seq.suite(Target(bevconf.get_impl("libevent"), prefix=prefix), log=log, real_libevent=False)
    if "linked: statically" not in open(log_path).read():
        raise Stop(f"install-ref: the run did not link statically (see {log_path})", 1)


def new_impl(seq):
    """`make new-impl` on ref's install prefix: a named implementation that runs by name
    (written into impls/ for the test, removed after)."""
    name = "selftest-new-impl"
    prefix = os.path.join(bevconf.BUILD, "prefixes", "ref")
    with open(impl_table_path()) as f:
        table = f.read()
    try:
        if bevconf.main(["new-impl", f"NAME={name}", f"PREFIX={prefix}"]) != 0:
            raise Stop("new-impl failed", 1)
        target = Target(bevconf.get_impl(name))
        if target.name != name:
            raise Stop(f"new-impl: the implementation runs as {target.name}, not {name}", 1)
        seq.suite(target)
    finally:
        shutil.rmtree(os.path.join(ROOT, "impls", name), ignore_errors=True)
        with open(impl_table_path(), "w") as f:
            f.write(table)


def source_tree(seq):
    """make check LIBEVENT_SRC=<dir> on the unpacked 2.1.13 release tree (autotools), and
    on a tree that does not build: exit 125, so `git bisect run` skips it."""
    src = os.path.abspath(os.path.join(bevconf.BUILD, "src"))
    tree = os.path.join(src, "libevent-2.1.13-stable")
    if not os.path.isdir(tree):
        tarball = subprocess.run([os.path.join(ROOT, "impls", "libevent", "build-source.sh"), "2.1.13",
                                  os.path.join(src, "fetch")], env=dict(os.environ, FETCH_ONLY="1"),
                                 capture_output=True, text=True)
        if tarball.returncode != 0:
            raise Stop(tarball.stderr.strip().splitlines()[-1], 1)
        program("tar", "-xzf", tarball.stdout.strip(), "-C", src)
    seq.suite(bevconf.Target(bevconf.get_impl("libevent-src"), src=tree))
    broken = os.path.join(src, "broken-tree")
    os.makedirs(broken, exist_ok=True)
    with open(os.path.join(broken, "configure"), "w") as f:
        f.write("#!/bin/sh\necho 'this tree does not configure' >&2\nexit 1\n")
    os.chmod(os.path.join(broken, "configure"), 0o755)
    rc = bevconf.main(["check", f"LIBEVENT_SRC={broken}"])
    if rc != 125:
        raise Stop(f"LIBEVENT_SRC on a tree that does not build: exit {rc}, not 125", 1)
    say("test: LIBEVENT_SRC: the 2.1.13 tree conforms; a tree that does not build exits 125")


def finding_pages(seq):
    """The C writer on every seed, fuzz/findings/<ID>/ (fuzz/repro.py check_writer,
    check_pages), then the whole suite on each page's fixed tree (Debian's 2.1.12 with its
    fix.patch)."""
    sys.path.insert(0, os.path.join(ROOT, "fuzz"))
    import repro
    try:
        repro.check_writer()
        trees = repro.check_pages()
    except repro.Usage as e:
        raise Stop(str(e), 1)
    for tree in trees:
        seq.suite(Target(bevconf.get_impl("libevent-src"), src=tree))


# make test's mutation smoke: mutants of Debian's 2.1.12 tree and what make mutation must
# make of each, so that the machinery cannot rot unseen.
MUTATION_SMOKE = {
    "bufferevent_pair.c:175:delete0": "killed",           # no transfer: suite and regress kill it
    "buffer.c:584:delete0": "killed",                     # evbuffer_free leaks: the leak checker
    "bufferevent.c:661:return0": "killed",                # regress misses it; the suite does not
    "buffer.c:2889:rel0": "equivalent",                   # declared in mutants/libevent/equivalents.txt
    "buffer.c:1510:arith1": "does not compile",           # pointer + pointer
}


def mutation_smoke():
    """make mutation on MUTATION_SMOKE (fresh records), then PROOFS=1: every mutant a case
    was written for, killed by that case alone."""
    import mutation
    import mutation_report
    tree = mutation.Tree(None)
    tree.build()
    path = os.path.join(tree.dir, "smoke.jsonl")
    if os.path.exists(path):
        os.remove(path)
    cfg = bevconf.Config([f"IDS={' '.join(MUTATION_SMOKE)}", f"RESULTS={path}"])
    records, _ = mutation.analyse(cfg, tree, mutation.select(tree.tree, cfg))
    equiv = mutation_report.equivalents(tree.name)
    for r in records:
        got = ("does not compile" if r["build"] != "ok" else "killed" if r["suite"] == "killed"
               else "equivalent" if r["id"] in equiv else "survived")
        if got != MUTATION_SMOKE[r["id"]]:
            raise Stop(f"mutation smoke: {r['id']}: {got}, not {MUTATION_SMOKE[r['id']]}", 1)
    if bevconf.main(["mutation", "PROOFS=1"]) != 0:
        raise Stop("mutation: a proof mutant was not killed by its case", 1)


def impl_table_path():
    import impls
    return impls.TABLE


def run(cfg):
    seq = Sequence(cfg)
    table = bevconf.known_impls()
    in_test = [i for i in table.values() if i.in_test]
    libevent = Target(table["libevent"])
    seq.step("self-tests: fault layer, runner verdicts (plain, ASan, valgrind), contract", lambda: (
        selftests(libevent), selftests(Target(table["libevent"], sanitize=True), "asan"),
        selftests(libevent, "valgrind"), program(sys.executable, os.path.join(HERE, "contract_check.py")),
        program(sys.executable, os.path.join(HERE, "contract_check_test.py"))))
    for impl in in_test:
        for b in impl.backends:
            seq.step(f"the suite on {impl.name}, {b}", lambda impl=impl, b=b: seq.suite(Target(impl), b))
    for impl in in_test:
        seq.step(f"libevent's sample programs on {impl.name}", lambda impl=impl: (
            bevconf.main(["e2e", f"IMPL={impl.name}"]) == 0 or program("false")))
    seq.step("libevent through LIBEVENT_PREFIX: static, shared, partial", lambda: prefixes(seq))
    if "ref" in table:
        seq.step("ref installed as a prefix, and as a named implementation (make new-impl)",
                 lambda: (install_ref(seq), new_impl(seq)))
    seq.step("a libevent source tree (LIBEVENT_SRC): 2.1.13, and one that does not build",
             lambda: source_tree(seq))
    for impl in in_test:
        seq.step(f"the suite on {impl.name} under ASan + UBSan",
                 lambda impl=impl: seq.suite(Target(impl, sanitize=True)))
    seq.step("an awkward implementation: partial, other constants, a loop ignoring its flags, "
             "planted bugs", lambda: program(sys.executable, os.path.join(HERE, "awkward.py")))
    seq.step("bad input: one line, exit 2", lambda: program(sys.executable, os.path.join(HERE, "bad_input.py")))
    seq.step("reports: fixtures, report-diff, the page in Chromium", lambda: program(
        sys.executable, os.path.join(ROOT, "reports", "tests", "run_tests.py"),
        os.path.join(bevconf.BUILD, "report", "test")))
    campaign = os.path.join(ROOT, "fuzz", "campaign.py")
    seq.step("scale-out files (.clusterfuzzlite/, .github/workflows/): YAML, named paths, the README's "
             "commands in CI", lambda: program(sys.executable, os.path.join(HERE, "scaleout.py")))
    seq.step("fuzz: .clusterfuzzlite's Dockerfile replayed, its build.sh with OSS-Fuzz's flags per sanitizer",
             lambda: program(sys.executable, campaign, "test-oss"))
    seq.step("fuzz: every corpus replayed", lambda: program(sys.executable, campaign, "replay"))
    seq.step("fuzz findings: each reproducer on every libevent build as its page says; each fix.patch "
             "fixes it and keeps the suite passing", lambda: finding_pages(seq))
    seq.step("mutation: libevent's mutants (a smoke of 5; every proof killed by its case)", mutation_smoke)
    if "ref" in table:
        seq.step("mutants: ref broken on purpose, each killed", lambda: program(
            sys.executable, os.path.join(ROOT, "tools", "bevconf.py"), "mutants"))
    return seq.run()
