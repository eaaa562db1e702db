"""mutation: `make mutation [N=300] [SEED=1] [IDS="id ..."] [LIBEVENT_SRC=dir] [JOBS=n] [CASE_JOBS=n]`.

Mutation analysis of libevent itself. One-line mutants (tools/mutate.py) of the files in
SCOPE of libevent's Debian 2.1.12 tree, or of the autotools tree LIBEVENT_SRC names, N of
them (split evenly over the files, drawn with SEED), or the ones IDS names. Each mutant is
the tree's shared build (flavour mutation) copied, the one file changed and recompiled;
then the suite (built once, loading the mutant's libraries through LD_LIBRARY_PATH) and
libevent's own regress groups (REGRESS, the anchor) run against it.

The suite runs only the cases that reach the mutated line (from a per-case gcov run of the
same tree, cached in coverage.json); a mutant on a line no case reaches survives without a
run ("unreached"); a line gcov does not count (a declaration, an initialiser) runs every
case. The first failing case kills the mutant and stops the rest. A case counts only if it
passes on the unmutated tree.

Results go to build/mutation/<tree>/results.jsonl, one record per mutant, appended as each
ends: a rerun with the same suite (the runner binary's hash) skips what is done
(resumable). tools/mutation_report.py renders the scores from that file with the declared
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
REGRESS_DEADLINE = 60     # seconds; the groups take about 2 s on the unmutated tree
LIBS = ("libevent.la", "libevent_core.la", "libevent_extra.la")
KILLING = results.FAILING | {"DIFFERS"}


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
    todo = list(cases)
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                if not todo:
                    return
                case = todo.pop()
            out = os.path.join(work, case)
            env = dict(os.environ, GCOV_PREFIX=out, GCOV_PREFIX_STRIP="0")
            subprocess.run([target.runner, "--timeout", "10", "--results", os.path.join(work, case + ".jsonl"),
                            case], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            objdir = out + tree.gcov_tree
            if not os.path.isdir(objdir):
                continue
            for f in SCOPE:
                gcno = os.path.join(tree.gcov_tree, f[:-2] + ".gcno")
                if os.path.exists(gcno) and not os.path.exists(os.path.join(objdir, os.path.basename(gcno))):
                    os.symlink(gcno, os.path.join(objdir, os.path.basename(gcno)))
            counts, fns = gcov_lines(objdir, tree.gcov_tree, SCOPE)
            with lock:
                for f, by_line in counts.items():
                    executable.setdefault(f, sorted(by_line))
                    functions.setdefault(f, fns.get(f, []))
                    for ln, c in by_line.items():
                        if c > 0:
                            reach[f].setdefault(str(ln), []).append(case)
            shutil.rmtree(out, ignore_errors=True)

    threads = [threading.Thread(target=worker) for _ in range(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    shutil.rmtree(work, ignore_errors=True)
    data = {"key": key, "reach": reach, "executable": executable, "functions": functions}
    with open(cache + ".tmp", "w") as f:
        json.dump(data, f)
    os.replace(cache + ".tmp", cache)
    return data


# ---- one mutant ----

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
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
        p.wait()
    return failing


def run_regress(tree, env):
    """libevent's regress groups on the mutant: 'killed' or 'survived'."""
    try:
        p = subprocess.run([os.path.join(tree, "test", ".libs", "regress")] + list(REGRESS), cwd=tree, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=REGRESS_DEADLINE,
                           start_new_session=True)
    except subprocess.TimeoutExpired:
        return "killed"
    return "survived" if p.returncode == 0 else "killed"


