"""The report's own tests (make test-reports): a report rendered from the fixture results
files under reports/tests/fixtures/, report-diff on two fixture report.json files, and the
page in headless Chromium. BEVCONF_REPORT_TEST_OUT names the output directory."""
import html.parser
import io
import json
import tempfile
import os
import sys
import unittest
import xml.etree.ElementTree as ET
from contextlib import redirect_stderr, redirect_stdout

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIX = os.path.join(HERE, "fixtures")
sys.path.insert(0, os.path.dirname(HERE))
import bevreport  # noqa: E402
import browser  # noqa: E402
import diff  # noqa: E402
import render  # noqa: E402

OUT = os.path.abspath(os.environ.get("BEVCONF_REPORT_TEST_OUT", os.path.join(ROOT, "build/report/test")))

# Every cell of the fixture matrix, and the status the report must give it.
EXPECTED = {
    ("libevent", "epoll", "write.basic"): "PASS",
    ("libevent", "poll", "wm.quirk.same"): "DIFFERS",         # the oracle vs the case's libevent 2.1
    ("libevent", "epoll", "wm.quirk.same"): "PASS",
    ("alt", "epoll", "write.basic"): "PASS",
    ("alt", "poll", "write.basic"): "FAIL",
    ("alt", "epoll", "write.should"): "PASS",
    ("alt", "poll", "write.should"): "SKIP",
    ("alt", "epoll", "eof.crash"): "CRASH",
    ("alt", "poll", "eof.crash"): "TIMEOUT",
    ("alt", "epoll", "eof.xfail"): "XFAIL",
    ("alt", "poll", "eof.xfail"): "XFAIL",                    # a SKIP of a declared case
    ("alt", "epoll", "eof.xpass"): "XPASS",                   # declared for epoll only
    ("alt", "poll", "eof.xpass"): "PASS",
    ("alt", "epoll", "wm.quirk.same"): "SAME-AS-ORACLE",      # errno outside ERROR ignored
    ("alt", "poll", "wm.quirk.same"): "SAME-AS-ORACLE",       # same FAIL, same trace as the oracle
    ("alt", "epoll", "wm.quirk.differs"): "DIFFERS",          # status differs
    ("alt", "poll", "wm.quirk.differs"): "DIFFERS",           # status same, trace differs
    ("alt", "epoll", "wm.must"): "PASS",
}


def render_fixture(out, runs="runs.json", oracle="libevent", extra=()):
    args = ["--runs", os.path.join(FIX, runs), "--out", out, "--oracle", oracle,
            "--contract", os.path.join(FIX, "CONTRACT.md"), "--impls-dir", os.path.join(FIX, "impls"),
            "--coverage", os.path.join(FIX, "coverage.json"),
            "--coverage-baseline", os.path.join(ROOT, "tools/coverage/regress-baseline.txt"),
            "--fuzz-dir", os.path.join(FIX, "fuzz"), "--generated", "2026-01-01T00:00:00Z"] + list(extra)
    buf = io.StringIO()
    with redirect_stdout(buf):
        rc = render.main(args)
    return rc, buf.getvalue()


class Cells(html.parser.HTMLParser):
    """The matrix as the HTML shows it: td.cell attributes, area rows, case rows."""

    def __init__(self):
        super().__init__()
        self.cells, self.areas, self.rows, self.scripts = [], [], [], []
        self._script = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if tag == "td" and "cell" in cls:
            self.cells.append(a)
        elif tag == "tr" and "area" in cls:
            self.areas.append(a["data-area"])
        elif tag == "tr" and "caserow" in cls:
            self.rows.append(a["data-case"])
        elif tag == "script":
            self._script = a
            self.scripts.append([a, ""])

    def handle_data(self, data):
        if self._script is not None:
            self.scripts[-1][1] += data

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


