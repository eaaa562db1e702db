"""bevreport: the model behind bevconf's reports (stdlib only).

Reads results files (build/<impl>/<backend>/results.jsonl), cases/CONTRACT.md, the
declared divergences of each implementation (impls/<name>/xfail.txt) and, when present,
build/coverage/coverage.json and build/fuzz/*/stats.json; turns them into one report
dictionary (the report.json schema of reports/README.md). Never reads runner console output.
"""
import difflib
import glob
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools"))
import results as results_file  # noqa: E402

SCHEMA = "bevconf-report/1"

# The closed set of statuses a report shows.
STATUSES = ["PASS", "FAIL", "CRASH", "TIMEOUT", "SKIP", "XFAIL", "XPASS",
            "SAME-AS-ORACLE", "DIFFERS"]
RAW_STATUSES = set(results_file.STATUSES)
LEVELS = ["MUST", "SHOULD", "QUIRK"]
# Statuses that keep a MUST case within the gate (make report's exit status). A SKIP is
# not a failure: what an implementation lacks shows in its API coverage instead.
GATE_OK = {"PASS", "XPASS", "XFAIL", "SKIP"}
PASSING = {"PASS", "XPASS", "SAME-AS-ORACLE"}
FAILING = {"FAIL", "CRASH", "TIMEOUT"}

# Area names used when CONTRACT.md is missing a heading for a letter.
DEFAULT_AREAS = {
    "A": "Write path", "B": "EAGAIN, EWOULDBLOCK and EINTR", "C": "EOF and errors",
    "D": "Connect", "E": "Watermarks", "F": "Enable, disable and timeouts",
    "G": "Lifecycle", "H": "bufferevent_pair", "I": "evbuffer", "J": "Listener",
    "K": "Filters",
}


# ---- contract ----

RULE_RE = re.compile(r"^\*\*([A-Z][0-9]+)\*\*\s+\((MUST|SHOULD|QUIRK)\)\s*(.*)$")
AREA_RE = re.compile(r"^##\s+([A-Z])\.\s+(.*?)\s*$")


def parse_contract(path):
    """{"areas": {letter: title}, "rules": {id: {"level", "text", "area"}}} from CONTRACT.md.
    A rule starts with `**A5** (MUST) ` and runs to the next blank line or heading."""
    areas, rules = {}, {}
    if not path or not os.path.exists(path):
        return {"areas": dict(DEFAULT_AREAS), "rules": rules}
    current = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            m = AREA_RE.match(line)
            if m:
                areas[m.group(1)] = m.group(2)
                current = None
                continue
            m = RULE_RE.match(line)
            if m:
                current = m.group(1)
                rules[current] = {"level": m.group(2), "text": m.group(3).strip(),
                                  "area": current[0]}
                continue
            if not line.strip() or line.startswith("#") or line.startswith("<!--"):
                current = None
            elif current:
                rules[current]["text"] += " " + line.strip()
    for letter, title in DEFAULT_AREAS.items():
        areas.setdefault(letter, title)
    return {"areas": areas, "rules": rules}


# ---- declared divergences ----

def parse_xfail(path):
    """impls/<name>/xfail.txt: one `PATTERN  reason` per line, '#' comments and blank lines
    ignored. PATTERN is a case id or an id prefix (as CASES= takes them), optionally
    followed by @backend to limit it to one backend. Returns [(prefix, backend|None, reason)]."""
    entries = []
    if not path or not os.path.exists(path):
        return entries
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 1)
            pattern = parts[0]
            reason = parts[1].strip() if len(parts) > 1 else ""
            if not reason:
                raise ValueError(f"{path}:{n}: a declared divergence needs a reason")
            backend = None
            if "@" in pattern:
                pattern, backend = pattern.split("@", 1)
            entries.append((pattern, backend, reason))
    return entries


def xfail_reason(entries, case, backend):
    for prefix, only, reason in entries:
        if case.startswith(prefix) and (only is None or only == backend):
            return reason
    return None


# ---- traces ----

ERRNO_RE = re.compile(r"\s+errno=-?[0-9]+")


