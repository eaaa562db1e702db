"""mutation: `make mutation [N=300] [SEED=1] [IDS="id ..."] [CASES=prefix,...]
[LIBEVENT_SRC=dir] [JOBS=n] [CASE_JOBS=n]`.

Mutation analysis of libevent itself. One-line mutants (tools/mutate.py) of the files in
SCOPE of libevent's Debian 2.1.12 tree, or of the autotools tree LIBEVENT_SRC names, N of
them (split evenly over the files, drawn with SEED), or the ones IDS names. Each mutant is
the tree's shared build (flavour mutation) copied, the one file changed and recompiled;
then the suite (built once, loading the mutant's libraries through LD_LIBRARY_PATH, with
gcc's LeakSanitizer preloaded so that a leak is a CRASH as under SANITIZE=1) and
libevent's own regress groups (REGRESS, the anchor) run against it.

The suite runs only the cases that reach the mutated line (from a per-case gcov run of the
same tree, cached in coverage.json); a mutant on a line no case reaches survives without a
run ("unreached"); a line gcov does not count (a declaration, an initialiser) runs every
case. The first failing case kills the mutant and stops the rest. A case counts only if it
passes on the unmutated tree.

Results go to build/mutation/<tree>/results.jsonl (or RESULTS=file), one record per mutant,
appended as each ends: a rerun with the same suite (the runner binary's hash) skips what is done
(resumable). CASES= runs only those cases on each mutant; PROOFS=1 runs the mutants of
mutants/libevent/proofs.txt, each with the cases written to kill it. tools/mutation_report.py renders the scores from that file with the declared
equivalents (mutants/libevent/equivalents.txt). Exit status: 0 done, 2 bad input or a
failed build."""
import hashlib
import json
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

import bevconf
import coverage_run
import impls
import mutate
import mutation_report
import results
from bevconf import ROOT, Stop, say

SCOPE = ("buffer.c", "bufferevent.c", "bufferevent_sock.c", "bufferevent_pair.c",
         "bufferevent_filter.c", "listener.c")
REGRESS = ("bufferevent/..", "evbuffer/..", "listener/..")
REGRESS_DEADLINE = 20     # seconds; the groups take about 2 s on the unmutated tree
LIBS = ("libevent.la", "libevent_core.la", "libevent_extra.la")
KILLING = results.FAILING | {"DIFFERS"}


def leak_checker():
    """LD_PRELOAD for the suite's processes: gcc's standalone LeakSanitizer, so that a
    mutant that leaks is killed the way SANITIZE=1 and valgrind would kill it (the runner
    turns a LeakSanitizer report into the case's CRASH); none when gcc has no liblsan."""
    p = subprocess.run(["gcc", "-print-file-name=liblsan.so.0"], capture_output=True, text=True)
    path = p.stdout.strip()
    return {"LD_PRELOAD": path} if p.returncode == 0 and os.path.isabs(path) and os.path.exists(path) else {}


class Tree:
    """The libevent tree under analysis: its shared build, its gcov build, where results go."""

    def __init__(self, src):
        self.name = impls.source_tree_name(os.path.abspath(src)) if src else "libevent-debian"
        self.vars = {"LIBEVENT_SRC": os.path.abspath(src)} if src else {}
        self.src = src
        self.dir = os.path.abspath(os.path.join(bevconf.BUILD, "mutation", self.name))
        self.prefix = os.path.abspath(os.path.join(bevconf.BUILD, "fuzz", self.name, "mutation"))

    def build(self):
        if self.src and not any(os.path.exists(os.path.join(self.src, f)) for f in ("configure", "autogen.sh")):
            raise Stop(f"make mutation needs an autotools tree (configure or autogen.sh); {self.src} has neither")
        bevconf.make([os.path.join(self.prefix, ".source-dir")], self.vars)
        self.tree = open(os.path.join(self.prefix, ".source-dir")).read().strip()
        if not os.path.isfile(os.path.join(self.tree, "test", ".libs", "regress")):
            raise Stop(f"{self.tree} has no test/.libs/regress (libevent's regress suite did not build)")
        self.gcov = coverage_run.gcov_prefix(self.src)
        self.gcov_tree = open(os.path.join(self.gcov, ".source-dir")).read().strip()
        os.makedirs(self.dir, exist_ok=True)


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha1(f.read()).hexdigest()[:12]


