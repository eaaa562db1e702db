"""repro.py: a fuzz finding as something a libevent maintainer can act on (`make fuzz-repro`
runs it; campaigns call for_campaign_finding() for each finding they file).

    make fuzz-repro FINDING=<tape | campaign finding dir | fuzz/findings/<ID>> [IMPL=] [TARGET=]

1. minimise: the tape is cut down (chunks removed, then bytes lowered) as long as the
   replay driver still fails with the same first line (the finding's signature);
2. write repro.c: the target's C writer (BEVCONF_FUZZ_REPRO, fuzz/targets/evbuf_repro.c)
   turns the minimised tape into one main() calling only libevent's public API, checking
   each result, exiting 1 while the bug is present and 0 when it is fixed; it must exit 1
   on the build the finding came from, or the writer missed the failing check;
3. status per build: repro.c compiled and run against every libevent build (BUILDS: the
   system library as `cc repro.c $(pkg-config --cflags --libs libevent)`, the instrumented
   trees, a LIBEVENT_SRC tree), and for a page with a fix.patch, the Debian tree with it.

Where it writes: a campaign finding's own directory; a page directory fuzz/findings/<ID>/
(finding.tape, repro.c and the status block of its README.md between the STATUS markers);
for a bare tape build/fuzz/repro/<name>/. Files: input.min (or finding.tape), repro.c,
status.txt. `check_pages()` is make test's view of the pages: each committed repro.c is
what the writer makes of its committed tape, and each status in a page is what its
reproducer does on that build now.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import campaign
from campaign import FUZZ_DIR, TOP, Usage, rel, say

PAGES = os.path.join(TOP, "fuzz", "findings")
WRITERS = {"evbuffer_tape", "bufferevent_tape"}  # targets with a C writer
STATUS_BEGIN = "<!-- STATUS: written by make fuzz-repro, checked by make test -->"
STATUS_END = "<!-- END STATUS -->"
ASAN = ["-g", "-O1", "-fsanitize=address,undefined", "-fno-sanitize-recover=undefined"]


class Build:
    """A libevent build a reproducer runs against: how to compile against it."""

    def __init__(self, name, what, prefix=None, cc="cc", cflags=("-O1", "-g"), needs=None, tree_env=None,
                 link=None):
        self.name, self.what, self.prefix, self.cc, self.cflags = name, what, prefix, cc, list(cflags)
        self.link = link            # the compile line's libevent part, when not a prefix's
        self.needs = needs          # the file make builds for it (None: nothing to build)
        self.tree_env = tree_env    # LIBEVENT_SRC for make, for a source tree

    def ensure(self):
        if self.needs and not os.path.exists(self.needs):
            # A source tree's rules need LIBEVENT_SRC: a make variable on its command line.
            pre = ["LIBEVENT_SRC=" + self.tree_env] if self.tree_env else []
            campaign.build(pre + [self.needs], "libevent for the reproducers: %s" % self.what)

    def link_args(self, threads=False):
        """The compile line's libevent part; threads: with libevent_pthreads (bufferevent_tape's
        reproducers call evthread_use_pthreads)."""
        if self.link:
            return self.link + (["-lpthread"] if threads else [])
        if self.prefix is None:
            modules = ["libevent"] + (["libevent_pthreads"] if threads else [])
            p = subprocess.run(["pkg-config", "--cflags", "--libs"] + modules, capture_output=True, text=True)
            if p.returncode:
                raise Usage("pkg-config does not know %s (run `make deps`)" % " ".join(modules))
            return p.stdout.split()
        lib = os.path.join(self.prefix, "lib")
        return ["-I" + os.path.join(self.prefix, "include")] + (
            [os.path.join(lib, "libevent_pthreads.a")] if threads else []) + [os.path.join(lib, "libevent.a")] + (
            ["-lpthread"] if threads else [])


def tree_build(name, what, tree_dir):
    """A libevent source tree, built plain as impls/libevent-src builds LIBEVENT_SRC."""
    import impls
    slug = impls.path_slug(tree_dir)
    prefix = os.path.join(FUZZ_DIR, "libevent-src" + slug, "plain")
    return Build(name, what, prefix, needs=os.path.join(prefix, ".source-dir"), tree_env=tree_dir)


def system_version():
    """The system libevent's version: Debian's package version when dpkg knows it."""
    for argv in (["dpkg-query", "-W", "-f", "Debian's ${Version}", "libevent-dev"],
                 ["pkg-config", "--modversion", "libevent"]):
        try:
            p = subprocess.run(argv, capture_output=True, text=True)
        except OSError:
            continue
        if p.returncode == 0 and p.stdout.strip():
            return p.stdout.strip()
    return "version unknown"


def builds():
    """Every libevent build available here, in the order the pages list them."""
    # -Werror: a warning in a reproducer is the C writer's fault, and make test says so.
    out = [Build("libevent", "the system library (pkg-config), " + system_version(),
                 cflags=("-O1", "-g", "-Wall", "-Wextra", "-Werror"))]
    for tree, what in (("debian", "2.1.12, Debian's patched tree, ASan + UBSan"),
                       ("upstream", "2.1.12-stable release tarball, ASan + UBSan"),
                       ("2.1.13", "2.1.13-stable release tarball, ASan + UBSan")):
        prefix = os.path.join(FUZZ_DIR, "libevent-" + tree, "asan")
        out.append(Build("libevent-" + tree, what, prefix, "clang", ASAN, os.path.join(prefix, ".source-dir")))
    src = campaign.setting("LIBEVENT_SRC")
    if src:
        out.append(tree_build("libevent-src", "the tree LIBEVENT_SRC=%s" % src, os.path.abspath(src)))
    return out


def origin_build(impl):
    """The instrumented build a finding came from (a planted bug, ref), when builds() lacks it."""
    if impl in (b.name for b in builds()):
        return None
    if impl == "ref":
        lib = os.path.join(FUZZ_DIR, "ref", "asan", "libevent.a")
        return Build("ref", "bevconf's ref, ASan + UBSan", None, "clang", ASAN, lib,
                     link=["-I" + os.path.join(TOP, "impls", "ref", "include"), lib])
    prefix = os.path.join(FUZZ_DIR, impl, "asan")
    return Build(impl, "the build the finding came from, ASan + UBSan", prefix, "clang", ASAN,
                 os.path.join(prefix, ".source-dir"))


def run_repro(repro_c, build, workdir):
    """(status, output) of repro.c on a build: present (exit 1), fixed (exit 0), or why not."""
    build.ensure()
    exe = os.path.join(workdir, "repro-" + build.name)
    # What the reproducer's header says to build it with: the interposer beside it, threads.
    text = open(repro_c).read(4096)
    interposer = os.path.join(os.path.dirname(repro_c), "fault.c")
    extra = [interposer, "-ldl"] if " fault.c " in text else []
    cc = subprocess.run([build.cc] + build.cflags + ["-o", exe, repro_c] + extra +
                        build.link_args("libevent_pthreads" in text), capture_output=True, text=True)
    if cc.returncode:
        return "does not compile", cc.stderr
    # A sanitizer's report in libevent is the bug, present: exit 1 (in a combined ASan + UBSan
    # runtime UBSAN_OPTIONS' exitcode is ASan's too).
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0:exitcode=1", UBSAN_OPTIONS="halt_on_error=1:exitcode=1")
    try:
        p = subprocess.run([exe], capture_output=True, text=True, errors="replace", timeout=60, env=env)
    except subprocess.TimeoutExpired:
        return "timeout", ""
    status = {0: "fixed", 1: "present"}.get(p.returncode, "error (exit %d)" % p.returncode)
    return status, p.stdout + p.stderr


# ---- the tape: reproduce, minimise, write ----
def failure(replay_bin, data, env):
    """The first line of the replay driver's report on data, or None when it passes."""
    with tempfile.NamedTemporaryFile(suffix=".tape") as f:
        f.write(data)
        f.flush()
        p = subprocess.run([replay_bin, f.name], capture_output=True, text=True, errors="replace",
                           timeout=60, env=env)
    if p.returncode == 0:
        return None
    return campaign.signature(p.stderr + p.stdout)[1].split(" @ ")[0]


