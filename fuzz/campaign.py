#!/usr/bin/env python3
"""campaign.py: the fuzz driver. Every `make fuzz*` command is one line that runs it:

    make fuzz           run    a campaign: TARGET on IMPL with ENGINE for SECONDS, JOBS jobs [NAME]
    make fuzz-build     build  every target x engine for IMPL
    make fuzz-min       min    minimise TARGET's seeds + campaign corpora (build/fuzz/min/<target>)
    make fuzz-bench     bench  exec/s, edges, line coverage per target x implementation
    make fuzz-soak      soak   SECONDS split over the targets on IMPL (the no-false-positive run)
    make fuzz-replay    replay every corpus through the replay driver (part of make test)
    make fuzz-test-oss  test-oss  .clusterfuzzlite/build.sh as ClusterFuzzLite runs it, then its outputs
(make fuzz-repro is fuzz/repro.py, which campaigns also call for their findings.)

Settings come from the environment (make puts command-line variables there): TARGET
(evbuffer_tape; fuzz-bench: every target unless set), ENGINE (libfuzzer), IMPL
(libevent-debian), SECONDS, JOBS (1), NAME, BENCH_IMPLS, LIBEVENT_SRC (fuzz the libevent
tree it names instead of IMPL). The targets are fuzz/targets.txt, the implementations impls/impls.txt (fuzz=yes)
plus libevent-planted-<name> for each mutants/libevent/<name>.patch. The driver asks make for
the binaries it needs (`make -s <paths>`, fuzz/fuzz.mk) and prints one line per step.

Each campaign gets build/fuzz/campaigns/<name>/ with:
  corpus/            the working corpus (starts from the target's seeds)
  findings/<id>/     one directory per distinct finding: input, report.txt, reproduce.sh
  findings.txt       one line per finding: id, signature, reproduce command
  engine.log         the engine's own output
  stats.json         {target, impl, engine, seconds, execs, exec_per_sec, edges,
                      findings: [{id, reproduce}], coverage_series: [[t, edges], ...]}
Findings are deduplicated by stack: the id hashes the first "bevconf-fuzz: FAIL" line (a
model mismatch names its check) or the sanitizer's error kind, plus the top frames of
the report that are not in the sanitizer, libc, libFuzzer or the failure helpers.
"""
import argparse
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FUZZ_DIR = os.path.join(TOP, "build", "fuzz")
sys.path.insert(0, os.path.join(TOP, "tools"))
import impls as impls_table  # noqa: E402  (tools/impls.py)

ENGINES = ("libfuzzer", "afl")
HAVE_REF = os.path.exists(os.path.join(TOP, "impls", "ref", "impl.mk"))
SKIP_FRAMES = re.compile(r"__sanitizer|__asan|__ubsan|fuzzer::|libc\.so|abort|raise|"
                         r"pthread_kill|fuzz_fail|\bfail\b|LLVMFuzzerTestOneInput|__libc|_start|"
                         r"main |in main$|libAFLDriver|ExecuteFilesOnyByOne|__interceptor")
# Not passed to the make the driver runs: make's own state, and the settings that would
# reconfigure the top Makefile (the fuzz builds do not depend on them).
CHILD_DROP = ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES", "IMPL", "BACKEND", "SANITIZE",
              "LIBEVENT_PREFIX", "TARGET", "ENGINE")
PREFIX = "fuzz"


def say(msg):
    print("%s: %s" % (PREFIX, msg), flush=True)


class Usage(Exception):
    """A bad setting: one line, exit 2."""


class Target:
    """A row of fuzz/targets.txt (what it is compiled from is build-target.sh's business)."""

    def __init__(self, name, sources, ref, libs, corpus, dict_):
        self.name, self.corpus = name, corpus
        self.ref = ref != "-"     # links ref too: needs impls/ref
        self.seeds = os.path.join(TOP, "fuzz", "corpus", corpus)
        self.dict = None if dict_ == "-" else os.path.join(TOP, "fuzz", "dict", dict_ + ".dict")


