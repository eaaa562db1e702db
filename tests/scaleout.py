#!/usr/bin/env python3
"""scaleout: the files that run bevconf elsewhere (.clusterfuzzlite/, .github/workflows/)
checked where they cannot run: every YAML parses, every path they name exists, the
ClusterFuzzLite workflows agree with project.yaml and use only inputs the actions declare,
and CI runs the README's test command. (`fuzz/campaign.py test-oss` runs the Dockerfile's
steps and build.sh.) Prints one line per problem; exit 1 when there is one."""
import glob
import os
import re
import sys

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools"))
import cflite  # noqa: E402
from cflite import CFLITE, ROOT  # noqa: E402

WORKFLOWS = os.path.join(ROOT, ".github", "workflows")
# The inputs google/clusterfuzzlite/actions/{build,run}_fuzzers@v1 declare (their action.yml).
ACTION_INPUTS = {
    "build_fuzzers": {"language", "dry-run", "allowed-broken-targets-percentage", "sanitizer",
                      "project-src-path", "bad-build-check", "storage-repo", "storage-repo-branch",
                      "storage-repo-branch-coverage", "upload-build", "github-token"},
    "run_fuzzers": {"language", "fuzz-seconds", "dry-run", "sanitizer", "mode", "github-token",
                    "storage-repo", "storage-repo-branch", "storage-repo-branch-coverage",
                    "report-unreproducible-crashes"},
}
# Which run_fuzzers mode each ClusterFuzzLite workflow is for, and the trigger it needs.
CFLITE_WORKFLOWS = {"cflite_pr.yml": ("code-change", "pull_request"), "cflite_batch.yml": ("batch", "schedule")}
SANITIZERS = {"address", "undefined", "memory"}

problems = []


def problem(path, what):
    problems.append(f"scaleout: FAIL {os.path.relpath(path, ROOT)}: {what}")


def load(path):
    try:
        with open(path) as f:
            return yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        problem(path, f"does not parse: {e}".replace("\n", " "))
        return None


def check_dockerfile():
    """FROM the service's builder; each COPY source and each script a RUN names exists; the
    repository lands where build.sh looks for it, and build.sh where the service runs it."""
    path = cflite.DOCKERFILE
    if not os.path.exists(path):
        return problem(path, "does not exist (the ClusterFuzzLite actions build their image from it)")
    steps = cflite.instructions(path)
    if not steps or steps[0][1:] != ("FROM", "gcr.io/oss-fuzz-base/base-builder"):
        problem(path, "does not start FROM gcr.io/oss-fuzz-base/base-builder")
    copies = {}
    for n, op, args in steps:
        if op == "COPY":
            sources, dest = cflite.copy_sources(args)
            for s in sources:
                copies[s] = dest
                if not os.path.exists(os.path.join(ROOT, s)):
                    problem(path, f"line {n}: COPY source {s} does not exist")
        elif op == "RUN":
            for script in re.findall(r"[\w./-]+\.(?:sh|py)\b", args):
                if not os.access(os.path.join(ROOT, script), os.X_OK):
                    problem(path, f"line {n}: RUN names {script}, not an executable in the repository")
    build_sh = os.path.join(CFLITE, "build.sh")
    if copies.get(os.path.relpath(build_sh, ROOT)) not in ("$SRC/", "$SRC/build.sh"):
        problem(path, "does not COPY .clusterfuzzlite/build.sh to $SRC/ (where the service runs it)")
    if not os.access(build_sh, os.X_OK):
        problem(build_sh, "is not executable")
        return
    named = re.findall(r"\$SRC/([\w.-]+)/([\w./-]+)", open(build_sh).read())
    if not named:
        problem(build_sh, "names no script under $SRC/<repository>/")
    for repo_dir, script in named:
        if copies.get(".") != f"$SRC/{repo_dir}":
            problem(path, f"build.sh looks in $SRC/{repo_dir}, but the repository is copied to {copies.get('.')}")
        if not os.access(os.path.join(ROOT, script), os.X_OK):
            problem(build_sh, f"runs $SRC/{repo_dir}/{script}, not an executable in the repository")


