"""mutants: `make mutants [MUTANTS=name...]`. Each mutants/ref/<name>.patch breaks one rule
in a copy of ref's sources; the cases its `# Killed by:` line names must pass on ref as it
is and then fail on the mutant (FAIL, CRASH, TIMEOUT, or DIFFERS for a QUIRK case; a SKIP
does not kill). One line per mutant; exit 1 when a mutant survives or a patch no longer
applies."""
import glob
import os
import shutil
import subprocess

import bevconf
import results
from bevconf import ROOT, Stop, say

PATCHES = os.path.join(ROOT, "mutants", "ref")
OUT = os.path.join(bevconf.BUILD, "mutants")
SRC = os.path.join(OUT, "src")   # one path for every mutant, so dependency files stay valid
KILLED = results.FAILING | {"DIFFERS"}


def header(path, key):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith(f"# {key}: "):
                return line.split(": ", 1)[1].strip()
    return ""


def run_cases(srcdir, cases, jobs):
    """ref built from srcdir, the cases run on it: {case: status}."""
    shutil.rmtree(SRC, ignore_errors=True)
    # Fresh modification times (shutil.copy, not copy2): make must see every copied file
    # as newer than the objects the last mutant left.
    shutil.copytree(srcdir, SRC, copy_function=shutil.copy)
    target = bevconf.Target(bevconf.get_impl("ref"), build=OUT, extra={"REF_SRCDIR": SRC})
    with open(os.path.join(OUT, "last.log"), "w") as log:
        try:
            target.build(log=log)
        except Stop as ex:
            return None, f"build failed: {ex}"
        records, _ = bevconf.run_suite(target, None, cases, jobs, 5, log=log, quiet_summary=True)
    got = results.statuses(records)
    return {c: got.get(c, "MISSING") for c in cases}, None


def run(names, jobs):
    if names:
        patches = []
        for n in names:
            p = os.path.join(PATCHES, f"{n}.patch")
            if not os.path.isfile(p):
                raise Stop(f"mutants: no such mutant: {n} (see mutants/ref/)")
            patches.append(p)
    else:
        patches = sorted(glob.glob(os.path.join(PATCHES, "*.patch")))
    os.makedirs(OUT, exist_ok=True)
    every = sorted({c for p in patches for c in header(p, "Killed by").split()})
    base, err = run_cases(os.path.join(ROOT, "impls", "ref", "src"), every, jobs)
    bad = [f"{c} {s}" for c, s in (base or {}).items() if s != "PASS"]
    if err or bad:
        raise Stop("mutants: the killing cases must pass on ref as it is; they do not: "
                   + (err or " ".join(bad)), 1)
    survived = 0
    mutant = os.path.join(OUT, "mutant")
    for p in patches:
        name = os.path.basename(p)[:-len(".patch")]
        what = header(p, "Mutant")
        shutil.rmtree(mutant, ignore_errors=True)
        shutil.copytree(os.path.join(ROOT, "impls", "ref", "src"), mutant, copy_function=shutil.copy)
        with open(p, "rb") as f:
            applied = subprocess.run(["patch", "-s", "-p1", "-d", mutant], stdin=f, capture_output=True, text=True)
        if applied.returncode != 0:
            say(f"mutants: {name}: the patch no longer applies: {(applied.stdout + applied.stderr).strip().splitlines()[0]}")
            survived += 1
            continue
        got, err = run_cases(mutant, header(p, "Killed by").split(), jobs)
        if err:
            say(f"mutants: {name}: {err}")
            survived += 1
            continue
        alive = [f"{c} {s}" for c, s in got.items() if s not in KILLED]
        if alive:
            say(f"SURVIVED {name} ({what}): not failing: {' '.join(alive)}")
            survived += 1
        else:
            say(f"killed   {name} ({what}): {' '.join(f'{c} {s}' for c, s in got.items())}")
    shutil.rmtree(mutant, ignore_errors=True)
    shutil.rmtree(SRC, ignore_errors=True)
    if survived:
        say(f"mutants: {survived} mutant(s) survived")
        return 1
    say(f"mutants: all {len(patches)} killed")
    return 0