def reproducing_env(replay_bin, data):
    """The environment the tape fails in: as it is, else with the model's avoidance of known
    libevent bugs off (BEVCONF_FUZZ_NO_SKIP=1: the committed findings need it)."""
    base = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:handle_abort=1")
    base.pop("BEVCONF_FUZZ_REPRO", None)
    for extra in ({}, {"BEVCONF_FUZZ_NO_SKIP": "1"}):
        env = dict(base, **extra)
        sig = failure(replay_bin, data, env)
        if sig:
            return env, sig
    raise Usage("the tape does not fail on %s: nothing to reproduce" % rel(replay_bin))


def minimise(data, fails, cost=len):
    """Delta debugging over bytes, keeping fails(data): halving chunks out, then every run
    of up to 8 bytes at every offset (an operation is a few bytes at any alignment), then
    each byte lowered where that does not raise cost (the reproducer's size: a smaller
    size byte shortens it, another variant of an operation may lengthen it)."""
    runs = 0

    def keeps(cand):
        nonlocal runs
        runs += 1
        return bool(cand) and fails(cand)
    n = 2
    while len(data) >= 2:
        chunk = max(1, len(data) // n)
        for start in range(0, len(data), chunk):
            if keeps(data[:start] + data[start + chunk:]):
                data, n = data[:start] + data[start + chunk:], max(n - 1, 2)
                break
        else:
            if chunk == 1:
                break
            n = min(len(data), n * 2)
    changed = True
    while changed:
        changed = False
        for k in range(8, 0, -1):
            start = 0
            while start + k <= len(data):
                if keeps(data[:start] + data[start + k:]):
                    data, changed = data[:start] + data[start + k:], True
                else:
                    start += 1
    for i in range(len(data)):
        for lower in (0, data[i] // 2):
            cand = data[:i] + bytes([lower]) + data[i + 1:]
            if lower < data[i] and keeps(cand) and cost(cand) <= cost(data):
                data = cand
                break
    return data, runs


def write_repro(replay_bin, data, env, signature, out_c):
    with tempfile.NamedTemporaryFile(suffix=".tape") as f:
        f.write(data)
        f.flush()
        subprocess.run([replay_bin, f.name], capture_output=True, env=dict(
            env, BEVCONF_FUZZ_REPRO=out_c, BEVCONF_REPRO_TITLE=signature, ASAN_OPTIONS="detect_leaks=0"))
    if not os.path.exists(out_c):
        raise Usage("the C writer wrote nothing for %s" % out_c)


def repro_size(replay_bin, data, env):
    with tempfile.TemporaryDirectory() as work:
        path = os.path.join(work, "repro.c")
        write_repro(replay_bin, data, env, "", path)
        return os.path.getsize(path)


# ---- pages ----
def page_status(readme):
    """{build: status} from a page's status block."""
    text = open(readme, encoding="utf-8").read()
    if STATUS_BEGIN not in text:
        raise Usage("%s has no status block (%s)" % (rel(readme), STATUS_BEGIN))
    block = text.split(STATUS_BEGIN, 1)[1].split(STATUS_END, 1)[0]
    return {m.group(1): m.group(2).strip() for m in re.finditer(r"^\| `([^`]+)` \|[^|]*\| ([^|]+) \|$", block, re.M)}


def status_block(rows):
    lines = [STATUS_BEGIN, "| build | what it is | this finding |", "|---|---|---|"]
    lines += ["| `%s` | %s | %s |" % (b.name, b.what, s) for b, s in rows]
    return "\n".join(lines + [STATUS_END])


def fix_build(page):
    """The Debian tree with the page's fix.patch, or None when it has none."""
    patch = os.path.join(page, "fix.patch")
    if not os.path.exists(patch):
        return None
    tree = os.path.join(FUZZ_DIR, "fixed", os.path.basename(page), "tree")
    stamp = os.path.join(os.path.dirname(tree), "patched")
    if not os.path.exists(stamp) or open(stamp).read() != open(patch).read():
        shutil.rmtree(tree, ignore_errors=True)
        fetch = subprocess.run([os.path.join(TOP, "impls", "libevent", "build-source.sh"), "debian",
                                os.path.join(FUZZ_DIR, "fixed", "fetch")], env=dict(os.environ, FETCH_ONLY="1"),
                               capture_output=True, text=True)
        if fetch.returncode:
            raise Usage(fetch.stderr.strip().splitlines()[-1])
        dsc = sorted(glob.glob(os.path.join(os.path.dirname(fetch.stdout.strip()), "libevent_2.1.12*.dsc")))[0]
        os.makedirs(os.path.dirname(tree), exist_ok=True)
        x = subprocess.run(["dpkg-source", "--no-check", "-x", dsc, tree], capture_output=True, text=True)
        if x.returncode:
            raise Usage("dpkg-source -x %s failed: %s" % (rel(dsc), (x.stderr or x.stdout).strip().splitlines()[-1]))
        # Debian's patches touch Makefile.am; keep make from rerunning automake (absent).
        os.utime(os.path.join(tree, "Makefile.am"), ns=(os.stat(os.path.join(tree, "Makefile.in")).st_mtime_ns,) * 2)
        p = subprocess.run(["patch", "-p1", "-i", patch], cwd=tree, capture_output=True, text=True)
        if p.returncode:
            raise Usage("%s does not apply to Debian's 2.1.12 tree: %s" % (rel(patch), p.stdout.strip()))
        shutil.copy(patch, stamp)
    return tree_build("libevent-debian+fix.patch", "Debian's 2.1.12 tree with this page's fix.patch", tree)


def statuses(repro_c, page=None, only_existing=False, impl=None):
    """[(Build, status)] of repro.c on every build, the one impl names, and the page's
    fixed tree."""
    rows = []
    extra = [origin_build(impl) if impl else None, fix_build(page) if page else None]
    with tempfile.TemporaryDirectory() as work:
        for b in builds() + [b for b in extra if b]:
            if only_existing and b.needs and not os.path.exists(b.needs):
                continue
            status, _ = run_repro(repro_c, b, work)
            say("  %-34s %s" % (b.name, status))
            rows.append((b, status))
    return rows


# ---- the command ----
def resolve(finding):
    """(tape path, target, impl, out dir, page dir or None) for FINDING."""
    path = os.path.abspath(finding)
    if os.path.isdir(path):
        if os.path.exists(os.path.join(path, "finding.tape")):
            return os.path.join(path, "finding.tape"), "evbuffer_tape", None, path, path
        if os.path.exists(os.path.join(path, "input")):
            stats = os.path.join(path, "..", "..", "stats.json")
            meta = json.load(open(stats)) if os.path.exists(stats) else {}
            return os.path.join(path, "input"), meta.get("target"), meta.get("impl"), path, None
        raise Usage("FINDING=%s: a directory with neither finding.tape nor input" % finding)
    if not os.path.isfile(path):
        raise Usage("FINDING=%s: no such file or directory" % finding)
    name = os.path.splitext(os.path.basename(path))[0]
    return path, None, None, os.path.join(FUZZ_DIR, "repro", name), None


def make_repro(tape, target, impl, out, page=None, only_existing=False):
    """Minimise, write repro.c, check it on impl, measure every build. Returns the summary."""
    if target not in WRITERS:
        raise Usage("TARGET=%s has no C writer (the targets with one: %s)" % (target, " ".join(sorted(WRITERS))))
    replay_bin = campaign.bin_path(impl, target, "replay")
    campaign.build([replay_bin])
    data = open(tape, "rb").read()
    env, sig = reproducing_env(replay_bin, data)
    say("%s (%d bytes) on %s: %s" % (rel(tape), len(data), impl, sig))
    small, runs = minimise(data, lambda d: failure(replay_bin, d, env) == sig,
                           lambda d: repro_size(replay_bin, d, env))
    say("minimised: %d -> %d bytes (%d replays, same first line)" % (len(data), len(small), runs))
    os.makedirs(out, exist_ok=True)
    min_path = tape if page else os.path.join(out, "input.min")
    with open(min_path, "wb") as f:
        f.write(small)
    repro_c = os.path.join(out, "repro.c")
    write_repro(replay_bin, small, env, sig, repro_c)
    lines = sum(1 for _ in open(repro_c))
    say("wrote %s (%d lines); status per build:" % (rel(repro_c), lines))
    rows = statuses(repro_c, page, only_existing, impl)
    here = dict((b.name, s) for b, s in rows).get(impl)
    if here not in (None, "present"):
        raise Usage("repro.c is %s on %s, where the tape fails: the C writer missed the failing check"
                    % (here, impl))
    if not page:
        with open(os.path.join(out, "status.txt"), "w") as f:
            f.write("# %s\n# minimised %d -> %d bytes; repro.c %d lines\n" % (sig, len(data), len(small), lines))
            f.writelines("%s %s\n" % (b.name, s) for b, s in rows)
    else:
        readme = os.path.join(page, "README.md")
        text = open(readme, encoding="utf-8").read()
        if STATUS_BEGIN in text:
            head, rest = text.split(STATUS_BEGIN, 1)
            text = head + status_block(rows) + rest.split(STATUS_END, 1)[1]
            with open(readme, "w", encoding="utf-8") as f:
                f.write(text)
            say("updated the status block of %s" % rel(readme))
    return {"signature": sig, "bytes": (len(data), len(small)), "lines": lines, "status": rows}


def main():
    finding = campaign.setting("FINDING")
    if not finding:
        raise Usage("make fuzz-repro wants FINDING=<tape | campaign finding directory | fuzz/findings/<ID>>")
    tape, target, impl, out, page = resolve(finding)
    target = campaign.setting("TARGET", target or "evbuffer_tape")
    if target not in campaign.USABLE:
        raise Usage("unknown TARGET=%s; available: %s" % (target, " ".join(campaign.USABLE)))
    impl = impl or campaign.get_impl()
    make_repro(tape, target, impl, out, page)
    return 0


def for_campaign_finding(fdir, target, impl):
    """A campaign's finding: repro.c beside it, on the builds that exist (one line on why not)."""
    if target not in WRITERS:
        say("  %s: no C reproducer: %s has no C writer" % (os.path.basename(fdir), target))
        return
    try:
        make_repro(os.path.join(fdir, "input"), target, impl, fdir, only_existing=True)
    except Usage as e:
        say("  %s: no C reproducer: %s" % (os.path.basename(fdir), e))


def check_writer():
    """make test: the C writer on every seed of its targets (together they use every
    operation): each reproducer compiles without a warning and passes on the system
    libevent, as the seed does."""
    system = builds()[0]
    bad = []
    for target in sorted(WRITERS):
        replay_bin = campaign.bin_path("libevent-debian", target, "replay")
        campaign.build([replay_bin])
        seeds = sorted(glob.glob(os.path.join(TOP, "fuzz", "corpus", campaign.USABLE[target].corpus, "*")))
        with tempfile.TemporaryDirectory() as work:
            repro_c = os.path.join(work, "repro.c")
            for seed in seeds:
                write_repro(replay_bin, open(seed, "rb").read(), dict(os.environ), "seed " + rel(seed), repro_c)
                status, output = run_repro(repro_c, system, work)
                if status != "fixed":
                    bad.append("%s: its C reproducer is %s on the system libevent: %s" % (
                        rel(seed), status, output.strip().splitlines()[-1] if output.strip() else ""))
        say("%s: the C writer on %d seeds: %d reproducers compile and pass" % (target, len(seeds), len(seeds) - len(bad)))
    if bad:
        for line in bad:
            say("FAIL " + line)
        sys.exit(1)


def check_pages():
    """make test: each page's repro.c is what the writer makes of its finding.tape, and
    behaves on each build as its status block says. Returns the fixed trees (make test runs
    the suite on each)."""
    pages = sorted(os.path.dirname(p) for p in glob.glob(os.path.join(PAGES, "*", "finding.tape")))
    if not pages:
        raise Usage("no finding pages in %s" % rel(PAGES))
    replay_bin = campaign.bin_path("libevent-debian", "evbuffer_tape", "replay")
    campaign.build([replay_bin])
    bad = []
    for page in pages:
        name = os.path.basename(page)
        data = open(os.path.join(page, "finding.tape"), "rb").read()
        env, sig = reproducing_env(replay_bin, data)
        with tempfile.TemporaryDirectory() as work:
            fresh = os.path.join(work, "repro.c")
            write_repro(replay_bin, data, env, sig, fresh)
            if open(fresh).read() != open(os.path.join(page, "repro.c")).read():
                bad.append("%s: repro.c is not what the C writer makes of finding.tape "
                           "(make fuzz-repro FINDING=%s)" % (name, rel(page)))
        want = page_status(os.path.join(page, "README.md"))
        say("%s: %s" % (name, sig))
        for b, got in statuses(os.path.join(page, "repro.c"), page):
            if want.get(b.name) != got:
                bad.append("%s: on %s the reproducer is %s; the page says %s" % (name, b.name, got, want.get(b.name)))
    if bad:
        for line in bad:
            say("FAIL " + line)
        sys.exit(1)
    return [b.tree_env for b in map(fix_build, pages) if b]


if __name__ == "__main__":
    campaign.PREFIX = "fuzz-repro"
    try:
        sys.exit(main())
    except Usage as e:
        print("bevconf: %s" % e, file=sys.stderr)
        sys.exit(2)
