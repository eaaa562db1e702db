#!/usr/bin/env python3
"""render.py: render a bevconf report from results files.

    render.py --runs RUNS.json --out DIR [--oracle libevent] [--contract cases/CONTRACT.md]
              [--impls-dir impls] [--coverage build/coverage/coverage.json]
              [--coverage-baseline tools/coverage/regress-baseline.txt]
              [--fuzz-dir build/fuzz] [--generated TIME]

RUNS.json lists the results files ({"runs": [{"impl", "backend", "results", "exit_status",
"log", "gate"}]}, paths relative to it). Writes DIR/index.html, report.md, report.json and
junit.xml. Exit status: 0 when every MUST case is PASS, XPASS or XFAIL on every gated
implementation, 1 otherwise, 2 for bad input.
"""
import argparse
import html
import json
import os
import re
import sys
from xml.sax.saxutils import quoteattr, escape as xml_escape

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bevreport  # noqa: E402

STATUS_LABEL = {"PASS": "PASS", "FAIL": "FAIL", "CRASH": "CRASH", "TIMEOUT": "TIMEOUT",
                "SKIP": "SKIP", "XFAIL": "XFAIL", "XPASS": "XPASS",
                "SAME-AS-ORACLE": "SAME", "DIFFERS": "DIFFERS"}
STATUS_HELP = {
    "PASS": "passed",
    "FAIL": "failed a check",
    "CRASH": "the case's process died (signal or early exit)",
    "TIMEOUT": "the case ran past its timeout",
    "SKIP": "not run, with a reason (e.g. a function not implemented)",
    "XFAIL": "failed, as the implementation declares in impls/<name>/xfail.txt",
    "XPASS": "passed although declared as a divergence: drop the declaration",
    "SAME-AS-ORACLE": "QUIRK case: same status and trace as the oracle",
    "DIFFERS": "QUIRK case: status or trace differs from the oracle (never a failure)",
}


def e(s):
    return html.escape("" if s is None else str(s), quote=True)


def md_inline(text):
    """The little Markdown rule texts use: `code`, **bold**, *italic*; escaped first.
    Code spans are left alone (`write.short.*` keeps its star)."""
    parts = re.split(r"(`[^`]+`)", text)
    out = []
    for part in parts:
        if len(part) > 1 and part.startswith("`") and part.endswith("`"):
            out.append(f"<code>{e(part[1:-1])}</code>")
            continue
        t = e(part)
        t = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", t)
        t = re.sub(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])", r"<i>\1</i>", t)
        out.append(t)
    return "".join(out)


def pct(x):
    return "–" if x is None else f"{x:.1f}%"


def score_text(s):
    if not s["total"]:
        return "no cases"
    return f"{s['passed']}/{s['total']} ({pct(s['percent'])})"


def columns(report):
    return [(r["impl"], r["backend"]) for r in report["runs"]]


def index_results(report):
    return {(r["impl"], r["backend"], r["case"]): r for r in report["results"]}


# ---------------------------------------------------------------- HTML