class TestContract(unittest.TestCase):
    def test_real_contract(self):
        c = bevreport.parse_contract(os.path.join(ROOT, "cases/CONTRACT.md"))
        self.assertEqual(c["rules"]["A5"]["level"], "MUST")
        self.assertIn("Partial writes", c["rules"]["A5"]["text"])
        self.assertIn("1 MiB queued at once", c["rules"]["A5"]["text"])   # a continuation line
        self.assertEqual(c["rules"]["A6"]["level"], "QUIRK")
        self.assertTrue(c["areas"]["A"].startswith("Write path"))
        self.assertEqual(c["rules"]["F13"]["level"], "QUIRK")  # area F, once a placeholder, has rules

    def test_rule_markdown(self):
        t = render.md_inline("*Cases:* `write.short.*`, `write.large.*`. **H** a<b")
        self.assertEqual(t, "<i>Cases:</i> <code>write.short.*</code>, <code>write.large.*</code>. "
                            "<b>H</b> a&lt;b")

    def test_fixture_contract(self):
        c = bevreport.parse_contract(os.path.join(FIX, "CONTRACT.md"))
        self.assertEqual(sorted(c["rules"]), ["A1", "A2", "C1", "C2", "E1", "E2"])
        self.assertEqual(c["rules"]["A2"]["level"], "SHOULD")
        self.assertIn("*in order*", c["rules"]["A1"]["text"])

    def test_xfail_file(self):
        e = bevreport.parse_xfail(os.path.join(FIX, "impls/alt/xfail.txt"))
        self.assertEqual(bevreport.xfail_reason(e, "eof.xfail", "poll"),
                         "EOF is reported before the data's readcb (issue #12)")
        self.assertIsNotNone(bevreport.xfail_reason(e, "eof.xpass", "epoll"))
        self.assertIsNone(bevreport.xfail_reason(e, "eof.xpass", "poll"))
        self.assertIsNone(bevreport.xfail_reason(e, "write.basic", "poll"))
        bad = os.path.join(OUT, "bad-xfail.txt")
        with open(bad, "w") as f:
            f.write("write.basic\n")
        with self.assertRaises(ValueError):
            bevreport.parse_xfail(bad)