def load_targets():
    """{name: Target} in table order."""
    path = os.path.join(TOP, "fuzz", "targets.txt")
    rows = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            parts = line.split()
            if len(parts) != 6:
                raise SystemExit("bevconf: %s:%d: want 6 columns: target sources ref libs corpus dict" % (path, n))
            rows[parts[0]] = Target(*parts)
    return rows


TARGETS = load_targets()
# Usable here: a target that links ref needs impls/ref.
USABLE = {n: t for n, t in TARGETS.items() if HAVE_REF or not t.ref}


def fuzz_impls():
    """Implementations the fuzzers build against (instrumented): impls.txt fuzz=yes, and the
    planted bugs."""
    names = [n for n, i in impls_table.load().items() if i.fuzz == "yes"]
    return names + ["libevent-planted-" + os.path.basename(p)[:-len(".patch")]
                    for p in sorted(glob.glob(os.path.join(TOP, "mutants", "libevent", "*.patch")))]


def bin_path(impl, target, engine):
    return os.path.join(FUZZ_DIR, "bin", impl, "%s-%s" % (target, engine))


def rel(path):
    return os.path.relpath(path, TOP)


def pairs(targets, impls):
    """(Target, impl) to run: a target that links ref diffs a libevent build against ref,
    not ref against itself."""
    return [(t, i) for i in impls for t in targets if not (t.ref and i == "ref")]


# ---- settings ----
def setting(name, default=None):
    v = os.environ.get(name, "")
    return v if v != "" else default


def number(name, default):
    v = setting(name, str(default))
    if not v.isdigit() or int(v) < 1:
        raise Usage("%s=%s: want a whole number of at least 1" % (name, v))
    return int(v)


def get_target():
    name = setting("TARGET", "evbuffer_tape")
    if name in USABLE:
        return USABLE[name]
    if name in TARGETS:
        raise Usage("TARGET=%s needs impls/ref, which this tree does not have; available: %s" % (
            name, " ".join(USABLE)))
    raise Usage("unknown TARGET=%s; available: %s" % (name, " ".join(USABLE)))


def get_engine():
    e = setting("ENGINE", "libfuzzer")
    if e not in ENGINES:
        raise Usage("unknown ENGINE=%s; available: %s" % (e, " ".join(ENGINES)))
    return e


def get_impl():
    """IMPL, or the libevent tree LIBEVENT_SRC names (built by impls/libevent-src/rules.mk
    under build/fuzz/libevent-src-<path>/<flavour>, as the suite builds it)."""
    src = os.environ.get("LIBEVENT_SRC")
    if src:
        if not os.path.isdir(src):
            raise Usage("LIBEVENT_SRC=%s is not a directory" % src)
        return impls_table.source_tree_name(src)
    impl = setting("IMPL", "libevent-debian")
    if impl not in fuzz_impls():
        raise Usage("IMPL=%s cannot be fuzzed; available: %s" % (impl, " ".join(fuzz_impls())))
    return impl


def get_bench_impls():
    names = setting("BENCH_IMPLS", " ".join(n for n in fuzz_impls() if not n.startswith("libevent-planted-")))
    bad = [n for n in names.split() if n not in fuzz_impls()]
    if bad:
        raise Usage("BENCH_IMPLS: %s cannot be fuzzed; available: %s" % (" ".join(bad), " ".join(fuzz_impls())))
    return names.split()


# ---- building: make does it ----
def build(paths, what=None):
    """Ask make for files (fuzz/fuzz.mk), in a make of its own: none of the calling make's
    state (MAKEFLAGS, MAKELEVEL) or settings that reconfigure the top Makefile."""
    env = {k: v for k, v in os.environ.items() if k not in CHILD_DROP}
    if what is None:
        what = " ".join(rel(p) for p in paths) if len(paths) <= 3 else "%d binaries under build/fuzz/bin" % len(paths)
    say("build: %s (make -s)" % what)
    rc = subprocess.run(["make", "-s", "--no-print-directory", "-C", TOP] + paths, env=env).returncode
    if rc:
        say("build failed (make exit %d)" % rc)
        sys.exit(1)


