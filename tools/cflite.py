"""cflite: bevconf's ClusterFuzzLite / OSS-Fuzz files (.clusterfuzzlite/) as make test uses
them. stage() replays the Dockerfile on this machine, so that `fuzz/campaign.py test-oss`
builds from the $SRC the image would have; tests/scaleout.py checks the files statically."""
import fnmatch
import os
import re
import shutil
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CFLITE = os.path.join(ROOT, ".clusterfuzzlite")
DOCKERFILE = os.path.join(CFLITE, "Dockerfile")
PROJECT = os.path.join(CFLITE, "project.yaml")


class Error(Exception):
    pass


def instructions(path=DOCKERFILE):
    """The Dockerfile's instructions as (line number, INSTRUCTION, arguments), continuation
    lines joined, comments and blank lines left out."""
    out, pending, start = [], "", 0
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not pending and (not line.strip() or line.lstrip().startswith("#")):
                continue
            start = start or n
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            op, _, args = (pending + line).strip().partition(" ")
            out.append((start, op.upper(), args.strip()))
            pending, start = "", 0
    return out


def project():
    """project.yaml: language, sanitizers."""
    import yaml
    with open(PROJECT) as f:
        return yaml.safe_load(f)


def expand(text, env):
    """$VAR and ${VAR} from env; a variable the replay does not set is an error, not ''."""
    def var(m):
        name = m.group(1) or m.group(2)
        if name not in env:
            raise Error(f"Dockerfile: ${name} is not set by the replay (only {', '.join(sorted(env))})")
        return env[name]
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", var, text)


def ignored_patterns():
    """.dockerignore's patterns (the simple kind: no `!` exceptions)."""
    path = os.path.join(ROOT, ".dockerignore")
    if not os.path.exists(path):
        return []
    pats = [p.strip().strip("/") for p in open(path) if p.strip() and not p.lstrip().startswith("#")]
    if any(p.startswith("!") for p in pats):
        raise Error(".dockerignore: `!` exceptions are not replayed")
    return pats


def copy_sources(args):
    """A COPY's sources (paths in the build context, the repository) and its destination."""
    words = args.split()
    if len(words) < 2 or any(w.startswith("--") for w in words):
        raise Error(f"Dockerfile: COPY {args}: only `COPY SRC... DEST` is replayed")
    return words[:-1], words[-1]


def copy_context(dest):
    """COPY . DEST: the repository, minus what .dockerignore leaves out of the context."""
    pats = ignored_patterns()
    for dirpath, dirs, files in os.walk(ROOT):
        rel_dir = os.path.relpath(dirpath, ROOT)
        keep = lambda name: not any(fnmatch.fnmatch(os.path.normpath(os.path.join(rel_dir, name)), p)
                                    for p in pats)
        dirs[:] = [d for d in dirs if keep(d)]
        os.makedirs(os.path.join(dest, rel_dir), exist_ok=True)
        for name in filter(keep, files):
            shutil.copy2(os.path.join(dirpath, name), os.path.join(dest, rel_dir, name), follow_symlinks=False)


def stage(src):
    """Replay the Dockerfile with $SRC=src: COPY and WORKDIR as docker does them, RUN through
    sh -c in the working directory. The apt-get RUN is left out: on this machine `make deps`
    installs the packages. Returns the WORKDIR, where the service runs $SRC/build.sh."""
    shutil.rmtree(src, ignore_errors=True)
    os.makedirs(src)
    env = {"SRC": src}
    workdir = src
    for n, op, args in instructions():
        where = f"Dockerfile:{n}: {op} {args}"
        if op == "FROM":
            continue
        if op == "WORKDIR":
            workdir = os.path.join(workdir, expand(args, env))
            os.makedirs(workdir, exist_ok=True)
        elif op == "COPY":
            sources, dest = copy_sources(args)
            dest = os.path.join(workdir, expand(dest, env))
            for s in sources:
                path = os.path.normpath(os.path.join(ROOT, s))
                if not os.path.exists(path):
                    raise Error(f"{where}: {s} does not exist in the repository")
                if s == ".":
                    copy_context(dest)
                elif os.path.isdir(path):
                    shutil.copytree(path, dest, symlinks=True, dirs_exist_ok=True)
                else:
                    target = os.path.join(dest, os.path.basename(s)) if dest.endswith("/") else dest
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    shutil.copy2(path, target)
        elif op == "RUN":
            if args.startswith("apt-get"):
                continue
            if subprocess.run(["sh", "-c", args], cwd=workdir, env=dict(os.environ, **env)).returncode:
                raise Error(f"{where}: failed")
        else:
            raise Error(f"{where}: the replay knows FROM, COPY, WORKDIR and RUN only")
    return workdir