def normalize_trace_line(line):
    """errno is only meaningful inside an ERROR eventcb (contract C5); elsewhere it is
    whatever errno was left, so comparisons drop it there."""
    if "eventcb(" in line and "ERROR" not in line.split(")")[0]:
        return ERRNO_RE.sub("", line)
    return line


def normalize_trace(trace):
    return [normalize_trace_line(l) for l in trace or []]


def trace_diff(oracle, actual):
    """Line diff of two traces: [[op, line]], op ' ' (both), '-' (oracle only), '+'
    (this implementation only). Lines are matched after normalize_trace_line."""
    a, b = oracle or [], actual or []
    sm = difflib.SequenceMatcher(None, normalize_trace(a), normalize_trace(b), autojunk=False)
    out = []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            out += [[" ", l] for l in b[j1:j2]]
        else:
            out += [["-", l] for l in a[i1:i2]]
            out += [["+", l] for l in b[j1:j2]]
    return out


# ---- loading runs ----

def load_manifest(path):
    """runs.json: {"runs": [{"impl", "backend", "results", "exit_status", "log",
    "gate"}]}; relative paths are taken from the manifest's directory."""
    with open(path, encoding="utf-8") as f:
        m = json.load(f)
    base = os.path.dirname(os.path.abspath(path))
    for r in m["runs"]:
        for k in ("results", "log"):
            if r.get(k) and not os.path.isabs(r[k]):
                r[k] = os.path.normpath(os.path.join(base, r[k]))
    return m


# ---- building the report ----

def case_area(rules):
    first = rules[0] if rules else "?"
    return first[0] if first and first[0].isalpha() else "?"


def build_report(runs, contract, oracle, impls_dir=None, coverage=None, fuzz=None,
                 generated=None):
    """runs: [{"impl", "backend", "results" (path), "exit_status", "log", "gate"}].
    Returns the report dictionary (schema in reports/README.md)."""
    loaded = []   # (run, records or None)
    for r in runs:
        recs, error = None, None
        path = r.get("results")
        if path and os.path.exists(path):
            try:
                recs = results_file.read(path)
            except results_file.BadResults as e:
                error = f"unreadable results file: {e}"
        else:
            error = "the run wrote no results file"
        loaded.append((r, recs, error))

    # The case list: every case in any results file, in first-seen order.
    cases, order = {}, []
    for r, recs, _ in loaded:
        for rec in recs or []:
            cid = rec["case"]
            if cid not in cases:
                rules = [x for x in (rec.get("rule") or "").split(",") if x]
                cases[cid] = {"id": cid, "rules": rules, "level": rec.get("level", "MUST"),
                              "requirement": rec.get("requirement", ""),
                              "area": case_area(rules)}
                order.append(cid)
    # Keep case-list order within each area, areas in letter order.
    areas_used = sorted({cases[c]["area"] for c in order})
    order = [c for a in areas_used for c in order if cases[c]["area"] == a]

    xfails = {}
    for r, _, _ in loaded:
        if r["impl"] not in xfails:
            p = os.path.join(impls_dir, r["impl"], "xfail.txt") if impls_dir else None
            xfails[r["impl"]] = parse_xfail(p)

    # Index raw records: (impl, backend, case) -> record
    raw = {}
    run_info = []
    for r, recs, error in loaded:
        info = {"impl": r["impl"], "backend": r["backend"],
                "results": r.get("results"), "log": r.get("log"),
                "exit_status": r.get("exit_status"), "gate": r.get("gate", True),
                "backend_ran": None, "build": None, "error": error}
        if recs:
            info["backend_ran"] = recs[0].get("backend")
            info["build"] = recs[0].get("impl")
            for rec in recs:
                raw[(r["impl"], r["backend"], rec["case"])] = rec
        else:
            msg = f"no results: {error}"
            if r.get("exit_status") not in (None, 0):
                msg += f" (exit status {r['exit_status']})"
            if r.get("log"):
                msg += f"; log: {r['log']}"
            for cid in order:
                raw[(r["impl"], r["backend"], cid)] = {
                    "case": cid, "status": "CRASH", "message": msg,
                    "trace": [], "duration_ms": None, "synthesized": True}
        run_info.append(info)

    results = []
    for info in run_info:
        impl, backend = info["impl"], info["backend"]
        for cid in order:
            rec = raw.get((impl, backend, cid))
            if rec is None:
                continue   # not run there: an empty cell
            orec = raw.get((oracle, backend, cid)) if impl != oracle else None
            if orec is not None and orec.get("synthesized"):
                orec = None
            results.append(classify(cases[cid], rec, impl, backend, oracle, orec,
                                    xfail_reason(xfails.get(impl, []), cid, backend)))

    impls = []
    for info in run_info:
        if info["impl"] not in impls:
            impls.append(info["impl"])
    scores = compute_scores(results, impls, cases)
    gated = [i for i in impls if any(x["impl"] == i and x["gate"] for x in run_info)]
    failures = [{"impl": x["impl"], "backend": x["backend"], "case": x["case"],
                 "status": x["status"]}
                for x in results
                if x["impl"] in gated and cases[x["case"]]["level"] == "MUST"
                and x["status"] not in GATE_OK]
    runs_without_results = [f"{i['impl']}/{i['backend']}" for i in run_info
                            if i["error"] and i["impl"] in gated]
    gate_ok = not failures and bool(results) and not runs_without_results
    return {
        "schema": SCHEMA,
        "generated": generated or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "oracle": oracle,
        "implementations": [{"name": i, "gated": i in gated,
                             "backends": [x["backend"] for x in run_info if x["impl"] == i],
                             "xfail": [{"pattern": p + ("@" + b if b else ""), "reason": rs}
                                       for p, b, rs in xfails.get(i, [])]}
                            for i in impls],
        "runs": run_info,
        "areas": {a: contract["areas"].get(a, DEFAULT_AREAS.get(a, "Other")) for a in areas_used},
        "rules": {rid: contract["rules"][rid] for rid in sorted(contract["rules"])
                  if any(rid in cases[c]["rules"] for c in order)},
        "cases": [cases[c] for c in order],
        "results": results,
        "scores": scores,
        "gate": {"ok": gate_ok, "implementations": gated, "failures": failures,
                 "runs_without_results": runs_without_results},
        "coverage": coverage,
        "fuzz": fuzz or [],
    }