def campaign(target, impl, engine, seconds, jobs, name=None, every=10, repro=True):
    """The settings of one campaign (what run() takes); repro: write C reproducers of the
    findings at the end (fuzz/repro.py)."""
    return argparse.Namespace(target=target.name, impl=impl, engine=engine, seconds=seconds, jobs=jobs,
                              bin=bin_path(impl, target.name, engine), replay=bin_path(impl, target.name, "replay"),
                              seeds=target.seeds, dict=target.dict, out=os.path.join(FUZZ_DIR, "campaigns"),
                              name=name, max_len=512, every=every, repro=repro)


def signature(report):
    """(id, one-line signature) of a finding from its report text."""
    lines = report.splitlines()
    head = next((l for l in lines if l.startswith("bevconf-fuzz: FAIL")), None)
    if head is None:
        head = next((re.sub(r"0x[0-9a-f]+|==\d+==", "", l).strip() for l in lines
                     if "ERROR: AddressSanitizer" in l or "ERROR: LeakSanitizer" in l
                     or "runtime error:" in l or "ERROR: libFuzzer" in l or "Assertion" in l
                     or l.startswith("[err]")), "unknown crash")
        head = re.sub(r"\s+on address.*|\s+\(pc.*", "", head)
    frames = []
    for l in lines:
        m = re.match(r"\s*#\d+ 0x[0-9a-f]+ in (\S+) (\S+)", l)
        if not m or SKIP_FRAMES.search(l):
            continue
        frames.append(m.group(1))
        if len(frames) == 3:
            break
    key = head + "|" + "|".join(frames)
    return hashlib.sha1(key.encode()).hexdigest()[:12], head + (" @ " + " < ".join(frames) if frames else "")


def replay(replay_bin, path, timeout=60):
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:handle_abort=1",
               UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1")
    try:
        p = subprocess.run([replay_bin, path], capture_output=True, text=True, errors="replace",
                           timeout=timeout, env=env)
        return p.returncode, p.stderr + p.stdout
    except subprocess.TimeoutExpired:
        return -1, "timeout after %ds" % timeout


def collect(crash_files, replay_bin, cdir, known, t=0.0):
    """Replay new crash files, dedup by signature, file them under findings/."""
    fdir = os.path.join(cdir, "findings")
    os.makedirs(fdir, exist_ok=True)
    for f in crash_files:
        if f in known["seen"]:
            continue
        known["seen"].add(f)
        rc, report = replay(replay_bin, f)
        if rc == 0:
            # Not reproducible alone (e.g. a leak or state across inputs): keep the engine's view.
            report = "not reproducible by the replay driver (exit 0)\n" + report
        fid, sig = signature(report)
        if fid in known["ids"]:
            continue
        d = os.path.join(fdir, fid)
        os.makedirs(d, exist_ok=True)
        shutil.copy(f, os.path.join(d, "input"))
        with open(os.path.join(d, "report.txt"), "w") as fh:
            fh.write(report)
        rel = os.path.relpath(os.path.join(d, "input"), TOP)
        repro = "%s %s" % (os.path.relpath(replay_bin, TOP), rel)
        with open(os.path.join(d, "reproduce.sh"), "w") as fh:
            fh.write("#!/bin/sh\n# %s\ncd \"$(dirname \"$0\")/%s\" && exec %s\n" % (
                sig, os.path.relpath(TOP, d), repro))
        os.chmod(os.path.join(d, "reproduce.sh"), 0o755)
        known["ids"][fid] = {"id": fid, "reproduce": repro, "signature": sig, "t": round(t)}
        say("NEW FINDING %s after %ds: %s" % (fid, t, sig))
        say("  reproduce: %s" % repro)


def libfuzzer_cmd(a, cdir, corpus):
    cmd = [a.bin, "-fork=%d" % max(1, a.jobs), "-ignore_crashes=1", "-ignore_timeouts=1",
           "-ignore_ooms=1", "-max_total_time=%d" % a.seconds, "-max_len=%d" % a.max_len,
           "-timeout=10", "-rss_limit_mb=2048", "-print_final_stats=1",
           "-artifact_prefix=%s/" % os.path.join(cdir, "artifacts")]
    if a.dict:
        cmd.append("-dict=" + a.dict)
    cmd += [corpus, a.seeds]
    return cmd