class TestRender(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.out = os.path.join(OUT, "fixture")
        cls.rc, cls.stdout = render_fixture(cls.out)
        with open(os.path.join(cls.out, "report.json")) as f:
            cls.report = json.load(f)
        cls.cells = {(r["impl"], r["backend"], r["case"]): r for r in cls.report["results"]}

    def test_exit_status_and_gate(self):
        self.assertEqual(self.rc, 1)
        g = self.report["gate"]
        self.assertFalse(g["ok"])
        self.assertEqual(sorted((f["impl"], f["backend"], f["case"], f["status"]) for f in g["failures"]),
                         [("alt", "epoll", "eof.crash", "CRASH"), ("alt", "poll", "eof.crash", "TIMEOUT"),
                          ("alt", "poll", "write.basic", "FAIL")])
        self.assertIn("gate FAILED: 3 MUST", self.stdout)

    def test_statuses(self):
        self.assertEqual(len(self.cells), 32)
        for key, status in EXPECTED.items():
            self.assertEqual(self.cells[key]["status"], status, key)
        self.assertEqual({r["status"] for r in self.report["results"]}, set(bevreport.STATUSES))
        self.assertEqual(self.cells[("alt", "poll", "write.should")]["reason"],
                         "not implemented: bufferevent_setcb")
        self.assertEqual(self.cells[("alt", "epoll", "eof.xfail")]["reason"],
                         "EOF is reported before the data's readcb (issue #12)")
        self.assertEqual(self.cells[("alt", "epoll", "eof.xfail")]["raw_status"], "FAIL")
        self.assertEqual(self.cells[("alt", "poll", "eof.xfail")]["raw_status"], "SKIP")
        self.assertEqual(self.cells[("alt", "poll", "eof.xfail")]["reason"],
                         "EOF is reported before the data's readcb (issue #12)"
                         " (not implemented: bufferevent_socket_connect)")
        self.assertIn("status DIFFERS vs oracle PASS", self.cells[("alt", "epoll", "wm.quirk.differs")]["reason"])

    def test_skip_is_not_a_must_failure(self):
        """An undeclared SKIP of a MUST case stays out of the gate; it lowers the API
        coverage, and conformance counts only the rules the implementation ran."""
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "results.jsonl")
            with open(path, "w") as f:
                for case, rule, status in (("a.one", "A1", "PASS"), ("a.two", "A2", "SKIP"),
                                           ("a.three", "A3", "FAIL")):
                    f.write(json.dumps({"impl": "x", "backend": "default", "case": case, "rule": rule,
                                        "level": "MUST", "status": status, "trace": []}) + "\n")
            contract = {"areas": {"A": "Write path"},
                        "rules": {r: {"level": "MUST", "text": "", "area": "A"} for r in ("A1", "A2", "A3")}}
            r = bevreport.build_report([{"impl": "x", "backend": "default", "results": path}], contract, "x")
        self.assertEqual([f["case"] for f in r["gate"]["failures"]], ["a.three"])
        self.assertEqual({k: r["scores"]["x"]["api"][k] for k in ("must_rules", "implemented", "conforming")},
                         {"must_rules": 3, "implemented": 2, "conforming": 1})

    def test_scores(self):
        s = self.report["scores"]
        self.assertEqual((s["libevent"]["MUST"]["passed"], s["libevent"]["MUST"]["total"]), (10, 10))
        self.assertEqual((s["alt"]["MUST"]["passed"], s["alt"]["MUST"]["total"]), (5, 10))
        self.assertEqual(s["alt"]["MUST"]["percent"], 50.0)
        self.assertEqual(s["alt"]["MUST"]["statuses"],
                         {"PASS": 4, "XPASS": 1, "XFAIL": 2, "FAIL": 1, "CRASH": 1, "TIMEOUT": 1})
        self.assertEqual((s["alt"]["SHOULD"]["passed"], s["alt"]["SHOULD"]["total"]), (1, 2))
        self.assertEqual(s["alt"]["QUIRK"]["statuses"], {"SAME-AS-ORACLE": 2, "DIFFERS": 2})

    def test_trace_diff(self):
        self.assertEqual(self.cells[("alt", "poll", "write.basic")]["trace_diff"],
                         [["+", "bev: writecb in=0 out=7 enabled=W"],
                          [" ", "bev: writecb in=0 out=0 enabled=W"]])
        crash = self.cells[("alt", "epoll", "eof.crash")]["trace_diff"]
        self.assertEqual([op for op, _ in crash], [" ", "-"])
        self.assertTrue(self.cells[("alt", "epoll", "wm.quirk.same")]["trace_same_as_oracle"])
        self.assertIsNone(self.cells[("libevent", "epoll", "write.basic")]["trace_diff"])

    def test_report_json_shape(self):
        r = self.report
        self.assertEqual(r["schema"], bevreport.SCHEMA)
        self.assertEqual([c["id"] for c in r["cases"]][:2], ["write.basic", "write.should"])
        self.assertEqual(list(r["areas"]), ["A", "C", "E"])
        self.assertEqual(r["rules"]["C1"]["level"], "MUST")
        self.assertEqual([i["name"] for i in r["implementations"]], ["libevent", "alt"])
        self.assertEqual(r["coverage"]["files"][0]["regress_lines"], 80.8)
        self.assertEqual(r["fuzz"][0]["findings"][0]["id"], "crash-3f2a9c")

    def test_html_matrix(self):
        with open(os.path.join(self.out, "index.html")) as f:
            page = f.read()
        p = Cells()
        p.feed(page)
        self.assertEqual(len(p.cells), 32)
        self.assertEqual(p.areas, ["A", "C", "E"])
        self.assertEqual(len(p.rows), 8)
        got = {}
        data = json.loads([s for a, s in p.scripts if a.get("id") == "report-data"][0])
        for a in p.cells:
            c = data["cells"][a["data-k"]]
            self.assertEqual(a["data-status"], c["status"])
            self.assertIn("st-" + c["status"], a["class"])
            got[(c["impl"], c["backend"], c["case"])] = a["data-status"]
        for key, status in EXPECTED.items():
            self.assertEqual(got[key], status, key)
        # rule text: Markdown rendered, HTML escaped
        self.assertIn("<code>writecb</code>", data["rules"]["A1"])
        self.assertIn("&lt;script&gt;alert(1)", data["rules"]["A1"])
        self.assertNotIn("<script>alert(1)", page)
        # self-contained: no external resources
        for bad in ("<link", " src=", "@import", "https://", "url("):
            self.assertNotIn(bad, page)
        self.assertIn("id=\"coverage\"", page)
        self.assertIn("<polyline", page)
        self.assertIn("crash-3f2a9c", page)
        self.assertIn("GATE FAILED", page)

    def test_markdown(self):
        with open(os.path.join(self.out, "report.md")) as f:
            md = f.read()
        self.assertIn("**Gate: FAILED.** 3 MUST", md)
        self.assertIn("| alt | epoll, poll | API coverage 100.0% (4/4 MUST rules), conformance 25.0% (1/4) "
                      "| 5/10 (50.0%) | 1/2 (50.0%) | 2 / 2 |", md)
        self.assertIn("| libevent (oracle) | epoll, poll | API coverage 100.0% (4/4 MUST rules), "
                      "conformance 100.0% (4/4) | 10/10 (100.0%) | 2/2 (100.0%) |", md)
        self.assertIn("+ bev: writecb in=0 out=7 enabled=W", md)
        self.assertIn("## Declared divergences (XFAIL) (2)", md)
        self.assertIn("## Unexpected passes (XPASS)", md)
        self.assertIn("| bufferevent_sock.c | 82.5% | 80.8% |", md)

    def test_junit(self):
        root = ET.parse(os.path.join(self.out, "junit.xml")).getroot()
        self.assertEqual(root.tag, "testsuites")
        self.assertEqual({k: root.get(k) for k in ("tests", "failures", "errors", "skipped")},
                         {"tests": "32", "failures": "1", "errors": "2", "skipped": "3"})
        suites = {s.get("name"): s for s in root}
        self.assertEqual(sorted(suites), ["alt/epoll", "alt/poll", "libevent/epoll", "libevent/poll"])
        tc = [t for t in suites["alt/poll"] if t.get("name") == "write.basic"][0]
        self.assertIn("expected: 0", tc.find("failure").text)
        tc = [t for t in suites["alt/epoll"] if t.get("name") == "eof.crash"][0]
        self.assertEqual(tc.find("error").get("type"), "CRASH")

    def test_oracle_only_passes_gate(self):
        rc, out = render_fixture(os.path.join(OUT, "oracle-only"), runs="runs-oracle-only.json")
        self.assertEqual(rc, 0, out)
        self.assertIn("gate passed", out)

    def test_run_without_results(self):
        rc, _ = render_fixture(os.path.join(OUT, "missing"), runs="runs-missing.json")
        self.assertEqual(rc, 1)
        with open(os.path.join(OUT, "missing", "report.json")) as f:
            r = json.load(f)
        self.assertEqual(r["gate"]["runs_without_results"], ["alt/select"])
        sel = [x for x in r["results"] if x["backend"] == "select"]
        self.assertEqual(len(sel), 8)
        self.assertEqual({x["status"] for x in sel}, {"CRASH"})
        self.assertIn("no results", sel[0]["message"])
        self.assertIn("exit status 2", sel[0]["message"])

    def test_other_oracle(self):
        rc, _ = render_fixture(os.path.join(OUT, "oracle-alt"), oracle="alt")
        with open(os.path.join(OUT, "oracle-alt", "report.json")) as f:
            r = json.load(f)
        cells = {(x["impl"], x["backend"], x["case"]): x for x in r["results"]}
        self.assertEqual(cells[("libevent", "epoll", "wm.quirk.differs")]["status"], "DIFFERS")
        self.assertEqual(cells[("alt", "epoll", "wm.quirk.differs")]["status"], "DIFFERS")  # vs libevent 2.1
        self.assertIsNotNone(cells[("libevent", "poll", "write.basic")]["trace_diff"])