class Run:
    def __init__(self, tree, runner, passing, cover, cfg):
        self.tree, self.runner, self.passing, self.cover = tree, runner, passing, cover
        self.case_jobs = int(cfg.given("CASE_JOBS", 4))
        self.timeout = cfg.number("TIMEOUT", float, 0.1)
        self.fingerprint = sha(runner)

    def cases_for(self, m):
        """The cases to run on a mutant of this line: None when no case reaches it."""
        if m.line not in set(self.cover["executable"].get(m.file, [])):
            return sorted(self.passing)
        return sorted(set(self.cover["reach"].get(m.file, {}).get(str(m.line), [])) & self.passing)

    def one(self, m, work):
        start = time.monotonic()
        rec = {"id": m.id, "file": m.file, "line": m.line, "op": m.op, "old": m.old, "new": m.new,
               "suite_hash": self.fingerprint}
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
            rec.update(build="failed", suite="-", regress="-", seconds=round(time.monotonic() - start, 1))
            return rec
        env = dict(os.environ, LD_LIBRARY_PATH=os.path.join(tree, ".libs"))
        cases = self.cases_for(m)
        if not cases:
            rec.update(suite="unreached", killers=[])
        else:
            failing = run_cases(self.runner, cases, env, self.case_jobs, self.timeout,
                                os.path.join(work, "results.jsonl"))
            rec.update(suite="killed" if failing else "survived",
                       killers=[f"{r['case']} {r['status']}" for r in failing[:3]], ran=len(cases))
        rec.update(build="ok", regress=run_regress(tree, env), seconds=round(time.monotonic() - start, 1))
        shutil.rmtree(tree, ignore_errors=True)
        return rec


def run(cfg):
    tree = Tree(cfg.get("LIBEVENT_SRC"))
    tree.build()
    jobs = cfg.number("JOBS") if cfg.get("JOBS") else max(1, os.cpu_count() or 1)
    mutants = select(tree.tree, cfg)
    target = bevconf.Target(bevconf.get_impl("libevent"), prefix=tree.prefix, build=tree.dir)
    target.build()
    with open(os.devnull, "w") as null:
        base, _ = bevconf.run_suite(target, None, jobs=8, timeout=cfg.number("TIMEOUT", float, 0.1),
                                    results_path=os.path.join(tree.dir, "base.jsonl"), log=null,
                                    quiet_summary=True)
    passing = {c for c, s in results.statuses(base).items() if s == "PASS"}
    if run_regress(tree.tree, dict(os.environ)) != "survived":
        raise Stop(f"libevent's regress groups ({' '.join(REGRESS)}) fail on the unmutated tree {tree.tree}")
    cover = coverage_map(tree, passing, jobs)
    state = Run(tree, target.runner, passing, cover, cfg)
    out = os.path.join(tree.dir, "results.jsonl")
    done = {}
    for r in results_lines(out):
        if r.get("suite_hash") == state.fingerprint:
            done[r["id"]] = r
    todo = [m for m in mutants if m.id not in done]
    say(f"mutation: {tree.name}: {len(mutants)} mutants ({len(mutants) - len(todo)} done before), "
        f"{len(passing)} cases passing on the unmutated tree, {jobs} at a time")
    lock = threading.Lock()
    counter = [len(mutants) - len(todo)]
    t0 = time.monotonic()
    queue = list(reversed(todo))

    def worker(k):
        work = tempfile.mkdtemp(prefix=f"w{k}-", dir=tree.dir)
        while True:
            with lock:
                if not queue:
                    break
                m = queue.pop()
            rec = state.one(m, work)
            with lock:
                with open(out, "a") as f:
                    f.write(json.dumps(rec) + "\n")
                done[m.id] = rec
                counter[0] += 1
                rate = (counter[0] - (len(mutants) - len(todo))) / max(1e-9, time.monotonic() - t0) * 60
                say(f"mutation: [{counter[0]}/{len(mutants)}] {m.id} ({m.op}): " + progress(rec)
                    + f" · {rec['seconds']} s · {rate:.1f} mutants/min")
        shutil.rmtree(work, ignore_errors=True)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    if todo:
        say(f"mutation: {len(todo)} mutants in {elapsed:.0f} s: {len(todo) / elapsed * 60:.1f} mutants/min "
            f"({elapsed / len(todo) * jobs:.1f} s per mutant per job, {jobs} jobs)")
    records = [done[m.id] for m in mutants]
    report = os.path.join(tree.dir, "report.md")
    text = mutation_report.render(records, mutation_report.equivalents(tree.name), cover)
    with open(report, "w") as f:
        f.write(text)
    sys.stdout.write(text)
    say(f"mutation: report: {report}")
    return 0


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