def afl_cmds(a, cdir, corpus):
    base = ["afl-fuzz", "-i", a.seeds, "-o", os.path.join(cdir, "afl"), "-V", str(a.seconds),
            "-t", "10000"]
    if a.dict:
        base += ["-x", a.dict]
    cmds = []
    for j in range(max(1, a.jobs)):
        role = ["-M", "main"] if j == 0 else ["-S", "s%d" % j]
        cmds.append(base + role + ["--", a.bin])
    return cmds


def run(a):
    name = a.name or "%s-%s-%s-%s" % (a.target, a.impl, a.engine, time.strftime("%Y%m%d-%H%M%S"))
    cdir = os.path.join(a.out, name)
    shutil.rmtree(cdir, ignore_errors=True)
    corpus = os.path.join(cdir, "corpus")
    os.makedirs(corpus)
    os.makedirs(os.path.join(cdir, "artifacts"))
    log = open(os.path.join(cdir, "engine.log"), "w")
    env = dict(os.environ, UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1",
               ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "detect_leaks=1"))
    say("campaign %s: %s on %s with %s, %ds, %d job(s)" % (name, a.target, a.impl, a.engine, a.seconds, a.jobs))
    say("directory: %s" % os.path.relpath(cdir, TOP))
    procs = []
    if a.engine == "libfuzzer":
        procs.append(subprocess.Popen(libfuzzer_cmd(a, cdir, corpus), stdout=log, stderr=subprocess.STDOUT,
                                      env=env, cwd=cdir))
    else:
        env["ASAN_OPTIONS"] = "abort_on_error=1:symbolize=0:detect_leaks=1"
        env["UBSAN_OPTIONS"] = "halt_on_error=1:abort_on_error=1:symbolize=0"
        env.update(AFL_SKIP_CPUFREQ="1", AFL_NO_UI="1", AFL_NO_AFFINITY="1", AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES="1",
                   AFL_QUIET="1")
        for c in afl_cmds(a, cdir, corpus):
            procs.append(subprocess.Popen(c, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cdir))
    known = {"seen": set(), "ids": {}}
    series, execs, edges = [], 0, 0
    t0 = time.time()
    last_print = 0
    while True:
        done = all(p.poll() is not None for p in procs)
        t = time.time() - t0
        execs, edges = progress(a, cdir, execs, edges)
        if not series or series[-1][1] != edges or t - series[-1][0] >= 5:
            series.append([round(t, 1), edges])
        collect(crash_files(a, cdir), a.replay, cdir, known, t)
        if t - last_print >= a.every or done:
            last_print = t
            say("[%4ds] execs %d  exec/s %d  edges %d  findings %d" % (
                t, execs, execs / t if t > 0 else 0, edges, len(known["ids"])))
        if done:
            break
        if t > a.seconds + 120:
            for p in procs:
                p.kill()
        time.sleep(1)
    log.close()
    elapsed = time.time() - t0
    if a.engine == "afl":
        for f in glob.glob(os.path.join(cdir, "afl", "*", "queue", "id:*")):
            shutil.copy(f, os.path.join(corpus, os.path.basename(f).replace(":", "_").replace(",", "_")[:60]))
    stats = {
        "target": a.target, "impl": a.impl, "engine": a.engine, "seconds": a.seconds,
        "execs": execs, "exec_per_sec": round(execs / max(1e-9, min(elapsed, a.seconds)), 1),
        "edges": edges,
        "findings": [{"id": v["id"], "reproduce": v["reproduce"]} for v in known["ids"].values()],
        "coverage_series": series,
    }
    with open(os.path.join(cdir, "stats.json"), "w") as fh:
        json.dump(stats, fh, indent=1)
    with open(os.path.join(cdir, "findings.txt"), "w") as fh:
        for v in known["ids"].values():
            fh.write("%s  found after %ds  %s\n    %s\n" % (v["id"], v["t"], v["signature"], v["reproduce"]))
    say("done: %d execs, %.0f exec/s, %d edges, %d finding(s); stats: %s" % (
        execs, stats["exec_per_sec"], edges, len(known["ids"]),
        os.path.relpath(os.path.join(cdir, "stats.json"), TOP)))
    for v in known["ids"].values():
        say("  %s %s\n        reproduce: %s" % (v["id"], v["signature"], v["reproduce"]))
    if known["ids"] and a.repro:
        import repro
        say("C reproducers, beside each finding (every libevent build: make fuzz-repro FINDING=<its directory>):")
        for v in known["ids"].values():
            repro.for_campaign_finding(os.path.join(cdir, "findings", v["id"]), a.target, a.impl)
    return stats, cdir