class TestDiff(unittest.TestCase):
    OLD = os.path.join(FIX, "diff", "old-report.json")
    NEW = os.path.join(FIX, "diff", "new-report.json")

    def test_compare(self):
        d = diff.compare(diff.load(self.OLD), diff.load(self.NEW))
        cell = lambda xs: sorted((x["impl"], x["backend"], x["case"], x.get("old"), x.get("new")) for x in xs)
        self.assertEqual(cell(d["regressions"]), [("alt", "epoll", "wm.must", "PASS", "FAIL"),
                                                  ("libevent", "poll", "eof.xpass", "PASS", "SKIP")])
        self.assertEqual(cell(d["fixes"]), [("alt", "poll", "write.basic", "FAIL", "PASS")])
        self.assertEqual(cell(d["changed"]), [("alt", "epoll", "eof.crash", "CRASH", "TIMEOUT")])
        self.assertEqual(cell(d["added"]), [("libevent", "epoll", "wm.new", None, "PASS")])
        self.assertEqual(cell(d["removed"]), [("alt", "poll", "wm.must", "PASS", None)])
        traces = {(x["impl"], x["backend"], x["case"]): x["diff"] for x in d["trace_changed"]}
        self.assertIn(("libevent", "epoll", "wm.must"), traces)
        self.assertIn("+bev: readcb in=12 out=0 enabled=R", traces[("libevent", "epoll", "wm.must")])
        self.assertNotIn(("libevent", "epoll", "wm.quirk.same"), traces)  # errno-only change

    def test_exit_status(self):
        with redirect_stdout(io.StringIO()) as buf:
            self.assertEqual(diff.main([self.OLD, self.NEW]), 1)
            self.assertEqual(diff.main([self.OLD, self.OLD]), 0)
            self.assertEqual(diff.main([self.NEW, self.OLD]), 1)   # the other way round too
        self.assertIn("regressions: 2", buf.getvalue())
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()) as err:
            self.assertEqual(diff.main([self.OLD, os.path.join(FIX, "runs.json")]), 2)
        self.assertIn("not a bevconf-report/1 report", err.getvalue())