def select(tree, cfg):
    """The mutants to run: IDS, or N drawn with SEED, N/len(SCOPE) from each file."""
    every = {f: mutate.mutants_of(tree, f) for f in SCOPE}
    by_id = {m.id: m for ms in every.values() for m in ms}
    ids = cfg.words("IDS")
    if ids:
        unknown = [i for i in ids if i not in by_id]
        if unknown:
            raise Stop(f"IDS: no such mutant in this tree: {' '.join(unknown)} (ids are FILE:LINE:OPK)")
        return [by_id[i] for i in ids]
    n = int(cfg.given("N", 300))
    seed = cfg.get("SEED", "1")
    per_file = math.ceil(n / len(SCOPE))
    picked = []
    for f in SCOPE:
        ms = every[f]
        picked += random.Random(f"{seed}/{f}").sample(ms, min(per_file, len(ms)))
    return picked


# ---- which cases reach which line ----

def gcov_lines(objdir, srcdir, files):
    """{file: {line: count}} and {file: [(function, first, last)]} from gcov's JSON."""
    import gzip
    lines, functions = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["gcov", "-j", "-o", objdir] + [os.path.join(srcdir, f) for f in files],
                       cwd=tmp, capture_output=True)
        for f in files:
            path = os.path.join(tmp, f[:-2] + ".gcov.json.gz")
            if not os.path.exists(path):
                continue
            data = json.load(gzip.open(path))
            for entry in data["files"]:
                if os.path.basename(entry["file"]) != f:
                    continue
                lines[f] = {ln["line_number"]: ln["count"] for ln in entry["lines"]}
                functions[f] = [(fn["name"], fn["start_line"], fn["end_line"]) for fn in entry["functions"]]
    return lines, functions


