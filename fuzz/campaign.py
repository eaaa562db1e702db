#!/usr/bin/env python3
"""campaign.py: run and record fuzzing campaigns (make fuzz, fuzz-min, fuzz-bench, fuzz-soak).

Each campaign gets build/fuzz/campaigns/<name>/ with:
  corpus/            the working corpus (starts from fuzz/corpus/<target>)
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

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SKIP_FRAMES = re.compile(r"__sanitizer|__asan|__ubsan|fuzzer::|libc\.so|abort|raise|"
                         r"pthread_kill|fuzz_fail|\bfail\b|LLVMFuzzerTestOneInput|__libc|_start|"
                         r"main |in main$|libAFLDriver|ExecuteFilesOnyByOne|__interceptor")


def say(msg):
    print("fuzz: " + msg, flush=True)


def seeds_dir(target):
    return os.path.join(TOP, "fuzz", "corpus", target)


def dict_file(target):
    d = os.path.join(TOP, "fuzz", "dict", target + ".dict")
    return d if os.path.exists(d) else None


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
    if dict_file(a.target):
        cmd.append("-dict=" + dict_file(a.target))
    cmd += [corpus, seeds_dir(a.target)]
    return cmd


def afl_cmds(a, cdir, corpus):
    d = dict_file(a.target)
    base = ["afl-fuzz", "-i", seeds_dir(a.target), "-o", os.path.join(cdir, "afl"), "-V", str(a.seconds),
            "-t", "10000"]
    if d:
        base += ["-x", d]
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


def minimise(a):
    out = a.out
    tmp = out + ".new"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    srcs = [seeds_dir(a.target)] + glob.glob(os.path.join(a.campaigns, a.target + "-*", "corpus"))
    n_in = sum(len(os.listdir(s)) for s in srcs if os.path.isdir(s))
    say("minimising %d inputs from %d corpora" % (n_in, len(srcs)))
    subprocess.run([a.bin, "-merge=1", tmp] + srcs, check=True)
    shutil.rmtree(out, ignore_errors=True)
    os.rename(tmp, out)
    say("%d inputs kept in %s (copy to fuzz/corpus/%s to commit)" % (len(os.listdir(out)), os.path.relpath(out, TOP), a.target))


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


def bench(a):
    rows = []
    for impl in a.impls.split():
        for target in a.targets.split():
            if target == "evbuffer_diff" and impl == "ref":
                continue  # the differential target runs a libevent build against ref
            ns = argparse.Namespace(target=target, impl=impl, engine="libfuzzer", seconds=a.seconds, jobs=1,
                                    bin=os.path.join(a.bin_dir, impl, target + "-libfuzzer"),
                                    replay=os.path.join(a.bin_dir, impl, target + "-replay"),
                                    out=os.path.join(a.fuzz_dir, "campaigns"), name="bench-%s-%s" % (target, impl),
                                    max_len=a.max_len, every=a.seconds)
            stats, cdir = run(ns)
            cov = {}
            gcov_bin = os.path.join(a.bin_dir, impl, target + "-gcov")
            srcf = os.path.join(a.fuzz_dir, impl, "gcov", ".source-dir")
            if os.path.exists(gcov_bin) and os.path.exists(srcf):
                cov = line_coverage(gcov_bin, os.path.join(cdir, "corpus"), open(srcf).read().strip())
            rows.append((target, impl, stats, cov))
    files = ["buffer.c", "bufferevent.c", "bufferevent_sock.c", "bufferevent_pair.c"]
    print("\nfuzz-bench: %d s per target x implementation, libFuzzer, 1 job" % a.seconds)
    hdr = "%-17s %-18s %8s %7s %6s" % ("target", "impl", "exec/s", "edges", "finds") + "".join(" %18s" % f for f in files)
    print(hdr)
    table = [hdr]
    for target, impl, s, cov in rows:
        line = "%-17s %-18s %8.0f %7d %6d" % (target, impl, s["exec_per_sec"], s["edges"], len(s["findings"])) + \
            "".join(" %17s%%" % ("%.1f" % cov[f] if f in cov else "-") for f in files)
        print(line)
        table.append(line)
    with open(os.path.join(a.fuzz_dir, "bench.txt"), "w") as fh:
        fh.write("\n".join(table) + "\n")
    print("(line coverage: the corpus each run produced, replayed on a gcov build; table in build/fuzz/bench.txt)")


def soak(a):
    targets = a.targets.split()
    each = max(10, a.seconds // len(targets))
    total = []
    for t in targets:
        # evbuffer_diff under a.impl's bin directory runs that (instrumented) libevent
        # against ref, linked in with renamed symbols.
        impl = a.impl
        ns = argparse.Namespace(target=t, impl=impl, engine="libfuzzer", seconds=each, jobs=a.jobs,
                                bin=os.path.join(a.bin_dir, impl, t + "-libfuzzer"),
                                replay=os.path.join(a.bin_dir, impl, t + "-replay"),
                                out=a.out, name="soak-%s-%s" % (t, time.strftime("%Y%m%d-%H%M%S")),
                                max_len=a.max_len, every=30)
        stats, cdir = run(ns)
        total.append((t, stats, cdir))
    print("\nfuzz-soak: %d s over %d targets on %s" % (a.seconds, len(targets), a.impl))
    n = 0
    for t, s, cdir in total:
        print("  %-17s %9d execs %7.0f exec/s %6d edges  %d finding(s)  %s" % (
            t, s["execs"], s["exec_per_sec"], s["edges"], len(s["findings"]), os.path.relpath(cdir, TOP)))
        for f in s["findings"]:
            print("      %s  reproduce: %s" % (f["id"], f["reproduce"]))
        n += len(s["findings"])
    print("fuzz-soak: %d finding(s) in total" % n)
    return 1 if n else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    for k in ("target", "engine", "impl", "bin", "replay", "out"):
        r.add_argument("--" + k, required=True)
    r.add_argument("--seconds", type=int, default=60)
    r.add_argument("--jobs", type=int, default=1)
    r.add_argument("--name")
    r.add_argument("--max-len", type=int, default=512)
    r.add_argument("--every", type=int, default=10)
    m = sub.add_parser("min")
    for k in ("target", "bin", "out", "campaigns"):
        m.add_argument("--" + k, required=True)
    b = sub.add_parser("bench")
    for k in ("targets", "impls", "bin-dir", "fuzz-dir"):
        b.add_argument("--" + k, required=True)
    b.add_argument("--seconds", type=int, default=30)
    b.add_argument("--max-len", type=int, default=512)
    s = sub.add_parser("soak")
    for k in ("targets", "impl", "bin-dir", "out"):
        s.add_argument("--" + k, required=True)
    s.add_argument("--seconds", type=int, default=3600)
    s.add_argument("--jobs", type=int, default=1)
    s.add_argument("--max-len", type=int, default=512)
    a = ap.parse_args()
    if a.cmd == "run":
        stats, _ = run(a)
        return 0
    if a.cmd == "min":
        return minimise(a)
    if a.cmd == "bench":
        return bench(a)
    return soak(a)


if __name__ == "__main__":
    sys.exit(main() or 0)