class TestBrowser(unittest.TestCase):
    """index.html in headless Chromium: loads without script errors, the matrix is there,
    a cell's detail opens; the screenshot stays in OUT."""

    @classmethod
    def setUpClass(cls):
        if not browser.find_chromium():
            raise AssertionError("chromium not found: run `make deps` (it installs Debian's chromium)")
        cls.page = os.path.join(OUT, "fixture", "index.html")
        if not os.path.exists(cls.page):
            render_fixture(os.path.join(OUT, "fixture"))

    def test_loads_without_errors(self):
        dom = browser.dump_dom(self.page)
        self.assertIn('data-ready="32"', dom)          # the page's script ran to its end
        self.assertNotIn('<pre id="js-errors"', dom)   # window.onerror writes errors here
        p = Cells()
        p.feed(dom)
        self.assertEqual(len(p.cells), 32)
        self.assertIn('id="matrix"', dom)

    def test_detail_opens(self):
        dom = browser.dump_dom(self.page, "alt/poll/write.basic")
        self.assertNotIn('<pre id="js-errors"', dom)
        self.assertIn("has-detail", dom)
        self.assertIn("Trace against libevent (poll)", dom)
        self.assertIn("+ bev: writecb in=0 out=7 enabled=W", dom)
        self.assertIn("output length at the first writecb", dom)

    def test_screenshot(self):
        png = browser.screenshot(self.page, os.path.join(OUT, "screenshot.png"),
                                 fragment="alt/poll/write.basic")
        with open(png, "rb") as f:
            head = f.read(8)
        self.assertEqual(head, b"\x89PNG\r\n\x1a\n")
        self.assertGreater(os.path.getsize(png), 20000)


if __name__ == "__main__":
    unittest.main()