CSS = """
:root { --fg:#1d232b; --muted:#5b6672; --line:#d5dbe1; --bg:#f7f8fa; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
       color:var(--fg); background:var(--bg); }
header { padding:14px 22px; background:#1f2d3d; color:#fff; }
header h1 { margin:0; font-size:20px; } header p { margin:4px 0 0; color:#c5d0dc; }
main { padding:16px 22px; margin-right:0; }
body.has-detail main { margin-right:min(560px, 45vw); }
h2 { font-size:16px; margin:22px 0 8px; }
.gate { display:inline-block; padding:3px 10px; border-radius:4px; font-weight:600; }
.gate.ok { background:#2e7d32; color:#fff; } .gate.bad { background:#c62828; color:#fff; }
.cards { display:flex; flex-wrap:wrap; gap:12px; }
.card { background:#fff; border:1px solid var(--line); border-radius:6px; padding:10px 14px; min-width:250px; }
.card h3 { margin:0 0 6px; font-size:15px; } .card .oracle { font-size:11px; color:var(--muted); font-weight:normal; }
.card table td { padding:1px 8px 1px 0; } .big { font-size:18px; font-weight:600; }
.bar { height:6px; background:#e5e9ee; border-radius:3px; overflow:hidden; margin:2px 0 4px; width:200px; }
.bar > span { display:block; height:100%; background:#2e7d32; }
.legend { display:flex; flex-wrap:wrap; gap:6px; margin:6px 0 10px; }
.legend span { padding:2px 8px; border-radius:3px; font-size:12px; cursor:help; }
.controls { margin:8px 0; display:flex; gap:16px; align-items:center; }
.controls input[type=search] { padding:4px 8px; width:260px; }
table.matrix { border-collapse:collapse; background:#fff; border:1px solid var(--line); }
table.matrix th, table.matrix td { border:1px solid var(--line); padding:3px 7px; white-space:nowrap; }
table.matrix thead th { background:#eef1f5; position:sticky; top:0; z-index:1; }
table.matrix th.impl { text-align:center; }
tr.area th { text-align:left; background:#e3e8ef; font-size:13px; }
tr.area .counts { font-weight:normal; color:var(--muted); margin-left:10px; }
td.case { font-family:ui-monospace,"DejaVu Sans Mono",monospace; font-size:12.5px; }
td.rule, td.level { font-size:12px; color:var(--muted); }
td.cell { text-align:center; font-size:11.5px; font-weight:600; cursor:pointer; min-width:64px; }
td.cell:hover, td.cell.sel { outline:2px solid #1f2d3d; outline-offset:-2px; }
td.none { background:#fafafa; color:#aaa; text-align:center; }
.st-PASS { background:#c8e6c9; color:#1b5e20; }
.st-FAIL { background:#ef9a9a; color:#7f0000; }
.st-CRASH { background:#b71c1c; color:#fff; }
.st-TIMEOUT { background:#ffb74d; color:#4e2600; }
.st-SKIP { background:#e0e0e0; color:#424242; }
.st-XFAIL { background:#e1bee7; color:#4a148c; }
.st-XPASS { background:#fff176; color:#5d4300; }
.st-SAME-AS-ORACLE { background:#b2dfdb; color:#004d40; }
.st-DIFFERS { background:#90caf9; color:#0d2f5a; }
tr.hidden { display:none; }
#detail { position:fixed; z-index:10; top:0; right:0; bottom:0; width:min(560px, 45vw); background:#fff;
          border-left:1px solid var(--line); box-shadow:-4px 0 12px rgba(0,0,0,.08);
          overflow:auto; padding:14px 18px; display:none; }
body.has-detail #detail { display:block; }
#detail h2 { margin-top:0; font-family:ui-monospace,"DejaVu Sans Mono",monospace; font-size:15px; }
#detail .close { float:right; cursor:pointer; border:1px solid var(--line); background:#f3f5f7; border-radius:4px; }
#detail dl { display:grid; grid-template-columns:110px 1fr; gap:4px 10px; margin:0; }
#detail dt { color:var(--muted); } #detail dd { margin:0; word-break:break-word; }
.rule-text { background:#f6f8fa; border-left:3px solid #90a4ae; padding:6px 10px; margin:6px 0; font-size:13px; }
pre { background:#f6f8fa; border:1px solid var(--line); padding:6px 8px; overflow:auto; font-size:12px; margin:4px 0; }
pre .d-add { background:#d7f5dd; display:block; } pre .d-del { background:#fde2e1; display:block; }
pre .d-eq { display:block; color:#4a5560; }
table.plain { border-collapse:collapse; background:#fff; }
table.plain th, table.plain td { border:1px solid var(--line); padding:3px 8px; text-align:left; }
td.num { text-align:right; font-variant-numeric:tabular-nums; }
.up { color:#2e7d32; } .down { color:#c62828; }
.muted { color:var(--muted); } code { font-family:ui-monospace,"DejaVu Sans Mono",monospace; font-size:12.5px; }
#js-errors { background:#ffebee; color:#b71c1c; padding:8px; white-space:pre-wrap; }
svg text { font:11px system-ui,sans-serif; fill:#5b6672; }
"""

