"""mutate: one-line operator mutants of a libevent source file, for make mutation.

A mutant changes one token (or deletes one statement) on one line, and only on a line the
Linux build compiles: the candidate lines are those the preprocessed file (cc -E, the
tree's own config.h) has tokens for, so code under #ifdef _WIN32 and the like is never
mutated. Comments and string literals are never touched.

A mutant's id is FILE:LINE:OPK, the K-th mutant of operator OP on that line (buffer.c:1776:rel0);
the same tree always gives the same ids, so an id names a mutant for good (the equivalents
list, make test's smoke, `make mutation IDS=...`).

Operators (OPERATORS below): rel (< <= > >= == !=), logic (&& ||), arith (binary + -,
+= -=), const (an integer literal +1 and -1), negate (the condition of an if or while),
delete (a statement that is a call or an assignment; not locking, logging or assertions: NOT_DELETED),
return (0 and -1), swap (EV_READ and
EV_WRITE, BEV_EVENT_READING and BEV_EVENT_WRITING)."""
import re
import subprocess
from collections import namedtuple

OPERATORS = ("rel", "logic", "arith", "const", "negate", "delete", "return", "swap")

Mutant = namedtuple("Mutant", "id file line op old new")

REL = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "=="}
SWAP = {"EV_READ": "EV_WRITE", "EV_WRITE": "EV_READ",
        "BEV_EVENT_READING": "BEV_EVENT_WRITING", "BEV_EVENT_WRITING": "BEV_EVENT_READING"}
# Operators as the lexer sees them, longest first, so that `<<=` is never read as `<`.
PUNCT = re.compile(r"<<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||\+=|-=|[<>+\-]")
WORD = re.compile(r"[A-Za-z_]\w*|\d[\w.]*")
KEYWORDS = {"return", "if", "while", "for", "switch", "case", "goto", "else", "do", "sizeof"}
CALL_STMT = re.compile(r"^(\s*)[A-Za-z_][\w.\->]*\s*\(.*\)\s*;\s*$")
ASSIGN_STMT = re.compile(r"^(\s*)[*(]*[A-Za-z_][\w.\->\[\]()]*\s*(=|\+=|-=|\|=|&=|<<=|>>=)\s*[^=].*;\s*$")
RETURN_CONST = re.compile(r"\breturn\s*\(?\s*(0|-1)\s*\)?\s*;")
CONDITION = re.compile(r"\b(if|while)\s*\(")
# Statements not deleted: locking (a no-op without threads), logging and assertions;
# deleting one is equivalent by construction for every single-threaded correct program.
NOT_DELETED = re.compile(r"^\s*(\w*LOCK\w*|EVUTIL_ASSERT|EVUTIL_FAILURE_CHECK|event_debug|event_warnx?|"
                         r"event_msgx|event_sock_warn|_?bev_group_(un)?lock\w*)\s*\(")


def blank_comments_and_strings(text):
    """The text with every comment and string or character literal replaced by spaces
    (newlines kept), so that offsets and line numbers stay those of the source."""
    out, i, n = list(text), 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
        elif text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
        elif c in "\"'":
            end = i + 1
            while end < n and text[end] != c and text[end] != "\n":
                end += 2 if text[end] == "\\" else 1
            end += 1
        else:
            i += 1
            continue
        for k in range(i, min(end, n)):
            if out[k] != "\n":
                out[k] = " "
        i = end
    return "".join(out)


def compiled_lines(tree, name, cc="cc"):
    """The line numbers of `name` (in tree) the Linux build compiles: those its preprocessed
    output has tokens for."""
    p = subprocess.run([cc, "-E", "-DHAVE_CONFIG_H", "-I.", "-Iinclude", "-Icompat", name],
                       cwd=tree, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"cc -E {name} failed: {p.stderr.strip().splitlines()[-1:]}")
    lines, current, line = set(), None, 0
    marker = re.compile(r'^# (\d+) "([^"]*)"')
    for text in p.stdout.splitlines():
        m = marker.match(text)
        if m:
            line, current = int(m.group(1)), m.group(2)
            continue
        if current == name and text.strip():
            lines.add(line)
        line += 1
    return lines


