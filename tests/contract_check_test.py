#!/usr/bin/env python3
"""contract_check_test.py: contract_check.py passes a consistent contract and reports each kind
of problem in a deliberately broken copy. Run: python3 tests/contract_check_test.py"""
import os
import subprocess
import sys
import tempfile
import unittest

CHECK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "contract_check.py")

CASES_DEF = '''/* the list */
#include "a.def"  /* A */
'''
A_DEF = '''/* A: rows over several lines, a comment between them */
X(f, "a.one", "A1", MUST,
  "one, with a comma and an \\"escaped\\" quote", 0)
// a line comment
X(f, "a.one.defer", "A1,A2", MUST,
  "As a.one, " "deferred", BC_DEFER | 1)
X(g, "a.odd", "A2", QUIRK, "odd", 0)
'''
CONTRACT = '''# contract

## A. Area

**A1** (MUST) One thing. *Cases:* `a.one*`.

**A2** (QUIRK) An oddity,
over two lines. *Cases:* `a.one.defer`,
`a.odd`.
*ref:* does otherwise.
'''


class ContractCheck(unittest.TestCase):
    def run_check(self, contract=CONTRACT, a_def=A_DEF, *extra):
        d = tempfile.mkdtemp()
        self.addCleanup(subprocess.run, ["rm", "-rf", d])
        for name, text in (("cases.def", CASES_DEF), ("a.def", a_def), ("CONTRACT.md", contract)):
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
        self.contract = os.path.join(d, "CONTRACT.md")
        p = subprocess.run([sys.executable, CHECK, "--contract", self.contract, "--cases-dir", d, *extra],
                           capture_output=True, text=True)
        return p.returncode, p.stdout + p.stderr

    def expect(self, want_rc, want, **kw):
        rc, out = self.run_check(**kw)
        self.assertEqual(rc, want_rc, out)
        for w in want:
            self.assertIn(w, out)
        return out

    def test_consistent(self):
        self.expect(0, ["contract: 2 rules, 3 cases, all consistent"])

    def test_rule_no_case_cites(self):
        self.expect(1, ["A3 (SHOULD) is cited by no case", "1 problem(s)"],
                    contract=CONTRACT + "\n**A3** (SHOULD) Nobody checks this.\n")

    def test_unknown_rule(self):
        self.expect(1, ["a.odd cites A9, which", "A2 *Cases:* `a.odd` takes in a.odd, which does not cite A2"],
                    a_def=A_DEF.replace('"a.odd", "A2"', '"a.odd", "A9"'))

    def test_wrong_level(self):
        self.expect(1, ["a.def:7: a.odd is SHOULD but the rules it cites are A2 QUIRK"],
                    a_def=A_DEF.replace("QUIRK", "SHOULD"))

    def test_stale_lists(self):
        out = self.expect(1, ["A1 *Cases:* `a.*` takes in a.odd, which does not cite A1",
                              "A2 *Cases:* `a.gone` matches no case",
                              "A2 *Cases:* misses a.odd, which cites A2",
                              "--write"],
                          contract=CONTRACT.replace("`a.one*`", "`a.*`").replace("`a.odd`", "`a.gone`"))
        self.assertEqual(out.count("\n"), 4, out)   # 3 problems and the summary

    def test_note_in_list(self):
        self.expect(1, ["A1 *Cases:* holds text that is not a `pattern`: (the fast one)"],
                    contract=CONTRACT.replace("`a.one*`.", "`a.one*` (the fast one)."))

    def test_write_regenerates(self):
        rc, out = self.run_check(CONTRACT.replace("`a.one*`", "`a.nothing`"), A_DEF, "--write")
        self.assertEqual(rc, 0, out)
        self.assertIn("rewrote the *Cases:* lists of A1\n", out)
        with open(self.contract) as f:
            self.assertIn("**A1** (MUST) One thing. *Cases:* `a.one*`.\n", f.read())

    def test_bad_input(self):
        self.expect(2, ["a.def:7: unterminated string"], a_def=A_DEF.replace('"odd", 0)', '"odd, 0)'))
        self.expect(2, ["X(...) has 5 arguments"], a_def=A_DEF.replace('"odd", 0)', '"odd")'))
        self.expect(2, ["a rule starts"], contract=CONTRACT.replace("(QUIRK)", "(MAYBE)"))


if __name__ == "__main__":
    unittest.main()