JS = r"""
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var cells = data.cells, cases = data.cases, rules = data.rules;
  function el(tag, attrs, text) {
    var n = document.createElement(tag);
    if (attrs) for (var k in attrs) n.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) n.textContent = String(text);
    return n;
  }
  function row(dl, name, value, cls) {
    if (value === null || value === undefined || value === '') return;
    dl.appendChild(el('dt', null, name));
    var dd = el('dd', cls ? {'class': cls} : null, value);
    dl.appendChild(dd);
  }
  function pre(lines, empty) {
    var p = el('pre');
    if (!lines || !lines.length) { p.textContent = empty; return p; }
    p.textContent = lines.join('\n');
    return p;
  }
  var selected = null;
  function show(k) {
    var c = cells[k]; if (!c) return;
    var cs = cases[c.case];
    var d = document.getElementById('detail');
    d.textContent = '';
    var close = el('button', {'class': 'close', 'type': 'button'}, 'close ✕');
    close.onclick = hide;
    d.appendChild(close);
    d.appendChild(el('h2', null, c.case));
    var badge = el('span', {'class': 'gate st-' + c.status}, c.status);
    var p = el('p'); p.appendChild(badge);
    p.appendChild(document.createTextNode('  ' + c.impl + ' · ' + c.backend + ' · ' + cs.level +
      (c.raw_status !== c.status ? ' · runner status ' + c.raw_status : '')));
    d.appendChild(p);
    d.appendChild(el('h3', null, 'Rule' + (cs.rules.length > 1 ? 's' : '')));
    cs.rules.forEach(function (r) {
      var div = el('div', {'class': 'rule-text'});
      var b = el('b', null, r + ' '); div.appendChild(b);
      if (rules[r]) { var t = el('span'); t.innerHTML = rules[r]; div.appendChild(t); }
      else div.appendChild(document.createTextNode('(not in CONTRACT.md)'));
      d.appendChild(div);
    });
    var dl = el('dl');
    row(dl, 'requirement', cs.requirement);
    row(dl, 'reason', c.reason);
    row(dl, 'message', c.message);
    row(dl, 'check', c.check);
    row(dl, 'expected', c.expected);
    row(dl, 'actual', c.actual);
    row(dl, 'duration', c.duration_ms === null ? null : c.duration_ms.toFixed(1) + ' ms');
    row(dl, 'oracle', c.oracle_status === null ? (c.impl === data.oracle ? 'this is the oracle' :
        'no oracle result for this backend') : data.oracle + ': ' + c.oracle_status);
    d.appendChild(dl);
    d.appendChild(el('h3', null, 'Callback trace'));
    d.appendChild(pre(c.trace, '(no callbacks)'));
    if (c.trace_diff) {
      d.appendChild(el('h3', null, 'Trace against ' + data.oracle + ' (' + c.backend + ')'));
      var same = c.trace_diff.every(function (x) { return x[0] === ' '; });
      if (same) d.appendChild(el('p', {'class': 'muted'}, c.trace_diff.length ?
          'identical to the oracle\'s trace' : 'both traces empty'));
      else {
        var pd = el('pre', {'class': 'diff'});
        c.trace_diff.forEach(function (x) {
          var cls = x[0] === '+' ? 'd-add' : x[0] === '-' ? 'd-del' : 'd-eq';
          pd.appendChild(el('span', {'class': cls}, x[0] + ' ' + x[1]));
        });
        d.appendChild(pd);
        d.appendChild(el('p', {'class': 'muted'}, '- ' + data.oracle + ' only, + ' + c.impl + ' only'));
      }
    }
    if (selected) selected.classList.remove('sel');
    selected = document.querySelector('td.cell[data-k="' + k + '"]');
    if (selected) selected.classList.add('sel');
    document.body.classList.add('has-detail');
    if (history.replaceState) history.replaceState(null, '', '#' + c.impl + '/' + c.backend + '/' + c.case);
  }
  function hide() {
    document.body.classList.remove('has-detail');
    if (selected) selected.classList.remove('sel');
    if (history.replaceState) history.replaceState(null, '', '#');
  }
  document.querySelectorAll('td.cell').forEach(function (td) {
    td.addEventListener('click', function () { show(td.getAttribute('data-k')); });
  });
  document.addEventListener('keydown', function (ev) { if (ev.key === 'Escape') hide(); });
  var q = document.getElementById('filter'), bad = document.getElementById('only-bad');
  function filter() {
    var text = q.value.toLowerCase();
    document.querySelectorAll('tr.caserow').forEach(function (tr) {
      var okText = !text || tr.getAttribute('data-search').indexOf(text) >= 0;
      var okBad = !bad.checked || tr.getAttribute('data-bad') === '1';
      tr.classList.toggle('hidden', !(okText && okBad));
    });
  }
  q.addEventListener('input', filter); bad.addEventListener('change', filter);
  var h = decodeURIComponent(location.hash.replace(/^#/, ''));
  if (h) for (var k in cells) {
    var c = cells[k];
    if (c.impl + '/' + c.backend + '/' + c.case === h) { show(k); break; }
  }
  document.body.setAttribute('data-ready', String(document.querySelectorAll('td.cell').length));
})();
"""