def _binary(code, at):
    """Whether the operator at offset `at` has an operand on its left (binary, not unary)."""
    left = code[:at].rstrip()
    word = re.search(r"\w+$", left)
    return bool(left) and (left[-1] in ")]" or bool(word) and word.group() not in KEYWORDS)


def line_mutants(code, raw):
    """(op, new line) for each mutant of one line: `code` is the line with comments and
    strings blanked, `raw` the line as written."""
    found = []

    def put(op, start, end, text):
        found.append((op, raw[:start] + text + raw[end:]))

    for m in PUNCT.finditer(code):
        tok, s, e = m.group(), m.start(), m.end()
        if tok in REL:
            put("rel", s, e, REL[tok])
        elif tok in ("&&", "||"):
            put("logic", s, e, "||" if tok == "&&" else "&&")
        elif tok in ("+=", "-="):
            put("arith", s, e, "-=" if tok == "+=" else "+=")
        elif tok in "+-" and _binary(code, s):
            put("arith", s, e, "-" if tok == "+" else "+")
    for m in WORD.finditer(code):
        tok, s, e = m.group(), m.start(), m.end()
        if tok in SWAP:
            put("swap", s, e, SWAP[tok])
        elif re.fullmatch(r"\d+[uUlL]*", tok) and not RETURN_CONST.search(code):
            digits = re.match(r"\d+", tok).group()
            if len(digits) > 1 and digits.startswith("0"):
                continue  # octal: leave it
            n = int(digits)
            put("const", s, s + len(digits), str(n + 1))
            if n > 0:
                put("const", s, s + len(digits), str(n - 1))
    for m in CONDITION.finditer(code):
        depth, k = 0, m.end() - 1
        while k < len(code):
            depth += {"(": 1, ")": -1}.get(code[k], 0)
            if depth == 0:
                break
            k += 1
        if depth == 0 and k > m.end():
            inner = raw[m.end():k]
            found.append(("negate", raw[:m.end()] + "!(" + inner + ")" + raw[k:]))
    first = WORD.match(code.lstrip())
    statement = first and first.group() not in KEYWORDS
    if statement and (CALL_STMT.match(code) or ASSIGN_STMT.match(code)) and "{" not in code \
            and not NOT_DELETED.match(code):
        indent = re.match(r"\s*", raw).group()
        found.append(("delete", indent + ";"))
    m = RETURN_CONST.search(code)
    if m:
        put("return", m.start(1), m.end(1), "-1" if m.group(1) == "0" else "0")
    return found


def mutants_of(tree, name, cc="cc"):
    """Every mutant of tree/name, in line order."""
    with open(f"{tree}/{name}", encoding="utf-8", errors="surrogateescape") as f:
        text = f.read()
    raw_lines = text.split("\n")
    code_lines = blank_comments_and_strings(text).split("\n")
    out = []
    for line in sorted(compiled_lines(tree, name, cc)):
        if line > len(raw_lines):
            continue
        raw, code = raw_lines[line - 1], code_lines[line - 1]
        counts = {}
        for op, new in line_mutants(code, raw):
            k = counts.get(op, 0)
            counts[op] = k + 1
            out.append(Mutant(f"{name}:{line}:{op}{k}", name, line, op, raw, new))
    return out


def apply(tree_text, mutant):
    """The file's text with the mutant applied (its line checked first)."""
    lines = tree_text.split("\n")
    if lines[mutant.line - 1] != mutant.old:
        raise ValueError(f"{mutant.id}: line {mutant.line} is not {mutant.old.strip()!r}")
    lines[mutant.line - 1] = mutant.new
    return "\n".join(lines)