def classify(case, rec, impl, backend, oracle, orec, declared):
    raw_status = rec.get("status", "CRASH")
    if raw_status not in RAW_STATUSES:
        raw_status = "CRASH"
    level = case["level"]
    status, reason = raw_status, None
    oracle_status = orec.get("status") if orec else None
    diff = None
    if orec is not None:
        diff = trace_diff(orec.get("trace"), rec.get("trace"))
    if raw_status == "SKIP":
        reason = rec.get("message") or "skipped"
        # A declared divergence covers a case the implementation cannot run, too.
        if declared is not None and level != "QUIRK" and not rec.get("synthesized"):
            status, reason = "XFAIL", f"{declared} ({reason})"
    elif level == "QUIRK":
        if raw_status in ("PASS", "DIFFERS"):
            if orec is None or oracle_status not in ("PASS", "DIFFERS"):
                # The oracle itself, or no oracle result: compare with the libevent 2.1
                # behaviour the case encodes.
                if raw_status == "DIFFERS":
                    status = "DIFFERS"
                    reason = "differs from the libevent 2.1 behaviour the case records"
            else:
                same_status = raw_status == oracle_status
                same_trace = normalize_trace(rec.get("trace")) == normalize_trace(orec.get("trace"))
                if same_status and same_trace:
                    status = "SAME-AS-ORACLE"
                else:
                    status = "DIFFERS"
                    why = []
                    if not same_status:
                        why.append(f"status {raw_status} vs oracle {oracle_status}")
                    if not same_trace:
                        why.append("trace differs")
                    reason = f"differs from {oracle} on {backend}: " + ", ".join(why)
    elif declared is not None and not rec.get("synthesized"):
        if raw_status == "PASS":
            status, reason = "XPASS", f"declared divergence, yet passed: {declared}"
        else:
            status, reason = "XFAIL", declared
    return {
        "impl": impl, "backend": backend, "case": case["id"], "status": status,
        "raw_status": raw_status, "reason": reason,
        "message": rec.get("message"), "check": rec.get("check"),
        "expected": rec.get("expected"), "actual": rec.get("actual"),
        "trace": rec.get("trace") or [], "duration_ms": rec.get("duration_ms"),
        "oracle_status": oracle_status, "trace_diff": diff,
        "trace_same_as_oracle": (None if diff is None
                                 else all(op == " " for op, _ in diff)),
    }