def render_html(report):
    cols = columns(report)
    idx = index_results(report)
    cases_by_id = {c["id"]: c for c in report["cases"]}
    impls = [i["name"] for i in report["implementations"]]
    out = []
    w = out.append
    w("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
    w("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
    w("<title>bevconf report</title>")
    # Errors from the page's own script land in the DOM, where a headless check sees them.
    w("<script>window.__errors=[];window.onerror=function(m,s,l,c){window.__errors.push(m+' ('+l+':'+c+')');"
      "var d=document.getElementById('js-errors')||document.body.appendChild(document.createElement('pre'));"
      "d.id='js-errors';d.textContent=window.__errors.join('\\n');};</script>")
    w(f"<style>{CSS}</style></head><body>")
    gate = report["gate"]
    w("<header><h1>bevconf conformance report</h1>")
    w(f"<p>oracle: <b>{e(report['oracle'])}</b> · generated {e(report['generated'])} · "
      f"{len(report['cases'])} cases · {len(cols)} runs</p></header><main>")
    if gate["ok"]:
        w("<p><span class=\"gate ok\">GATE PASSED</span> every MUST case passes (or is a "
          "declared XFAIL) on " + e(", ".join(gate["implementations"])) + ".</p>")
    else:
        n = len(gate["failures"])
        extra = ""
        if gate["runs_without_results"]:
            extra = "; runs without results: " + e(", ".join(gate["runs_without_results"]))
        w(f"<p><span class=\"gate bad\">GATE FAILED</span> {n} MUST result(s) neither pass nor "
          f"are declared XFAIL{extra}.</p>")

    # score cards
    w("<h2>Conformance by implementation</h2><div class=\"cards\">")
    for impl in report["implementations"]:
        name = impl["name"]
        sc = report["scores"][name]
        tag = " <span class=\"oracle\">(oracle)</span>" if name == report["oracle"] else ""
        if not impl["gated"]:
            tag += " <span class=\"oracle\">(comparison only)</span>"
        w(f"<div class=\"card\" data-impl=\"{e(name)}\"><h3>{e(name)}{tag}</h3>")
        w(f"<div class=\"muted\">backends: {e(', '.join(impl['backends']))}</div><table>")
        w(f"<tr><td>API</td><td>{api_text(sc['api'])}</td></tr>")
        for level in ("MUST", "SHOULD"):
            s = sc[level]
            width = s["percent"] or 0
            if not s["total"]:
                w(f"<tr><td>{level}</td><td><span class=\"muted score-{level}\">no {level} cases</span></td></tr>")
                continue
            w(f"<tr><td>{level}</td><td><span class=\"big score-{level}\">{pct(s['percent'])}</span>"
              f" <span class=\"muted\">{s['passed']}/{s['total']}</span>"
              f"<div class=\"bar\"><span style=\"width:{width}%\"></span></div></td></tr>")
        q = sc["QUIRK"]["statuses"]
        w(f"<tr><td>QUIRK</td><td>{q.get('SAME-AS-ORACLE', 0) + q.get('PASS', 0)} same, "
          f"{q.get('DIFFERS', 0)} differ</td></tr>")
        other = {}
        for level in ("MUST", "SHOULD", "QUIRK"):
            for st, n in sc[level]["statuses"].items():
                if st not in ("PASS", "SAME-AS-ORACLE", "DIFFERS"):
                    other[st] = other.get(st, 0) + n
        if other:
            w("<tr><td></td><td>" + " ".join(
                f"<span class=\"gate st-{e(st)}\" style=\"font-size:11px;padding:0 5px\">{e(st)} {n}</span>"
                for st, n in other.items()) + "</td></tr>")
        w("</table></div>")
    w("</div>")

    # legend, controls
    w("<h2>Case × implementation matrix</h2><div class=\"legend\">")
    for st in bevreport.STATUSES:
        w(f"<span class=\"st-{e(st)}\" title=\"{e(STATUS_HELP[st])}\">{e(st)}</span>")
    w("</div><div class=\"controls\"><input id=\"filter\" type=\"search\" "
      "placeholder=\"filter cases (id, rule, level)\"><label><input id=\"only-bad\" "
      "type=\"checkbox\"> only rows with a non-passing cell</label>"
      "<span class=\"muted\">click a cell for its detail</span></div>")

    # matrix
    w("<table class=\"matrix\" id=\"matrix\"><thead><tr><th rowspan=\"2\">case</th>"
      "<th rowspan=\"2\">rules</th><th rowspan=\"2\">level</th>")
    for impl in impls:
        n = sum(1 for c in cols if c[0] == impl)
        w(f"<th class=\"impl\" colspan=\"{n}\">{e(impl)}</th>")
    w("</tr><tr>")
    for impl, backend in cols:
        w(f"<th>{e(backend)}</th>")
    w("</tr></thead><tbody>")
    cells = {}
    k = 0
    ncols = 3 + len(cols)
    for area, title in report["areas"].items():
        area_cases = [c for c in report["cases"] if c["area"] == area]
        counts = []
        for impl in impls:
            mine = [idx[(impl, b, c["id"])] for (i, b) in cols if i == impl
                    for c in area_cases if (impl, b, c["id"]) in idx]
            ok = sum(1 for r in mine if r["status"] in bevreport.PASSING or r["status"] == "DIFFERS")
            counts.append(f"{e(impl)} {ok}/{len(mine)}")
        w(f"<tr class=\"area\" data-area=\"{e(area)}\"><th colspan=\"{ncols}\">{e(area)}. {e(title)}"
          f"<span class=\"counts\">{' · '.join(counts)} ok</span></th></tr>")
        for c in area_cases:
            row_cells = []
            bad = False
            for impl, backend in cols:
                r = idx.get((impl, backend, c["id"]))
                if r is None:
                    row_cells.append("<td class=\"none\" title=\"not run\">·</td>")
                    continue
                cells[str(k)] = {key: r[key] for key in (
                    "impl", "backend", "case", "status", "raw_status", "reason", "message",
                    "check", "expected", "actual", "trace", "duration_ms", "oracle_status",
                    "trace_diff")}
                if r["status"] not in bevreport.PASSING:
                    bad = True
                tip = f"{impl} {backend}: {r['status']}" + (f" — {r['reason']}" if r["reason"] else "")
                row_cells.append(
                    f"<td class=\"cell st-{e(r['status'])}\" data-k=\"{k}\" data-impl=\"{e(impl)}\" "
                    f"data-backend=\"{e(backend)}\" data-status=\"{e(r['status'])}\" "
                    f"title=\"{e(tip)}\">{e(STATUS_LABEL[r['status']])}</td>")
                k += 1
            search = " ".join([c["id"], ",".join(c["rules"]), c["level"]]).lower()
            w(f"<tr class=\"caserow\" data-case=\"{e(c['id'])}\" data-bad=\"{1 if bad else 0}\" "
              f"data-search=\"{e(search)}\"><td class=\"case\" title=\"{e(c['requirement'])}\">{e(c['id'])}</td>"
              f"<td class=\"rule\">{e(', '.join(c['rules']))}</td><td class=\"level\">{e(c['level'])}</td>"
              + "".join(row_cells) + "</tr>")
    w("</tbody></table>")

    # runs
    w("<h2>Runs</h2><table class=\"plain\" id=\"runs\"><tr><th>implementation</th><th>backend</th>"
      "<th>backend that ran</th><th>exit status</th><th>results</th></tr>")
    for r in report["runs"]:
        res = e(shown_path(r["results"])) if not r["error"] else f"<b class=\"down\">{e(r['error'])}</b>"
        w(f"<tr><td>{e(r['impl'])}</td><td>{e(r['backend'])}</td><td>{e(r['backend_ran'])}</td>"
          f"<td class=\"num\">{e(r['exit_status'])}</td><td><code>{res}</code></td></tr>")
    w("</table>")

    if report.get("coverage"):
        w(html_coverage(report["coverage"]))
    if report.get("fuzz"):
        w(html_fuzz(report["fuzz"]))
    w("</main><aside id=\"detail\" aria-live=\"polite\"></aside>")

    data = {"oracle": report["oracle"], "cells": cells,
            "cases": {c["id"]: {"rules": c["rules"], "level": c["level"],
                                "requirement": c["requirement"]} for c in report["cases"]},
            "rules": {rid: f"({e(r['level'])}) " + md_inline(r["text"])
                      for rid, r in report["rules"].items()}}
    blob = json.dumps(data, ensure_ascii=False).replace("</", "<\\/").replace("<!--", "<\\!--")
    w(f"<script type=\"application/json\" id=\"report-data\">{blob}</script>")
    w(f"<script>{JS}</script></body></html>\n")
    return "\n".join(out)


def shown_path(path):
    """A path under the current directory as a relative one (the report is read from the
    project root), others as they are."""
    if not path:
        return path
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def delta(ours, theirs):
    if ours is None or theirs is None:
        return ""
    d = ours - theirs
    cls = "up" if d >= 0 else "down"
    return f" <span class=\"{cls}\">({d:+.1f})</span>"


def html_coverage(cov):
    out = ["<h2>Coverage of the implementation under test</h2>",
           f"<p class=\"muted\">{e(cov['source'])}, beside libevent's own regress suite "
           f"({e(cov['baseline'] or 'no baseline')})</p>",
           "<table class=\"plain\" id=\"coverage\"><tr><th>file</th><th>lines</th><th>regress</th>"
           "<th>branches</th><th>regress</th><th>uncovered functions</th>"
           "<th>lines with an untaken branch</th></tr>"]
    for f in cov["files"]:
        fn = f["uncovered_functions"]
        out.append(
            f"<tr><td><code>{e(f['file'])}</code></td><td class=\"num\">{pct(f['lines'])}"
            f"{delta(f['lines'], f['regress_lines'])}</td><td class=\"num\">{pct(f['regress_lines'])}</td>"
            f"<td class=\"num\">{pct(f['branches'])}{delta(f['branches'], f['regress_branches'])}</td>"
            f"<td class=\"num\">{pct(f['regress_branches'])}</td>"
            f"<td title=\"{e(', '.join(fn))}\">{len(fn)}"
            + (f" <span class=\"muted\">({e(', '.join(fn[:4]))}{', …' if len(fn) > 4 else ''})</span>" if fn else "")
            + f"</td><td class=\"num\">{len(f['partial_branch_lines'])}</td></tr>")
    out.append("</table>")
    return "\n".join(out)


def svg_plot(series, width=420, height=150):
    """Edges over time as an inline SVG polyline (with execs on the hover titles)."""
    pts = [(p["t"], p["edges"]) for p in series if p.get("edges") is not None]
    if len(pts) < 1:
        return "<p class=\"muted\">no coverage-over-time series</p>"
    left, right, top, bottom = 48, 10, 10, 24
    tmax = max(t for t, _ in pts) or 1
    ymax = max(y for _, y in pts) or 1
    ymin = 0

    def x(t):
        return left + (width - left - right) * t / tmax

    def y(v):
        return top + (height - top - bottom) * (1 - (v - ymin) / (ymax - ymin or 1))
    poly = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in pts)
    dots = "".join(f"<circle cx=\"{x(t):.1f}\" cy=\"{y(v):.1f}\" r=\"2\" fill=\"#1565c0\">"
                   f"<title>t={e(t)} s, edges={e(v)}</title></circle>" for t, v in pts)
    return (f"<svg class=\"fuzzplot\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" "
            f"xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"edges over time\">"
            f"<rect x=\"{left}\" y=\"{top}\" width=\"{width - left - right}\" height=\"{height - top - bottom}\" "
            f"fill=\"#fff\" stroke=\"#d5dbe1\"/>"
            f"<text x=\"{left - 4}\" y=\"{top + 9}\" text-anchor=\"end\">{e(ymax)}</text>"
            f"<text x=\"{left - 4}\" y=\"{height - bottom}\" text-anchor=\"end\">{ymin}</text>"
            f"<text x=\"{left}\" y=\"{height - 8}\">0 s</text>"
            f"<text x=\"{width - right}\" y=\"{height - 8}\" text-anchor=\"end\">{e(tmax)} s</text>"
            f"<text x=\"{(left + width) / 2:.0f}\" y=\"{height - 8}\" text-anchor=\"middle\">edges over time</text>"
            f"<polyline fill=\"none\" stroke=\"#1565c0\" stroke-width=\"2\" points=\"{poly}\"/>{dots}</svg>")


def html_fuzz(campaigns):
    out = ["<h2>Fuzz campaigns</h2>",
           "<table class=\"plain\" id=\"fuzz\"><tr><th>campaign</th><th>target</th><th>implementation</th>"
           "<th>engine</th><th>execs</th><th>exec/s</th><th>edges</th><th>findings</th></tr>"]
    for c in campaigns:
        out.append(
            f"<tr><td>{e(c['campaign'])}</td><td><code>{e(c['target'])}</code></td><td>{e(c['impl'])}</td>"
            f"<td>{e(c['engine'])}</td><td class=\"num\">{e(c['execs'])}</td>"
            f"<td class=\"num\">{e(c['exec_per_sec'])}</td><td class=\"num\">{e(c['edges'])}</td>"
            f"<td class=\"num\">{len(c['findings'])}</td></tr>")
    out.append("</table>")
    for c in campaigns:
        out.append(f"<h3>{e(c['campaign'])}: {e(c['target'])} on {e(c['impl'])}</h3>")
        out.append(svg_plot(c["series"]))
        if c["findings"]:
            out.append("<table class=\"plain\"><tr><th>finding</th><th>kind</th><th>reproduce</th></tr>")
            for f in c["findings"]:
                out.append(f"<tr><td>{e(f['id'])}</td><td>{e(f['kind'])}</td>"
                           f"<td><code>{e(f['reproduce'])}</code></td></tr>")
            out.append("</table>")
        else:
            out.append("<p class=\"muted\">no findings</p>")
    return "\n".join(out)


# ---------------------------------------------------------------- Markdown

def md_cell(s):
    return ("" if s is None else str(s)).replace("|", "\\|").replace("\n", " ")


def render_md(report):
    cols = columns(report)
    idx = index_results(report)
    levels = {c["id"]: c["level"] for c in report["cases"]}
    out = []
    w = out.append
    gate = report["gate"]
    w("# bevconf conformance report\n")
    w(f"Oracle: **{report['oracle']}** · {len(report['cases'])} cases · "
      f"{len(cols)} runs · generated {report['generated']}\n")
    if gate["ok"]:
        w(f"**Gate: passed.** Every MUST case passes (or is a declared XFAIL) on "
          f"{', '.join(gate['implementations'])}.\n")
    else:
        extra = (f" Runs without results: {', '.join(gate['runs_without_results'])}."
                 if gate["runs_without_results"] else "")
        w(f"**Gate: FAILED.** {len(gate['failures'])} MUST result(s) neither pass nor are "
          f"declared XFAIL.{extra}\n")
    w("| implementation | backends | API coverage, conformance | MUST | SHOULD | QUIRK same / differ | other |")
    w("|---|---|---|---|---|---|---|")
    for impl in report["implementations"]:
        sc = report["scores"][impl["name"]]
        q = sc["QUIRK"]["statuses"]
        other = {}
        for level in ("MUST", "SHOULD", "QUIRK"):
            for st, n in sc[level]["statuses"].items():
                if st not in ("PASS", "SAME-AS-ORACLE", "DIFFERS"):
                    other[st] = other.get(st, 0) + n
        name = impl["name"] + (" (oracle)" if impl["name"] == report["oracle"] else "")
        w(f"| {md_cell(name)} | {', '.join(impl['backends'])} | {api_text(sc['api'])} | {score_text(sc['MUST'])} | "
          f"{score_text(sc['SHOULD'])} | {q.get('SAME-AS-ORACLE', 0) + q.get('PASS', 0)} / "
          f"{q.get('DIFFERS', 0)} | {', '.join(f'{k} {v}' for k, v in other.items()) or '–'} |")
    w("")
    w("## By contract area\n")
    w("| area | " + " | ".join(f"{i} {b}" for i, b in cols) + " |")
    w("|---|" + "---|" * len(cols))
    for area, title in report["areas"].items():
        ids = [c["id"] for c in report["cases"] if c["area"] == area]
        row = []
        for col in cols:
            mine = [idx[col + (cid,)] for cid in ids if col + (cid,) in idx]
            ok = sum(1 for r in mine if r["status"] in bevreport.PASSING or r["status"] == "DIFFERS")
            bad = len(mine) - ok
            row.append(f"{ok}/{len(mine)}" + (" ❌" if any(r["status"] in bevreport.FAILING for r in mine) else ""))
            del bad
        w(f"| {area}. {md_cell(title)} | " + " | ".join(row) + " |")
    w("")
    notpass = [r for r in report["results"]
               if levels[r["case"]] in ("MUST", "SHOULD") and r["status"] in bevreport.FAILING]
    w(f"## Failing MUST/SHOULD results ({len(notpass)})\n")
    if not notpass:
        w("None.\n")
    for r in notpass:
        what = (f"{r['check']}: expected `{md_cell(r['expected'])}`, actual `{md_cell(r['actual'])}`"
                if r["check"] else md_cell(r["message"]))
        w(f"<details><summary><b>{r['status']}</b> <code>{r['case']}</code> on "
          f"{r['impl']}/{r['backend']} ({levels[r['case']]}): {html.escape(what)}</summary>\n")
        w("```")
        w("trace:" + ("" if r["trace"] else " (no callbacks)"))
        for line in r["trace"]:
            w("  " + line)
        if r["trace_diff"] and not all(op == " " for op, _ in r["trace_diff"]):
            w(f"against {report['oracle']}:")
            for op, line in r["trace_diff"]:
                w(f"{op} {line}")
        w("```\n</details>\n")
    for title, st in (("Declared divergences (XFAIL)", "XFAIL"),
                      ("Unexpected passes (XPASS): remove the declaration", "XPASS"),
                      ("QUIRK cases that differ from the oracle", "DIFFERS"),
                      ("Skipped", "SKIP")):
        rs = [r for r in report["results"] if r["status"] == st]
        if rs:
            w(f"## {title} ({len(rs)})\n")
            for r in rs:
                w(f"- `{r['case']}` on {r['impl']}/{r['backend']}: {md_cell(r['reason'])}")
            w("")
    cov = report.get("coverage")
    if cov:
        w("## Coverage\n")
        w("| file | lines | regress | branches | regress | uncovered functions |")
        w("|---|---|---|---|---|---|")
        for f in cov["files"]:
            w(f"| {f['file']} | {pct(f['lines'])} | {pct(f['regress_lines'])} | {pct(f['branches'])} | "
              f"{pct(f['regress_branches'])} | {len(f['uncovered_functions'])} |")
        w("")
    if report.get("fuzz"):
        w("## Fuzz campaigns\n")
        w("| campaign | target | implementation | engine | execs | exec/s | edges | findings |")
        w("|---|---|---|---|---|---|---|---|")
        for c in report["fuzz"]:
            w(f"| {c['campaign']} | {c['target']} | {c['impl']} | {c['engine']} | {c['execs']} | "
              f"{c['exec_per_sec']} | {c['edges']} | {len(c['findings'])} |")
        for c in report["fuzz"]:
            for f in c["findings"]:
                w(f"- {c['campaign']} `{f['id']}`: `{md_cell(f['reproduce'])}`")
        w("")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- JUnit

def render_junit(report):
    levels = {c["id"]: c for c in report["cases"]}
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    suites = []
    tot = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for run in report["runs"]:
        rs = [r for r in report["results"] if r["impl"] == run["impl"] and r["backend"] == run["backend"]]
        body = []
        n = {"tests": len(rs), "failures": 0, "errors": 0, "skipped": 0}
        time_s = 0.0
        for r in rs:
            c = levels[r["case"]]
            t = (r["duration_ms"] or 0) / 1000.0
            time_s += t
            attrs = (f"classname={quoteattr(run['impl'] + '.' + run['backend'] + '.' + c['area'])} "
                     f"name={quoteattr(r['case'])} time=\"{t:.4f}\"")
            detail = [f"status: {r['status']} (runner: {r['raw_status']}), level {c['level']}, "
                      f"rules {','.join(c['rules'])}",
                      f"requirement: {c['requirement']}"]
            for k in ("reason", "message", "check", "expected", "actual"):
                if r.get(k):
                    detail.append(f"{k}: {r[k]}")
            detail.append("trace:" + ("" if r["trace"] else " (no callbacks)"))
            detail += ["  " + x for x in r["trace"]]
            text = xml_escape("\n".join(detail))
            msg = r["reason"] or r["message"] or r["status"]
            inner = ""
            if r["status"] in ("CRASH", "TIMEOUT"):
                n["errors"] += 1
                inner = f"<error type={quoteattr(r['status'])} message={quoteattr(msg)}>{text}</error>"
            elif r["status"] == "FAIL":
                n["failures"] += 1
                inner = f"<failure type=\"FAIL\" message={quoteattr(msg)}>{text}</failure>"
            elif r["status"] in ("SKIP", "XFAIL"):
                n["skipped"] += 1
                inner = f"<skipped message={quoteattr(r['status'] + ': ' + msg)}/>"
            elif r["status"] in ("XPASS", "DIFFERS"):
                inner = f"<system-out>{text}</system-out>"
            body.append(f"    <testcase {attrs}>{inner}</testcase>" if inner
                        else f"    <testcase {attrs}/>")
        for key in tot:
            tot[key] += n[key]
        suites.append(f"  <testsuite name={quoteattr(run['impl'] + '/' + run['backend'])} "
                      f"tests=\"{n['tests']}\" failures=\"{n['failures']}\" errors=\"{n['errors']}\" "
                      f"skipped=\"{n['skipped']}\" time=\"{time_s:.3f}\">")
        suites += body
        suites.append("  </testsuite>")
    out.append(f"<testsuites name=\"bevconf\" tests=\"{tot['tests']}\" failures=\"{tot['failures']}\" "
               f"errors=\"{tot['errors']}\" skipped=\"{tot['skipped']}\">")
    out += suites
    out.append("</testsuites>")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- main

def write_all(report, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    files = {"index.html": render_html(report), "report.md": render_md(report),
             "report.json": json.dumps(report, indent=1, ensure_ascii=False) + "\n",
             "junit.xml": render_junit(report)}
    for name, text in files.items():
        tmp = os.path.join(out_dir, name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, os.path.join(out_dir, name))
    return [os.path.join(out_dir, n) for n in files]


def api_text(api):
    """"API coverage 95.0% (180/190 MUST rules), conformance 98.9% (178/180)"."""
    return (f"API coverage {pct(api['coverage_percent'])} ({api['implemented']}/{api['must_rules']} MUST rules), "
            f"conformance {pct(api['conformance_percent'])} ({api['conforming']}/{api['implemented']})")


def summary_lines(report):
    lines = []
    for impl in report["implementations"]:
        sc = report["scores"][impl["name"]]
        q = sc["QUIRK"]["statuses"]
        lines.append(f"report: {impl['name']:<14} {api_text(sc['api'])}; MUST {score_text(sc['MUST'])}  "
                     f"SHOULD {score_text(sc['SHOULD'])}  QUIRK "
                     f"{q.get('SAME-AS-ORACLE', 0) + q.get('PASS', 0)} same, {q.get('DIFFERS', 0)} differ"
                     + ("" if impl["gated"] else "  (comparison only)"))
    g = report["gate"]
    if g["ok"]:
        lines.append("report: gate passed: every MUST case passes or is a declared XFAIL")
    else:
        lines.append(f"report: gate FAILED: {len(g['failures'])} MUST result(s) fail"
                     + (f"; no results from {', '.join(g['runs_without_results'])}"
                        if g["runs_without_results"] else ""))
        for f in g["failures"][:20]:
            lines.append(f"  {f['status']:<8} {f['case']} on {f['impl']}/{f['backend']}")
        if len(g["failures"]) > 20:
            lines.append(f"  ... and {len(g['failures']) - 20} more (see report.md)")
    return lines


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--runs", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--oracle", default="libevent")
    ap.add_argument("--contract", default="cases/CONTRACT.md")
    ap.add_argument("--impls-dir", default="impls")
    ap.add_argument("--coverage", default="build/coverage/coverage.json")
    ap.add_argument("--coverage-baseline", default="tools/coverage/regress-baseline.txt")
    ap.add_argument("--fuzz-dir", default="build/fuzz")
    ap.add_argument("--generated", default=None, help="timestamp to record (default: now)")
    a = ap.parse_args(argv)
    try:
        manifest = bevreport.load_manifest(a.runs)
        report = bevreport.build_report(
            manifest["runs"], bevreport.parse_contract(a.contract), a.oracle,
            impls_dir=a.impls_dir,
            coverage=bevreport.load_coverage(a.coverage, a.coverage_baseline),
            fuzz=bevreport.load_fuzz(a.fuzz_dir), generated=a.generated)
    except (OSError, ValueError, KeyError) as ex:
        print(f"report: {ex}", file=sys.stderr)
        return 2
    paths = write_all(report, a.out)
    for line in summary_lines(report):
        print(line)
    print("report: wrote " + ", ".join(paths))
    return 0 if report["gate"]["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