def progress(a, cdir, execs, edges):
    if a.engine == "libfuzzer":
        try:
            with open(os.path.join(cdir, "engine.log"), errors="replace") as fh:
                text = fh.read()
        except OSError:
            return execs, edges
        for m in re.finditer(r"^#(\d+):?\s+\S*\s*cov: (\d+)", text, re.M):
            execs, edges = int(m.group(1)), int(m.group(2))
        return execs, edges
    tot_e, tot_x = 0, 0
    for st in glob.glob(os.path.join(cdir, "afl", "*", "fuzzer_stats")):
        kv = {}
        for l in open(st):
            if ":" in l:
                k, v = l.split(":", 1)
                kv[k.strip()] = v.strip()
        tot_x += int(kv.get("execs_done", 0))
        tot_e = max(tot_e, int(kv.get("edges_found", 0)))
    return (tot_x or execs), (tot_e or edges)


def crash_files(a, cdir):
    if a.engine == "libfuzzer":
        return sorted(glob.glob(os.path.join(cdir, "artifacts", "crash-*")) +
                      glob.glob(os.path.join(cdir, "artifacts", "leak-*")) +
                      glob.glob(os.path.join(cdir, "artifacts", "timeout-*")))
    return sorted(f for f in glob.glob(os.path.join(cdir, "afl", "*", "crashes", "id:*")))


def minimise(target, bin, out, campaigns):
    tmp = out + ".new"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    srcs = [target.seeds] + glob.glob(os.path.join(campaigns, target.name + "-*", "corpus"))
    n_in = sum(len(os.listdir(s)) for s in srcs if os.path.isdir(s))
    say("minimising %d inputs from %d corpora" % (n_in, len(srcs)))
    subprocess.run([bin, "-merge=1", tmp] + srcs, check=True)
    shutil.rmtree(out, ignore_errors=True)
    os.rename(tmp, out)
    say("%d inputs kept in %s (copy to fuzz/corpus/%s to commit)" % (
        len(os.listdir(out)), os.path.relpath(out, TOP), target.corpus))


def line_coverage(gcov_bin, corpus, src):
    """Replay a corpus with the gcov build; line % of buffer.c and bufferevent*.c."""
    for g in glob.glob(os.path.join(src, "*.gcda")):
        os.remove(g)
    subprocess.run([gcov_bin, corpus], capture_output=True)
    out = subprocess.run(["gcovr", "-r", src, "--filter", r"(.*/)?(buffer|bufferevent[a-z_]*)\.c$",
                          "--json-summary", "-", os.path.join(src)], capture_output=True, text=True, cwd=src)
    res = {}
    try:
        for f in json.loads(out.stdout)["files"]:
            res[os.path.basename(f["filename"])] = f["line_percent"]
    except (ValueError, KeyError):
        pass
    return res