def compute_scores(results, impls, cases):
    scores = {}
    for impl in impls:
        s = {}
        for level in LEVELS:
            mine = [r for r in results if r["impl"] == impl and cases[r["case"]]["level"] == level]
            counts = {st: sum(1 for r in mine if r["status"] == st) for st in STATUSES}
            counts = {k: v for k, v in counts.items() if v}
            passed = sum(1 for r in mine if r["status"] in PASSING)
            entry = {"total": len(mine), "passed": passed, "statuses": counts,
                     "percent": round(100.0 * passed / len(mine), 1) if mine else None}
            s[level] = entry
        s["api"] = api_scores([r for r in results if r["impl"] == impl], cases)
        scores[impl] = s
    return scores


def api_scores(mine, cases):
    """API coverage: of the MUST rules the MUST cases cite, those with a case the
    implementation ran (not a SKIP on every backend); conformance: of those, the rules
    whose every run case passed."""
    by_rule = {}
    for r in mine:
        case = cases[r["case"]]
        if case["level"] == "MUST":
            for rule in case["rules"]:
                by_rule.setdefault(rule, []).append(r["status"])
    implemented = {rule for rule, sts in by_rule.items() if any(st != "SKIP" for st in sts)}
    conforming = {rule for rule in implemented
                  if all(st in PASSING for st in by_rule[rule] if st != "SKIP")}
    pct = lambda n, d: round(100.0 * n / d, 1) if d else None
    return {"must_rules": len(by_rule), "implemented": len(implemented),
            "conforming": len(conforming), "coverage_percent": pct(len(implemented), len(by_rule)),
            "conformance_percent": pct(len(conforming), len(implemented))}


# ---- coverage and fuzz inputs ----

def load_coverage(path, baseline_path):
    """build/coverage/coverage.json beside the regress baseline, or None."""
    if not path or not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        cov = json.load(f)
    baseline = {}
    if baseline_path and os.path.exists(baseline_path):
        with open(baseline_path, encoding="utf-8") as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and not line.startswith("#"):
                    baseline[parts[0]] = (float(parts[1]), float(parts[2]))
    files = []
    for name, c in cov.items():
        bl = baseline.get(name)
        files.append({
            "file": name, "lines": c.get("lines"), "branches": c.get("branches"),
            "regress_lines": bl[0] if bl else None, "regress_branches": bl[1] if bl else None,
            "uncovered_functions": c.get("uncovered_functions", []),
            "partial_branch_lines": c.get("partial_branch_lines", []),
        })
    return {"source": path, "baseline": baseline_path if baseline else None, "files": files}


FUZZ_FIELDS = ["target", "impl", "engine", "execs", "exec_per_sec", "edges"]


def load_fuzz(fuzz_dir):
    """Every build/fuzz/<campaign>/stats.json (format in reports/README.md)."""
    campaigns = []
    if not fuzz_dir or not os.path.isdir(fuzz_dir):
        return campaigns
    for path in sorted(glob.glob(os.path.join(fuzz_dir, "*", "stats.json"))):
        with open(path, encoding="utf-8") as f:
            s = json.load(f)
        c = {"campaign": os.path.basename(os.path.dirname(path)), "stats": path}
        for k in FUZZ_FIELDS:
            c[k] = s.get(k)
        c["duration_s"] = s.get("duration_s")
        c["findings"] = [{"id": x.get("id"), "kind": x.get("kind"),
                          "reproduce": x.get("reproduce")} for x in s.get("findings", [])]
        c["series"] = [{"t": p.get("t"), "edges": p.get("edges"), "execs": p.get("execs")}
                       for p in s.get("series", []) if p.get("t") is not None]
        campaigns.append(c)
    return campaigns