def coverage_map(tree, cases, jobs):
    """{file: {line: [cases reaching it]}}, {file: [executable lines]}, functions: each
    case run alone on the gcov build, its counts written under its own GCOV_PREFIX."""
    target = bevconf.Target(bevconf.get_impl("libevent"), prefix=tree.gcov, build=os.path.join(tree.dir, "gcov"),
                            extra={"LDFLAGS": "--coverage"})
    target.build()
    key = sha(target.runner) + ":" + hashlib.sha1(" ".join(sorted(cases)).encode()).hexdigest()[:12]
    cache = os.path.join(tree.dir, "coverage.json")
    if os.path.exists(cache):
        data = json.load(open(cache))
        if data.get("key") == key:
            return data
    say(f"mutation: measuring which of {len(cases)} cases reach which lines (once per suite)")
    reach = {f: {} for f in SCOPE}
    executable, functions = {}, {}
    work = tempfile.mkdtemp(dir=tree.dir)

    def measure(case):
        out = os.path.join(work, case)
        env = dict(os.environ, GCOV_PREFIX=out, GCOV_PREFIX_STRIP="0")
        subprocess.run([target.runner, "--timeout", "10", "--results", os.path.join(work, case + ".jsonl"),
                        case], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        objdir = out + tree.gcov_tree
        if not os.path.isdir(objdir):
            return {}, {}
        for f in SCOPE:
            gcno = os.path.join(tree.gcov_tree, f[:-2] + ".gcno")
            if os.path.exists(gcno) and not os.path.exists(os.path.join(objdir, os.path.basename(gcno))):
                os.symlink(gcno, os.path.join(objdir, os.path.basename(gcno)))
        try:
            return gcov_lines(objdir, tree.gcov_tree, SCOPE)
        finally:
            shutil.rmtree(out, ignore_errors=True)

    with ThreadPoolExecutor(jobs) as pool:
        for case, (counts, fns) in zip(cases, pool.map(measure, cases)):
            for f, by_line in counts.items():
                executable.setdefault(f, sorted(by_line))
                functions.setdefault(f, fns.get(f, []))
                for ln, c in by_line.items():
                    if c > 0:
                        reach[f].setdefault(str(ln), []).append(case)
    shutil.rmtree(work, ignore_errors=True)
    data = {"key": key, "reach": reach, "executable": executable, "functions": functions}
    with open(cache + ".tmp", "w") as f:
        json.dump(data, f)
    os.replace(cache + ".tmp", cache)
    return data


# ---- one mutant ----

def kill_session(sid):
    """SIGKILL every process of session sid (a runner or regress started with
    start_new_session): Check puts each case in a process group of its own, so a group
    kill would leave a case spinning on a mutant's loop with no runner to time it out."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid:  # after the name: state, ppid, pgrp, session
            try:
                os.kill(int(pid), signal.SIGKILL)
            except OSError:
                pass


def run_cases(runner, cases, env, jobs, timeout, path):
    """Run these cases; stop at the first that fails. Returns the failing records (empty:
    every case passed)."""
    open(path, "w").close()
    jobs = max(1, min(jobs, len(cases)))
    argv = [runner, "--timeout", str(timeout), "--results", path]
    wanted = set(cases)
    procs = [subprocess.Popen(argv + ["--shard", f"{k}/{jobs}"] + cases, env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for k in range(jobs)]
    failing = []
    while True:
        done = all(p.poll() is not None for p in procs)
        # A case id selects the ids it prefixes too: only the cases asked for count.
        failing = [r for r in results.read(path) if r["status"] in KILLING and r["case"] in wanted]
        if failing or done:
            break
        time.sleep(0.05)  # polling a results file the runners append to; no event to wait on
    for p in procs:
        kill_session(p.pid)
        p.wait()
    return failing


def run_regress(tree, env):
    """libevent's regress groups on the mutant: 'killed' or 'survived'. Its tests run in
    forked processes: on the deadline its whole session goes."""
    p = subprocess.Popen([os.path.join(tree, "test", ".libs", "regress")] + list(REGRESS), cwd=tree, env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        rc = p.wait(timeout=REGRESS_DEADLINE)
    except subprocess.TimeoutExpired:
        rc = "timeout"
    kill_session(p.pid)
    p.wait()
    return "survived" if rc == 0 else "killed"


class Run:
    def __init__(self, tree, runner, passing, cover, cfg, restrict):
        self.tree, self.runner, self.passing, self.cover = tree, runner, passing, cover
        self.restrict = restrict
        self.case_jobs = int(cfg.given("CASE_JOBS", 4))
        self.timeout = cfg.number("TIMEOUT", float, 0.1)
        self.leaks = leak_checker()
        self.fingerprint = sha(runner) + (":lsan" if self.leaks else "")

    def cases_for(self, m):
        """The cases to run on a mutant of this line (none: no case reaches it)."""
        only = self.restrict.get(m.id)
        if only:
            return sorted(c for c in self.passing if any(c.startswith(p) for p in only))
        if m.line not in set(self.cover["executable"].get(m.file, [])):
            return sorted(self.passing)
        return sorted(set(self.cover["reach"].get(m.file, {}).get(str(m.line), [])) & self.passing)

    def kills(self, cases, env, work):
        """The failing records of these cases on the mutant, each confirmed by the same case
        passing on the unmutated tree right after (a case failing there too is the machine's
        load, not the mutant: it is dropped and the rest run again, once)."""
        base_env = dict(os.environ, **self.leaks)
        for _ in range(2):
            failing = run_cases(self.runner, cases, env, self.case_jobs, self.timeout,
                                os.path.join(work, "results.jsonl"))
            if not failing:
                return []
            first = failing[0]["case"]
            if not run_cases(self.runner, [first], base_env, 1, self.timeout, os.path.join(work, "base.jsonl")):
                return failing
            say(f"mutation: {first} failed on the unmutated tree too (load?); not counted")
            cases = [c for c in cases if c != first]
        return []

    def one(self, m, work):
        start = time.monotonic()
        rec = {"id": m.id, "file": m.file, "line": m.line, "op": m.op, "old": m.old, "new": m.new,
               "suite_hash": self.fingerprint, "only": self.restrict.get(m.id)}
        tree = os.path.join(work, "tree")
        shutil.rmtree(tree, ignore_errors=True)
        subprocess.run(["cp", "-a", self.tree.tree, tree], check=True)
        path = os.path.join(tree, m.file)
        text = open(path, encoding="utf-8", errors="surrogateescape").read()
        with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(mutate.apply(text, m))
        built = subprocess.run(["make", "-s", "-C", tree] + list(LIBS), capture_output=True, text=True,
                               env=bevconf.make_env())
        if built.returncode != 0:
            error = next((ln for ln in built.stderr.splitlines() if "error" in ln), built.stderr.strip()[-200:])
            rec.update(build="failed", error=error.strip(), suite="-", regress="-",
                       seconds=round(time.monotonic() - start, 1))
            return rec
        env = dict(os.environ, LD_LIBRARY_PATH=os.path.join(tree, ".libs"))
        cases = self.cases_for(m)
        if not cases:
            rec.update(suite="unreached", killers=[])
        else:
            failing = self.kills(cases, dict(env, **self.leaks), work)
            rec.update(suite="killed" if failing else "survived",
                       killers=[f"{r['case']} {r['status']}" for r in failing[:3]], ran=len(cases))
        rec.update(build="ok", regress=run_regress(tree, env), seconds=round(time.monotonic() - start, 1))
        shutil.rmtree(tree, ignore_errors=True)
        return rec


PROOFS = os.path.join(ROOT, "mutants", "libevent", "proofs.txt")


def proofs(tree_name):
    """{mutant id: [cases]}: the mutants cases were written for (mutants/libevent/proofs.txt,
    lines `TREE ID CASE...`): each must be killed by its cases alone."""
    found = {}
    for n, line in enumerate(open(PROOFS, encoding="utf-8"), 1):
        parts = line.split("#", 1)[0].split()
        if parts and len(parts) < 3:
            raise Stop(f"{PROOFS}:{n}: want TREE ID CASE...")
        if parts and parts[0] == tree_name:
            found[parts[1]] = parts[2:]
    return found


def run(cfg):
    """make mutation: N mutants (or IDS), or with PROOFS=1 the proofs, each killed by its
    own cases alone (exit 1 when one survives)."""
    tree = Tree(cfg.get("LIBEVENT_SRC"))
    tree.build()
    restrict = {}
    if cfg.get("PROOFS") == "1":
        restrict = proofs(tree.name)
        if not restrict:
            raise Stop(f"{PROOFS} has no proof for {tree.name}")
        cfg.vars["IDS"] = " ".join(restrict)
    elif cfg.words("CASES"):
        restrict = {m.id: cfg.words("CASES") for m in select(tree.tree, cfg)}
    records, cover = analyse(cfg, tree, select(tree.tree, cfg), restrict)
    report = os.path.join(tree.dir, "report.md")
    text = mutation_report.render(records, mutation_report.equivalents(tree.name), cover)
    with open(report, "w") as f:
        f.write(text)
    sys.stdout.write(text)
    say(f"mutation: report: {report}")
    if restrict:
        alive = [r["id"] for r in records if r["suite"] != "killed"]
        say(f"mutation: {len(records) - len(alive)} of {len(records)} mutants killed by the cases named for them"
            + (f"; not killed: {' '.join(alive)}" if alive else ""))
        return 1 if alive else 0
    return 0


def analyse(cfg, tree, mutants, restrict=None):
    """Run the mutants (restrict: {id: case prefixes} to run only those cases on it);
    returns (records in the mutants' order, the coverage map)."""
    restrict = restrict or {}
    jobs = cfg.number("JOBS") if cfg.get("JOBS") else max(1, os.cpu_count() or 1)
    target = bevconf.Target(bevconf.get_impl("libevent"), prefix=tree.prefix, build=tree.dir)
    target.build()
    # The unmutated tree's run, under the leak checker like every mutant's.
    saved = dict(os.environ)
    os.environ.update(leak_checker())
    try:
        with open(os.devnull, "w") as null:
            base, _ = bevconf.run_suite(target, None, jobs=8, timeout=cfg.number("TIMEOUT", float, 0.1),
                                        results_path=os.path.join(tree.dir, "base.jsonl"), log=null,
                                        quiet_summary=True)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    passing = {c for c, s in results.statuses(base).items() if s == "PASS"}
    for mid, only in restrict.items():
        if not any(c.startswith(p) for c in passing for p in only):
            raise Stop(f"{mid}: no case passing on the unmutated tree has an id starting {' '.join(only)}")
    if run_regress(tree.tree, dict(os.environ)) != "survived":
        raise Stop(f"libevent's regress groups ({' '.join(REGRESS)}) fail on the unmutated tree {tree.tree}")
    # Mutants run with named cases only (CASES=, PROOFS=1) need no map of what reaches what.
    if restrict and all(m.id in restrict for m in mutants):
        cover = {"reach": {}, "executable": {}, "functions": {}}
    else:
        cover = coverage_map(tree, passing, jobs)
    state = Run(tree, target.runner, passing, cover, cfg, restrict)
    out = os.path.abspath(cfg.get("RESULTS") or os.path.join(tree.dir, "results.jsonl"))
    done = {}
    for r in results_lines(out):
        if r.get("suite_hash") == state.fingerprint and r.get("only") == restrict.get(r["id"]):
            done[r["id"]] = r
    todo = [m for m in mutants if m.id not in done]
    say(f"mutation: {tree.name}: {len(mutants)} mutants ({len(mutants) - len(todo)} done before), "
        f"{len(passing)} cases passing on the unmutated tree, {jobs} at a time")
    t0 = time.monotonic()
    scratch = tempfile.mkdtemp(dir=tree.dir)
    mine = threading.local()   # each thread's own scratch directory for its mutants

    def one(m):
        if not hasattr(mine, "work"):
            mine.work = tempfile.mkdtemp(dir=scratch)
        return state.one(m, mine.work)

    with ThreadPoolExecutor(jobs) as pool:
        futures = [pool.submit(one, m) for m in todo]
        for k, fut in enumerate(as_completed(futures), 1):
            rec = fut.result()
            with open(out, "a") as f:
                f.write(json.dumps(rec) + "\n")
            done[rec["id"]] = rec
            rate = k / max(1e-9, time.monotonic() - t0) * 60
            say(f"mutation: [{len(mutants) - len(todo) + k}/{len(mutants)}] {rec['id']} ({rec['op']}): "
                + progress(rec) + f" · {rec['seconds']} s · {rate:.1f} mutants/min")
    shutil.rmtree(scratch, ignore_errors=True)
    elapsed = time.monotonic() - t0
    if todo:
        say(f"mutation: {len(todo)} mutants in {elapsed:.0f} s: {len(todo) / elapsed * 60:.1f} mutants/min "
            f"({elapsed / len(todo) * jobs:.1f} s per mutant per job, {jobs} jobs)")
    return [done[m.id] for m in mutants], cover


def progress(rec):
    if rec["build"] != "ok":
        return "does not compile"
    suite = rec["suite"]
    if suite == "killed":
        suite = "killed by " + rec["killers"][0]
    return f"suite {suite} · regress {rec['regress']}"


def results_lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]