def bench(pairs, seconds):
    rows = []
    for target, impl in pairs:
        stats, cdir = run(campaign(target, impl, "libfuzzer", seconds, 1, "bench-%s-%s" % (target.name, impl),
                                   every=seconds, repro=False))
        cov = {}
        gcov_bin = bin_path(impl, target.name, "gcov")
        srcf = os.path.join(FUZZ_DIR, impl, "gcov", ".source-dir")
        if os.path.exists(gcov_bin) and os.path.exists(srcf):
            cov = line_coverage(gcov_bin, os.path.join(cdir, "corpus"), open(srcf).read().strip())
        rows.append((target.name, impl, stats, cov))
    files = ["buffer.c", "bufferevent.c", "bufferevent_sock.c", "bufferevent_pair.c", "bufferevent_filter.c",
             "bufferevent_ratelim.c"]
    print("\nfuzz-bench: %d s per target x implementation, libFuzzer, 1 job" % seconds)
    hdr = "%-17s %-18s %8s %7s %6s" % ("target", "impl", "exec/s", "edges", "finds") + "".join(" %18s" % f for f in files)
    print(hdr)
    table = [hdr]
    for target, impl, s, cov in rows:
        line = "%-17s %-18s %8.0f %7d %6d" % (target, impl, s["exec_per_sec"], s["edges"], len(s["findings"])) + \
            "".join(" %17s%%" % ("%.1f" % cov[f] if f in cov else "-") for f in files)
        print(line)
        table.append(line)
    with open(os.path.join(FUZZ_DIR, "bench.txt"), "w") as fh:
        fh.write("\n".join(table) + "\n")
    print("(line coverage: the corpus each run produced, replayed on a gcov build; table in build/fuzz/bench.txt)")


