#!/usr/bin/env python3
"""contract_check.py: cases/CONTRACT.md and the case list (cases/cases.def) agree.

  (a) every rule of CONTRACT.md is cited by at least one case;
  (b) every rule a case cites exists;
  (c) a case's level (MUST, SHOULD, QUIRK) is the level of at least one rule it cites;
  (d) each rule's *Cases:* list names exactly the cases that cite the rule.

A *Cases:* list is a run of backquoted id patterns: an id (`write.zero`), a glob where `*`
stands for any run of characters (`write.short.*`, `free.readcb*`, `timeout.*.defer`), or a
brace alternation (`evbuffer.peek.{whole,from}`). The list is current when every case the
patterns match cites the rule, every case citing the rule is matched, and every pattern
matches something. Notes belong in the rule text, not in the list.

--write rewrites the lists that are not current (missing ones too) from the case list, as
ids and prefix globs (`p*` when p is itself an id, `p.*` otherwise), keeping every list that
is already current as written. It then checks again.

One line per problem; exit 0 when consistent, 1 on problems, 2 when a file cannot be read
or parsed. The case list is read straight from the .def files (cases.def and the files it
#includes), so no build is needed."""
import argparse
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LEVELS = ("MUST", "SHOULD", "QUIRK")
WIDTH = 100  # CONTRACT.md's line width, for rewritten lists


class BadInput(Exception):
    pass


def show(path):
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


# ---- the case list ----

class Case:
    def __init__(self, ident, rules, level, path, line):
        self.id, self.rules, self.level, self.path, self.line = ident, rules, level, path, line

    def where(self):
        return f"{show(self.path)}:{self.line}"


TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<comment>/\*.*?\*/|//[^\n]*)
  | (?P<directive>^[ \t]*\#[^\n]*)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<word>[A-Za-z_0-9]+)
  | (?P<punct>[(),|&+\-<>~!*/%^.?:])
""", re.X | re.M | re.S)


def tokens(path, text):
    """(kind, value, line) for every token that is not space or a comment."""
    pos, line = 0, 1
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            what = "unterminated comment" if text.startswith("/*", pos) else \
                "unterminated string" if text[pos] == '"' else f"unexpected {text[pos]!r}"
            raise BadInput(f"{show(path)}:{line}: {what}")
        kind = m.lastgroup
        if kind not in ("space", "comment"):
            yield kind, m.group(), line
        line += m.group().count("\n")
        pos = m.end()


def unquote(s):
    return re.sub(r"\\(.)", r"\1", s[1:-1])


def read_def(path, cases, seen):
    """Append the X(...) rows of path (and of the files it #includes) to cases."""
    real = os.path.realpath(path)
    if real in seen:
        raise BadInput(f"{show(path)}: included twice")
    seen.add(real)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise BadInput(f"{show(path)}: {e.strerror}")
    toks = list(tokens(path, text))
    i = 0
    while i < len(toks):
        kind, val, line = toks[i]
        if kind == "directive":
            m = re.fullmatch(r'\s*#\s*include\s+"([^"]+)"\s*(/\*.*\*/)?\s*', val)
            if not m:
                raise BadInput(f"{show(path)}:{line}: only #include \"file\" is understood: {val.strip()}")
            read_def(os.path.join(os.path.dirname(path), m.group(1)), cases, seen)
            i += 1
            continue
        if (kind, val) != ("word", "X") or i + 1 >= len(toks) or toks[i + 1][1] != "(":
            raise BadInput(f"{show(path)}:{line}: expected X(...), got {val!r}")
        # the arguments: split at top-level commas, up to the matching ')'
        args, cur, depth, i = [], [], 0, i + 2
        while True:
            if i >= len(toks):
                raise BadInput(f"{show(path)}:{line}: X( without its closing ')'")
            k, v, _ = toks[i]
            i += 1
            if v == "(":
                depth += 1
            elif v == ")":
                if depth == 0:
                    args.append(cur)
                    break
                depth -= 1
            elif v == "," and depth == 0:
                args.append(cur)
                cur = []
                continue
            cur.append((k, v))
        if len(args) != 6:
            raise BadInput(f"{show(path)}:{line}: X(...) has {len(args)} arguments, not 6")

        def string(n, what):
            if not args[n] or any(k != "string" for k, _ in args[n]):
                raise BadInput(f"{show(path)}:{line}: the {what} (argument {n + 1}) is not a string")
            return "".join(unquote(v) for _, v in args[n])

        ident = string(1, "id")
        rules = [r.strip() for r in string(2, "rule list").split(",")]
        string(4, "requirement")
        if len(args[3]) != 1 or args[3][0][1] not in LEVELS:
            raise BadInput(f"{show(path)}:{line}: {ident}: level is not MUST, SHOULD or QUIRK")
        cases.append(Case(ident, rules, args[3][0][1], path, line))


def read_cases(cases_dir):
    cases = []
    read_def(os.path.join(cases_dir, "cases.def"), cases, set())
    return cases


# ---- the contract ----

RULE_HEAD = re.compile(r"\*\*([A-Z][0-9]+)\*\* \((MUST|SHOULD|QUIRK)\)")
CASES_TAG = "*Cases:*"


class Rule:
    def __init__(self, ident, level, line):
        self.id, self.level, self.line = ident, level, line
        self.end = line          # last line (1-based, inclusive) of the rule's text
        self.field = None        # (first line, column of the tag, last line) of its *Cases:* list
        self.patterns = []       # the backquoted patterns of its *Cases:* list
        self.junk = None         # text in the list that is not a pattern


def read_contract(path):
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
    except OSError as e:
        raise BadInput(f"{show(path)}: {e.strerror}")
    rules, cur = [], None
    for n, text in enumerate(lines, 1):
        if text.startswith("**") and re.match(r"\*\*[A-Z][0-9]+\*\*", text):
            m = RULE_HEAD.match(text)
            if not m:
                raise BadInput(f"{show(path)}:{n}: a rule starts `**Id** (MUST|SHOULD|QUIRK)`: {text[:40]}")
            cur = Rule(m.group(1), m.group(2), n)
            rules.append(cur)
        elif text.startswith("#"):
            cur = None
        if cur is not None and text.strip():
            cur.end = n
    for r in rules:
        find_field(r, lines, path)
    return rules, lines


def find_field(rule, lines, path):
    """Locate the rule's *Cases:* list: from the tag to the end of the paragraph, or to a line
    starting with another *tag:* (e.g. *ref:*)."""
    for n in range(rule.line, rule.end + 1):
        col = lines[n - 1].find(CASES_TAG)
        if col < 0:
            continue
        if rule.field:
            raise BadInput(f"{show(path)}:{n}: {rule.id} has a second {CASES_TAG} list")
        last = n
        while last < rule.end and lines[last].strip() and not re.match(r"\s*\*[a-z]+:\*", lines[last]):
            last += 1
        body = [lines[n - 1][col + len(CASES_TAG):]] + lines[n:last]
        rule.field = (n, col, last)
        text = " ".join(s.strip() for s in body)
        rule.patterns = re.findall(r"`([^`]*)`", text)
        if not rule.patterns:
            rule.junk = text.strip() or "(nothing)"
        # between the patterns only commas, "and" and a final full stop
        for sep in re.split(r"`[^`]*`", text):
            if re.sub(r"\band\b", "", sep).strip(" ,.;"):
                at = text.find(sep.strip())
                rule.junk = text[at:at + 60].strip() + ("..." if len(text) > at + 60 else "")
                break


def pattern_regex(pat):
    out, i = "", 0
    while i < len(pat):
        c = pat[i]
        if c == "*":
            out += ".*"
        elif c == "{":
            j = pat.find("}", i)
            if j < 0:
                return None
            out += "(?:" + "|".join(re.escape(a) for a in pat[i + 1:j].split(",")) + ")"
            i = j
        elif c in "}?[]":
            return None
        else:
            out += re.escape(c)
        i += 1
    return re.compile(out + r"\Z")


# ---- the checks ----

def check(rules, cases, contract):
    """One line per problem."""
    problems = []
    cpath = show(contract)
    by_id, dup = {}, set()
    for r in rules:
        if r.id in by_id:
            problems.append(f"{cpath}:{r.line}: rule {r.id} is defined twice (also line {by_id[r.id].line})")
            dup.add(r.id)
        by_id.setdefault(r.id, r)
    seen = {}
    for c in cases:
        if c.id in seen:
            problems.append(f"{c.where()}: case {c.id} is declared twice (also {seen[c.id].where()})")
        seen.setdefault(c.id, c)
    citing = {r.id: [] for r in rules}
    for c in cases:
        levels = []
        for rid in c.rules:
            if rid not in by_id:
                problems.append(f"{c.where()}: {c.id} cites {rid or '(an empty rule id)'}, "
                                f"which {cpath} does not define")
                continue
            citing[rid].append(c.id)
            levels.append(by_id[rid].level)
        if levels and c.level not in levels:
            problems.append(f"{c.where()}: {c.id} is {c.level} but the rules it cites are "
                            + ", ".join(f"{rid} {by_id[rid].level}" for rid in c.rules if rid in by_id))
    ids = [c.id for c in cases]
    for r in rules:
        if r.id in dup and by_id[r.id] is not r:
            continue
        where = f"{cpath}:{r.line}: {r.id}"
        if not citing[r.id]:
            problems.append(f"{where} ({r.level}) is cited by no case")
        problems += list_problems(r, set(citing[r.id]), ids, cpath)
    return problems


def list_problems(r, cited, ids, cpath):
    if r.field is None:
        return [f"{cpath}:{r.line}: {r.id} has no {CASES_TAG} list"] if cited else []
    where = f"{cpath}:{r.field[0]}: {r.id} {CASES_TAG}"
    if r.junk:
        return [f"{where} holds text that is not a `pattern`: {r.junk} (notes go in the rule text)"]
    out, listed = [], set()
    for p in r.patterns:
        rx = pattern_regex(p)
        if rx is None:
            out.append(f"{where} `{p}` is not a pattern (only * and {{a,b}} are special)")
            continue
        hit = [i for i in ids if rx.match(i)]
        if not hit:
            out.append(f"{where} `{p}` matches no case")
        for i in hit:
            if i not in cited and i not in listed:
                out.append(f"{where} `{p}` takes in {i}, which does not cite {r.id}")
            listed.add(i)
    for i in ids:
        if i in cited and i not in listed:
            out.append(f"{where} misses {i}, which cites {r.id}")
            listed.add(i)
    return out


# ---- --write ----

def compress(cited, ids):
    """Patterns naming exactly `cited` among `ids`: for each cited id the shortest dot-prefix p
    whose glob (`p*` if p is an id, else `p.*`) matches two or more ids, all of them cited;
    else the id itself."""
    known, pats, covered = set(ids), [], set()
    for ident in ids:
        if ident not in cited or ident in covered:
            continue
        comps = ident.split(".")
        for k in range(1, len(comps) + 1):
            p = ".".join(comps[:k])
            pat = p + "*" if p in known else p + ".*"
            hit = [i for i in ids if pattern_regex(pat).match(i)]
            if len(hit) >= 2 and all(i in cited for i in hit) and ident in hit:
                break
        else:
            pat, hit = ident, [ident]
        pats.append(pat)
        covered.update(hit)
    return pats


def wrap(prefix, pats):
    """The list's lines: prefix (the text before the tag on its first line) + the tag + the
    patterns, wrapped at WIDTH."""
    words = [CASES_TAG] + [f"`{p}`" + ("," if n < len(pats) - 1 else ".") for n, p in enumerate(pats)]
    lines, cur = [], prefix.rstrip()
    for w in words:
        if cur and len(cur) + 1 + len(w) > WIDTH:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}" if cur else w
    return lines + [cur]


def write(rules, cases, lines, contract):
    """Rewrite every list that is not current; returns the ids of the rules rewritten."""
    ids = [c.id for c in cases]
    citing = {r.id: set() for r in rules}
    for c in cases:
        for rid in c.rules:
            if rid in citing:
                citing[rid].add(c.id)
    edits = []
    for r in rules:
        if not citing[r.id] or not list_problems(r, citing[r.id], ids, show(contract)):
            continue
        pats = compress(citing[r.id], ids)
        if r.field is None:   # a new line at the end of the rule's first paragraph
            n = r.line
            while n < r.end and lines[n].strip() and not re.match(r"\s*\*[a-z]+:\*", lines[n]):
                n += 1
            edits.append((n + 1, n, wrap("", pats)))
        else:
            first, col, last = r.field
            edits.append((first, last, wrap(lines[first - 1][:col], pats)))
    for first, last, new in sorted(edits, reverse=True):
        lines[first - 1:last] = new
    if edits:
        with open(contract, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
    return [r.id for r in rules if citing[r.id] and list_problems(r, citing[r.id], ids, show(contract))]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--contract", default=os.path.join(ROOT, "cases", "CONTRACT.md"))
    ap.add_argument("--cases-dir", default=os.path.join(ROOT, "cases"),
                    help="the directory holding cases.def (default: cases/)")
    ap.add_argument("--write", action="store_true",
                    help="rewrite the *Cases:* lists that are not current, then check")
    a = ap.parse_args(argv)
    try:
        cases = read_cases(a.cases_dir)
        rules, lines = read_contract(a.contract)
        if a.write:
            done = write(rules, cases, lines, a.contract)
            if done:
                print(f"contract: rewrote the {CASES_TAG} lists of " + ", ".join(done))
                rules, lines = read_contract(a.contract)
    except BadInput as e:
        print(f"contract: bad input: {e}", file=sys.stderr)
        return 2
    problems = check(rules, cases, a.contract)
    for p in problems:
        print(p)
    head = f"contract: {len(rules)} rules, {len(cases)} cases"
    if problems:
        hint = "" if a.write or not any(CASES_TAG in p for p in problems) \
            else f" (stale {CASES_TAG} lists: python3 {show(os.path.abspath(__file__))} --write)"
        print(f"{head}, {len(problems)} problem(s){hint}")
        return 1
    print(f"{head}, all consistent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
