#!/usr/bin/env python3
"""report.py SRC-DIR BASELINE OUT-DIR [NEW-BASELINE]: per-file line and branch coverage of the libevent
files bevconf targets, measured with gcovr over SRC-DIR (a --coverage build after a run),
printed beside the baseline figures of libevent's own regression suite. Writes
OUT-DIR/coverage.json and OUT-DIR/uncovered.txt (uncovered functions and branch lines);
with NEW-BASELINE, also writes these figures as a baseline file (for libevent's regress).
Exit status 0; the comparison is information, not a gate."""
import json
import subprocess
import sys

FILES = ["buffer.c", "bufferevent.c", "bufferevent_sock.c", "bufferevent_pair.c",
         "bufferevent_filter.c", "listener.c"]


def gcovr(src):
    args = ["gcovr", "-r", src, "--json", "-"]
    for f in FILES:
        args += ["--filter", r"(.*/)?" + f.replace(".", r"\.") + "$"]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return {f["file"].split("/")[-1]: f for f in json.loads(out)["files"]}


def summarize(entry):
    lines = [l for l in entry["lines"] if not l.get("gcovr/noncode")]
    branches = [b for l in lines for b in l["branches"]]
    pct = lambda hit, total: 100.0 * hit / total if total else 100.0
    return {
        "lines": pct(sum(1 for l in lines if l["count"] > 0), len(lines)),
        "branches": pct(sum(1 for b in branches if b["count"] > 0), len(branches)),
        "uncovered_functions": sorted(f["name"] for f in entry.get("functions", [])
                                      if f["execution_count"] == 0),
        "partial_branch_lines": [l["line_number"] for l in lines
                                 if any(b["count"] == 0 for b in l["branches"])],
    }


def main():
    src, baseline_path, out_dir = sys.argv[1:4]
    new_baseline = sys.argv[4] if len(sys.argv) > 4 else None
    baseline = {}
    with open(baseline_path) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                name, lines, branches = line.split()
                baseline[name] = (float(lines), float(branches))
    files = gcovr(src)
    result = {}
    print(f"{'file':22} {'lines':>8} {'regress':>8}   {'branches':>8} {'regress':>8}")
    for name in FILES:
        if name not in files:
            print(f"{name:22} {'no data':>8}")
            continue
        s = summarize(files[name])
        result[name] = s
        bl, bb = baseline.get(name, (float("nan"), float("nan")))
        mark = lambda ours, theirs: "+" if ours > theirs else "-"
        print(f"{name:22} {s['lines']:7.1f}% {bl:7.1f}%{mark(s['lines'], bl)}  "
              f"{s['branches']:7.1f}% {bb:7.1f}%{mark(s['branches'], bb)}")
    if new_baseline:
        with open(new_baseline, "w") as f:
            f.write("# libevent 2.1.12 (Debian tree) full test/regress, gcc --coverage -O0,\n"
                    "# measured by `make coverage-regress`: file, line %, branch %\n")
            for name, s in result.items():
                f.write(f"{name} {s['lines']:.1f} {s['branches']:.1f}\n")
    with open(f"{out_dir}/coverage.json", "w") as f:
        json.dump(result, f, indent=1)
    with open(f"{out_dir}/uncovered.txt", "w") as f:
        for name, s in result.items():
            f.write(f"{name}: uncovered functions: {' '.join(s['uncovered_functions']) or '(none)'}\n")
            f.write(f"{name}: lines with an untaken branch: "
                    f"{' '.join(map(str, s['partial_branch_lines'])) or '(none)'}\n")
    print("(+/-: above/below libevent's regress suite; uncovered functions and branch lines: "
          f"{out_dir}/uncovered.txt)")
    for name, s in result.items():
        if s["uncovered_functions"]:
            shown = " ".join(s["uncovered_functions"][:8])
            more = len(s["uncovered_functions"]) - 8
            print(f"  {name}: never called: {shown}{f' (+{more} more)' if more > 0 else ''}")


if __name__ == "__main__":
    main()