def soak(targets, impl, seconds, jobs):
    each = max(10, seconds // len(targets))
    total = []
    for t in targets:
        # A target that links ref runs impl's (instrumented) libevent against ref.
        stats, cdir = run(campaign(t, impl, "libfuzzer", each, jobs,
                                   "soak-%s-%s" % (t.name, time.strftime("%Y%m%d-%H%M%S")), every=30))
        total.append((t.name, stats, cdir))
    print("\nfuzz-soak: %d s over %d targets on %s" % (seconds, len(targets), impl))
    n = 0
    for t, s, cdir in total:
        print("  %-17s %9d execs %7.0f exec/s %6d edges  %d finding(s)  %s" % (
            t, s["execs"], s["exec_per_sec"], s["edges"], len(s["findings"]), os.path.relpath(cdir, TOP)))
        for f in s["findings"]:
            print("      %s  reproduce: %s" % (f["id"], f["reproduce"]))
        n += len(s["findings"])
    print("fuzz-soak: %d finding(s) in total" % n)
    return 1 if n else 0


# ---- the commands ----
def cmd_run():
    target, engine, impl = get_target(), get_engine(), get_impl()
    c = campaign(target, impl, engine, number("SECONDS", 60), number("JOBS", 1), setting("NAME"))
    build([c.bin, c.replay])
    run(c)
    return 0


def cmd_build():
    impl = get_impl()
    paths = [bin_path(impl, t, e) for t in USABLE for e in ENGINES + ("replay",)]
    build(paths, "every target x engine for %s: %d binaries in %s" % (
        impl, len(paths), rel(os.path.join(FUZZ_DIR, "bin", impl))))
    return 0


def cmd_min():
    target, impl = get_target(), get_impl()
    b = bin_path(impl, target.name, "libfuzzer")
    build([b])
    minimise(target, b, os.path.join(FUZZ_DIR, "min", target.name), os.path.join(FUZZ_DIR, "campaigns"))
    return 0


def cmd_bench():
    seconds = number("SECONDS", 30)
    # TARGET, when set, benches that target alone.
    todo = pairs([get_target()] if setting("TARGET") else USABLE.values(), get_bench_impls())
    build([bin_path(i, t.name, e) for t, i in todo for e in ("libfuzzer", "replay", "gcov")])
    bench(todo, seconds)
    return 0


def cmd_soak():
    impl, seconds, jobs = get_impl(), number("SECONDS", 60), number("JOBS", 1)
    targets = [t for t, _ in pairs(USABLE.values(), [impl])]
    build([bin_path(impl, t.name, e) for t in targets for e in ("libfuzzer", "replay")])
    return soak(targets, impl, seconds, jobs)


def replay_impls():
    """The system libevent (impls.txt fuzz=replay), every fuzzable implementation that is in
    `make test` (ref), and the instrumented ones already built (their asan flavour)."""
    out = []
    for name, i in impls_table.load().items():
        built = os.path.exists(os.path.join(FUZZ_DIR, name, "asan", ".source-dir"))
        if i.fuzz == "replay" or (i.fuzz == "yes" and (i.in_test or built)):
            out.append(name)
    return out


def cmd_replay():
    """The committed seeds are what gen-seeds.py writes from the opcode lists (so a tape
    still means what it meant), then every target's corpus through its replay binary on
    each implementation."""
    p = subprocess.run([sys.executable, os.path.join(TOP, "fuzz", "gen-seeds.py"), "--check"],
                       capture_output=True, text=True)
    if p.returncode:
        sys.stderr.write(p.stderr)
        say("the committed seeds are not what fuzz/gen-seeds.py writes (see above)")
        return 1
    say("seeds: %s" % p.stdout.strip().replace("gen-seeds: ", ""))
    todo = pairs(USABLE.values(), replay_impls())
    build([bin_path(i, t.name, "replay") for t, i in todo],
          "%d replay binaries (%s)" % (len(todo), " ".join(replay_impls())))
    for t, impl in todo:
        replay_bin = bin_path(impl, t.name, "replay")
        p = subprocess.run([replay_bin, "-v", t.seeds], capture_output=True, text=True, errors="replace")
        lines = (p.stdout + p.stderr).rstrip("\n").split("\n")
        # -v names each input before running it; the last line sums up.
        inputs = [m.group(1) for m in (re.match(r"bevconf-replay: (.*) \(\d+ bytes\)$", l) for l in lines) if m]
        report = [l for l in lines if not re.match(r"bevconf-replay: .* \(\d+ bytes\)$", l)]
        if p.returncode == 0:
            status = re.sub(r"^bevconf-replay: [^:]*: ", "", lines[-1])
        else:
            why = next((l for l in report if l.startswith("bevconf-fuzz: FAIL") or "ERROR: " in l
                        or "runtime error" in l), report[-1] if report else "exit %d" % p.returncode)
            status = "FAILED on %s: %s" % (rel(inputs[-1]) if inputs else "?", why.strip())
        print("%s: %-18s %-17s %s" % (PREFIX, impl, t.name, status), flush=True)
        if p.returncode:
            print("\n".join(report[-40:]))
            say("reproduce: %s %s" % (rel(replay_bin), rel(inputs[-1]) if inputs else rel(t.seeds)))
            return 1
    return 0


# OSS-Fuzz's flags (its base-builder's): CFLAGS with libFuzzer's coverage, then each
# sanitizer's SANITIZER_FLAGS_<name>, and what it runs the fuzzers with.
OSS_CFLAGS = "-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=fuzzer-no-link"
UBSAN_FATAL = ("array-bounds,bool,builtin,enum,function,integer-divide-by-zero,null,object-size,return,"
               "returns-nonnull-attribute,shift,signed-integer-overflow,unreachable,vla-bound,vptr")
OSS_SANITIZERS = {
    "address": ("ASan", "-fsanitize=address -fsanitize-address-use-after-scope", {}),
    # Every check fatal but unsigned overflow, which is reported only, and silenced.
    "undefined": ("UBSan",
                  "-fsanitize=%s,unsigned-integer-overflow -fno-sanitize-recover=%s" % (UBSAN_FATAL, UBSAN_FATAL),
                  {"UBSAN_OPTIONS": "print_stacktrace=1:silence_unsigned_overflow=1"}),
}


def cmd_test_oss():
    """.clusterfuzzlite/build.sh as ClusterFuzzLite runs it: in the $SRC its Dockerfile
    sets up (replayed here: tools/cflite.py), with OSS-Fuzz's flags for each sanitizer of
    project.yaml; then what the service would use: each fuzzer, its dictionary, and its
    seed zip (all of the target's corpus), replayed."""
    import cflite
    base = os.path.join(FUZZ_DIR, "oss-fuzz")
    src = os.path.join(base, "src")
    sanitizers = cflite.project()["sanitizers"]
    unknown = [s for s in sanitizers if s not in OSS_SANITIZERS]
    if unknown:
        say("FAILED: project.yaml's sanitizers %s: test-oss knows no flags for them (only %s)"
            % (", ".join(unknown), ", ".join(OSS_SANITIZERS)))
        return 1
    say("image: .clusterfuzzlite/Dockerfile replayed with SRC=%s" % rel(src))
    try:
        workdir = cflite.stage(src)
    except cflite.Error as e:
        say("FAILED: %s" % e)
        return 1
    for sanitizer in sanitizers:
        if oss_build_and_replay(src, workdir, sanitizer, os.path.join(base, sanitizer)):
            return 1
    return 0


def oss_build_and_replay(src, workdir, sanitizer, base):
    """$SRC/build.sh with one sanitizer's flags into base/out (libevent kept in base/work),
    then each fuzzer's outputs checked and its seed zip replayed."""
    name, flags, run_env = OSS_SANITIZERS[sanitizer]
    out = os.path.join(base, "out")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    env = dict(os.environ, CC="clang", CFLAGS="%s %s" % (OSS_CFLAGS, flags), LIB_FUZZING_ENGINE="-fsanitize=fuzzer",
               OUT=out, WORK=os.path.join(base, "work"), SRC=src, SANITIZER=sanitizer)
    say("build: $SRC/build.sh with OSS-Fuzz's %s flags into %s" % (name, rel(out)))
    # The service's compile step runs it this way, from the image's WORKDIR.
    rc = subprocess.run(["bash", "-eux", os.path.join(src, "build.sh")], cwd=workdir, env=env).returncode
    if rc:
        say("$SRC/build.sh FAILED (exit %d)" % rc)
        return 1
    shipped = [t for t in TARGETS.values() if not t.ref]
    for t in shipped:
        exe, log = os.path.join(out, t.name), os.path.join(out, t.name + ".log")
        seeds_zip, seeds = os.path.join(out, t.name + "_seed_corpus.zip"), os.path.join(out, t.name + ".seeds")

        def failed(why):
            say("%s FAILED: %s" % (t.name, why))
            return 1
        if not os.access(exe, os.X_OK):
            return failed("no fuzzer %s" % rel(exe))
        if t.dict and not os.path.getsize(os.path.join(out, t.name + ".dict")):
            return failed("empty dictionary")
        if not os.path.exists(os.path.join(out, t.name + ".options")):
            return failed("no .options file")
        names = zipfile.ZipFile(seeds_zip).namelist()
        want = len(os.listdir(t.seeds))
        if not names or len(names) != want:
            return failed("%d seeds in the zip, fuzz/corpus/%s has %d" % (len(names), t.corpus, want))
        say("%s: %d seeds in the zip (all of fuzz/corpus/%s)" % (os.path.basename(seeds_zip), len(names), t.corpus))
        shutil.rmtree(seeds, ignore_errors=True)
        zipfile.ZipFile(seeds_zip).extractall(seeds)
        with open(log, "w") as fh:
            rc = subprocess.run([exe, "-runs=0", seeds], stdout=fh, stderr=subprocess.STDOUT,
                                env=dict(os.environ, **run_env)).returncode
        text = open(log, errors="replace").read()
        if rc or not re.search(r"INITED|DONE", text):
            return failed("the fuzzer does not replay its seeds (exit %d; see %s)" % (rc, rel(log)))
        say("%s replays its seed corpus (libevent-debian, %s)" % (t.name, name))
    return 0


COMMANDS = {"run": cmd_run, "build": cmd_build, "min": cmd_min, "bench": cmd_bench,
            "soak": cmd_soak, "replay": cmd_replay, "test-oss": cmd_test_oss}
PREFIXES = {"run": "fuzz", "build": "fuzz-build", "min": "fuzz-min", "bench": "fuzz-bench",
            "soak": "fuzz-soak", "replay": "fuzz-replay", "test-oss": "fuzz-test-oss"}


def main(argv):
    global PREFIX
    if len(argv) != 1 or argv[0] not in COMMANDS:
        print("usage: campaign.py %s (settings from the environment; see the top of this file)"
              % "|".join(COMMANDS), file=sys.stderr)
        return 2
    PREFIX = PREFIXES[argv[0]]
    try:
        return COMMANDS[argv[0]]()
    except Usage as e:
        print("bevconf: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]) or 0)