def check_project():
    path = cflite.PROJECT
    project = load(path) or {}
    if project.get("language") != "c":
        problem(path, f"language is {project.get('language')!r}, not 'c'")
    sanitizers = project.get("sanitizers") or []
    if not sanitizers or not set(sanitizers) <= SANITIZERS:
        problem(path, f"sanitizers {sanitizers!r}: want a list of {', '.join(sorted(SANITIZERS))}")
    return project


def steps_of(workflow):
    for job in (workflow.get("jobs") or {}).values():
        yield job, job.get("steps") or []


def check_cflite_workflow(path, workflow, project):
    mode, trigger = CFLITE_WORKFLOWS[os.path.basename(path)]
    triggers = workflow.get("on", workflow.get(True)) or {}  # YAML 1.1 reads a bare `on` as true
    if trigger not in triggers:
        problem(path, f"is not triggered by {trigger}")
    schedule = triggers.get("schedule") or [None] if trigger == "schedule" else []
    if not all(isinstance(s, dict) and s.get("cron") for s in schedule):
        problem(path, "its schedule has no cron")
    used = set()
    for job, steps in steps_of(workflow):
        matrix = ((job.get("strategy") or {}).get("matrix") or {}).get("sanitizer")
        if matrix != project.get("sanitizers"):
            problem(path, f"sanitizer matrix {matrix!r} is not project.yaml's {project.get('sanitizers')!r}")
        for step in steps:
            m = re.fullmatch(r"google/clusterfuzzlite/actions/(\w+)@v1", step.get("uses", ""))
            if not m:
                continue
            action, inputs = m.group(1), step.get("with") or {}
            used.add(action)
            unknown = set(inputs) - ACTION_INPUTS.get(action, set())
            if unknown:
                problem(path, f"{action}: inputs the action does not declare: {', '.join(sorted(unknown))}")
            if inputs.get("language") != project.get("language"):
                problem(path, f"{action}: language {inputs.get('language')!r}, project.yaml says "
                              f"{project.get('language')!r} (the action's default is c++)")
            if inputs.get("sanitizer") != "${{ matrix.sanitizer }}":
                problem(path, f"{action}: sanitizer is not the matrix's")
            if action == "run_fuzzers" and inputs.get("mode") != mode:
                problem(path, f"run_fuzzers: mode {inputs.get('mode')!r}, not {mode!r}")
    for action in ("build_fuzzers", "run_fuzzers"):
        if action not in used:
            problem(path, f"does not use google/clusterfuzzlite/actions/{action}@v1")


def readme_test_commands():
    """The README's `make deps && make test` line (the one marked as what CI runs), split."""
    for line in open(os.path.join(ROOT, "README.md")):
        if "what CI runs" in line:
            return [c.strip() for c in line.split("#")[0].split("&&")]
    problem(os.path.join(ROOT, "README.md"), "has no command marked '(what CI runs)'")
    return []


def check_ci(path, workflow):
    want = readme_test_commands()
    for job, steps in steps_of(workflow):
        if job.get("container") != "debian:12":
            problem(path, f"runs in {job.get('container')!r}, not container: debian:12")
        runs = [s["run"].strip() for s in steps if "run" in s]
        at = [runs.index(c) if c in runs else -1 for c in want]
        if -1 in at or at != sorted(at):
            problem(path, f"does not run the README's {' then '.join(want)} as steps, in order (runs {runs})")


def main():
    check_dockerfile()
    project = check_project()
    found = sorted(glob.glob(os.path.join(WORKFLOWS, "*.yml")))
    for name in ["ci.yml", *CFLITE_WORKFLOWS]:
        if os.path.join(WORKFLOWS, name) not in found:
            problem(os.path.join(WORKFLOWS, name), "does not exist")
    for path in found:
        workflow = load(path)
        if not isinstance(workflow, dict):
            continue
        if os.path.basename(path) in CFLITE_WORKFLOWS:
            check_cflite_workflow(path, workflow, project)
        elif os.path.basename(path) == "ci.yml":
            check_ci(path, workflow)
    for p in problems:
        print(p)
    if not problems:
        print(f"scaleout: .clusterfuzzlite/ and {len(found)} workflows: YAML parses, named paths exist, "
              "ClusterFuzzLite agrees with project.yaml, CI runs the README's test command")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
