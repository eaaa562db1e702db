#!/usr/bin/env python3
"""compile_case.py SRC OBJ CC ARGS... (run by mk/compile-case.sh): compile one case file.

A case function starts at a line `void name(struct bc_ctx *t)` and its body runs from the
next `{` to the matching `}`. When the file does not compile against the implementation
(its headers lack a type, a constant, a header), only the case functions holding an
error are replaced, in a copy of the file, by one that reports

    SKIP does not compile against this implementation: 'EVBUFFER_EOL_CRLF' undeclared

and the copy is compiled again, until it compiles. An error in a static helper or a global
removes that item and replaces every case that uses it (directly or through another
helper), with the error and the item's name as the reason. An error the compiler places
outside every item (in a header the file includes) replaces every case of the file. The
copy keeps the file's name and line numbers (#line), so every other case reports its
`file:line` as before. One note line says what was replaced."""
import os
import re
import subprocess
import sys

CASE = re.compile(r"^void ([A-Za-z_]\w*)\(struct bc_ctx \*t\)$")
DIAG = re.compile(r"^(.+?):(\d+):(?:\d+:)? (fatal error|error|warning|note): (.*)$")
IDENT = re.compile(r"[A-Za-z_]\w*")
PREAMBLE = "void bc_skip(const char *reason) __attribute__((noreturn));\n"


def blank(text):
    """text with comments, string and character literals turned into spaces (newlines
    kept), so braces, semicolons and identifiers can be counted."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
        else:
            out.append(c)
            i += 1
            continue
        out.append("".join(ch if ch == "\n" else " " for ch in text[i:j]))
        i = j
    return "".join(out)


class Item:
    """A top-level definition or declaration: lines first..last (1-based)."""

    def __init__(self, kind, name, first, last, body_first=None):
        self.kind, self.name, self.first, self.last = kind, name, first, last
        self.body_first = body_first  # a function: the line of its opening brace

    def __repr__(self):
        return f"{self.kind} {self.name} {self.first}-{self.last}"


def function_name(header):
    """The name before the last parenthesised group of a function's header."""
    h = re.sub(r"__attribute__\s*\(\(.*?\)\)\s*$", "", header.strip()).rstrip()
    if not h.endswith(")"):
        return None
    depth = 0
    for k in range(len(h) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(h[k], 0)
        if depth == 0:
            m = re.search(r"([A-Za-z_]\w*)\s*$", h[:k])
            return m.group(1) if m else None
    return None


def data_name(header):
    m = re.match(r"[^=\[;(]*?([A-Za-z_]\w*)\s*(?:\[|=|;|$)", header.strip().replace("\n", " "))
    return m.group(1) if m else None


def parse(text):
    """The top-level items of a C file, from its blanked text."""
    b = blank(text)
    items, line, depth = [], 1, 0
    start = None          # line where the current item began
    header = []           # the item's text at depth 0
    fn_header = None      # set when the item's first brace opens a function body
    body_line = None
    i, n = 0, len(b)
    at_line_start = True
    while i < n:
        c = b[i]
        if c == "\n":
            line += 1
            at_line_start = True
            if depth == 0 and start is not None:
                header.append(" ")
            i += 1
            continue
        if at_line_start and depth == 0 and start is None and c == "#":
            while i < n and b[i] != "\n":      # a preprocessor line (and its continuations)
                if b[i] == "\\" and i + 1 < n and b[i + 1] == "\n":
                    line += 1
                    i += 1
                i += 1
            continue
        if not c.isspace():
            at_line_start = False
            if start is None and depth == 0:
                start, header, fn_header = line, [], None
        if c == "{":
            if depth == 0 and fn_header is None:
                h = "".join(header)
                fn_header = h if "=" not in h and function_name(h) else ""
                body_line = line
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0 and fn_header:
                name = function_name(fn_header)
                first_line = text.splitlines()[start - 1] if start else ""
                kind = "case" if CASE.match(first_line) else "function"
                items.append(Item(kind, name, start, line, body_line))
                start = None
        elif c == ";" and depth == 0 and start is not None:
            h = "".join(header)
            if fn_header is None and "(" in h and "=" not in h:
                items.append(Item("declaration", function_name(h), start, line))
            else:
                items.append(Item("data", data_name(h), start, line))
            start = None
        elif depth == 0 and start is not None:
            header.append(c)
        i += 1
    return items, b


def diagnostics(log, src):
    """[(line in src or None, message)] for each error, with the lines of src the
    compiler's notes point to (a macro's expansion) as fall-backs."""
    errors = []
    for raw in log.splitlines():
        m = DIAG.match(raw)
        if not m:
            continue
        path, num, kind, msg = m.group(1), int(m.group(2)), m.group(3), m.group(4)
        here = os.path.normpath(path) == os.path.normpath(src)
        if kind in ("error", "fatal error"):
            errors.append({"msg": msg, "lines": [num] if here else []})
        elif kind == "note" and errors and here and "expansion of macro" in msg:
            errors[-1]["lines"].append(num)
    return errors


def implicit_names(log):
    return {n for n in IMPLICIT.findall(log)}


def better_reason(reason, body, implicit):
    """An error that does not name what is missing (a struct returned by a function the
    headers do not declare: 'invalid initializer') gives way to that function's name."""
    if re.search(r"undeclared|unknown type name|no member|incomplete type|storage size|#error", reason):
        return reason
    for m in re.finditer(r"\b([A-Za-z_]\w*)\s*\(", body):
        if m.group(1) in implicit:
            return f"'{m.group(1)}' undeclared"
    return reason


def reason_of(msg):
    """The compiler's message, short and safe inside a C string literal."""
    msg = re.sub(r"; did you mean .*$", "", msg)
    msg = re.sub(r" \(first use in this function\)$", "", msg)
    msg = re.sub(r"^use of undeclared identifier ('.*')$", r"\1 undeclared", msg)
    msg = re.sub(r"^('.*') undeclared here \(not in a function\)$", r"\1 undeclared", msg)
    msg = msg.replace("\\", "/").replace('"', "'")
    msg = "".join(ch for ch in msg if 32 <= ord(ch) < 127)
    return msg[:160]


FROM = re.compile(r"^\s+from \S+:\d+[:,]$")
IMPLICIT = re.compile(r"implicit declaration of function '(\w+)'")


def quiet_implicit(log, src):
    """The compiler's output without the warnings that only say the headers do not
    declare a function the file calls (and what follows from it: an int used as a
    pointer), plus one line naming those functions. Such a call is expected: when the
    library lacks the function, the link stubs it (mk/link.sh)."""
    blocks, pending = [], []
    for line in log.splitlines():
        m = DIAG.match(line)
        if m and m.group(3) in ("warning", "error", "fatal error"):
            blocks.append(pending + [line])
            pending = []
        elif m and blocks:              # a note belongs to the diagnostic before it
            blocks[-1] += pending + [line]
            pending = []
        elif re.match(r"^\d+ warnings? generated\.$", line):
            continue
        elif line.startswith("In file included from") or FROM.match(line) or ": In function " in line \
                or ": At top level:" in line or not blocks:
            pending.append(line)        # what leads to the next diagnostic
        else:
            blocks[-1].append(line)     # the source excerpt, the caret, a fix-it
    names = sorted({n for b in blocks if "-Wimplicit-function-declaration" in b[-1] or
                    any("-Wimplicit-function-declaration" in line for line in b)
                    for n in IMPLICIT.findall("\n".join(b))})
    if not names:
        return log
    called = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\s*\(")
    with open(src, encoding="utf-8") as f:
        lines = f.read().split("\n")
    kept, carry = [], []
    for b in blocks:
        text = "\n".join(b)
        m = next(filter(None, map(DIAG.match, b)))
        here = os.path.normpath(m.group(1)) == os.path.normpath(src)
        near = "\n".join(lines[max(0, int(m.group(2)) - 3):int(m.group(2))]) if here else ""
        if "-Wimplicit-function-declaration" in text or called.search(text) or called.search(near):
            carry += [line for line in b if ": In function " in line]
            continue
        if carry and not any(": In function " in line for line in b):
            b = carry[-1:] + b
        carry = []
        kept.append(b)
    out = "".join("\n".join(b) + "\n" for b in kept) + "".join(line + "\n" for line in pending)
    return out + (f"bevconf: note: {src} calls functions this implementation's headers do not declare "
                  f"(a stub SKIPs those its library lacks): {' '.join(names)}\n")


def compile_(cmd, src, obj, extra=()):
    p = subprocess.run(cmd + list(extra) + ["-c", src, "-o", obj], capture_output=True, text=True,
                       env=dict(os.environ, LC_ALL="C"))
    return p.returncode == 0, p.stdout + p.stderr


def whole_file(src, obj, cmd, reason):
    """Every case function of the file reports `reason` (the old, all-or-nothing way)."""
    cases = [m.group(1) for m in map(CASE.match, open(src, encoding="utf-8").read().splitlines()) if m]
    stub = obj[:-2] + ".skip.c"
    with open(stub, "w", encoding="utf-8") as f:
        f.write(f"/* Generated by mk/compile-case.sh: {src} did not compile (see {obj[:-2]}.log). */\n")
        f.write("struct bc_ctx;\n" + PREAMBLE)
        for fn in cases:
            f.write(f'void {fn}(struct bc_ctx *t) {{ (void)t; bc_skip("does not compile against '
                    f'this implementation: {src}: {reason}"); }}\n')
    ok, out = compile_(cmd, stub, obj)
    if not ok:
        sys.stderr.write(out)
        return 1
    # The stub's dependency file would name only the stub: make the object out of date at
    # every build instead, so the file is tried again once the implementation grows.
    with open(obj[:-2] + ".d", "w") as f:
        f.write(f"{obj}: .bevconf-retry\n.PHONY: .bevconf-retry\n")
    print(f"bevconf: note: does not compile against this implementation: {src}: all its "
          f"{len(cases)} case(s) will SKIP: {reason}", file=sys.stderr)
    return 0


def main(argv):
    src, obj, cmd = argv[0], argv[1], argv[2:]
    # A case may call what the headers do not declare: the link stubs it (mk/link.sh).
    cmd = cmd + ["-Wno-error=implicit-function-declaration"]
    log_path = obj[:-2] + ".log"
    ok, out = compile_(cmd, src, obj)
    with open(log_path, "w") as f:
        f.write(out)
    if ok:
        sys.stderr.write(quiet_implicit(out, src))  # warnings still matter to whoever reads the build
        return 0

    text = open(src, encoding="utf-8").read()
    lines = text.split("\n")
    items, blanked = parse(text)
    cases = [it for it in items if it.kind == "case"]
    uses = {}   # item -> identifiers its text mentions
    blines = blanked.split("\n")
    for it in items:
        uses[id(it)] = set(IDENT.findall(" ".join(blines[it.first - 1:it.last])))
    stubbed = {}    # case name -> reason
    removed = {}    # helper/global name -> reason
    copy = obj[:-2] + ".skip.c"
    first_reason = None
    for _ in range(len(items) + 2):
        progress = False
        implicit = implicit_names(out)
        for err in diagnostics(out, src):
            reason = reason_of(err["msg"])
            first_reason = first_reason or reason
            holder = None
            for num in err["lines"]:
                inside = [it for it in items if it.first <= num <= it.last]
                if inside:
                    holder = inside[0]
                    break
            if holder is None:
                return whole_file(src, obj, cmd, reason)
            reason = better_reason(reason, " ".join(blines[holder.first - 1:holder.last]), implicit)
            if holder.kind == "case":
                if holder.name not in stubbed:
                    stubbed[holder.name] = reason
                    progress = True
            elif holder.name and holder.name not in removed:
                removed[holder.name] = f"{reason} (in {holder.name})"
                progress = True
            elif not holder.name:
                return whole_file(src, obj, cmd, reason)
        # What uses a removed item goes too (cases are replaced, helpers removed).
        grew = True
        while grew:
            grew = False
            for it in items:
                if it.name in removed or it.name in stubbed:
                    continue
                hit = next((r for r in removed if r in uses[id(it)] and r != it.name), None)
                if hit is None:
                    continue
                if it.kind == "case":
                    stubbed[it.name] = removed[hit]
                else:
                    removed[it.name] = removed[hit]
                grew = progress = True
        if not progress:
            return whole_file(src, obj, cmd, first_reason or "unknown error")
        new = list(lines)
        for it in items:
            if it.kind == "case" and it.name in stubbed:
                for k in range(it.body_first - 1, it.last):
                    new[k] = ""
                new[it.body_first - 1] = ('{ (void)t; bc_skip("does not compile against this '
                                          f'implementation: {stubbed[it.name]}"); }}')
            elif it.kind != "case" and it.name in removed:
                for k in range(it.first - 1, it.last):
                    new[k] = ""
        with open(copy, "w", encoding="utf-8") as f:
            f.write(PREAMBLE + f'#line 1 "{src}"\n' + "\n".join(new))
        ok, out = compile_(cmd, copy, obj, ["-Wno-unused-function", "-Wno-unused-variable",
                                            "-Wno-unused-but-set-variable", "-Wno-unused-const-variable"])
        with open(log_path, "a") as f:
            f.write(f"--- {copy}\n{out}")
        if ok:
            sys.stderr.write(quiet_implicit(out, src))
            break
    else:
        return whole_file(src, obj, cmd, first_reason or "unknown error")
    # Rebuild when the file or a header it includes changes, not at every build.
    dep = obj[:-2] + ".d"
    if os.path.exists(dep):
        with open(dep) as f:
            d = f.read()
        with open(dep, "w") as f:
            f.write(d.replace(copy, src))
    reasons = sorted(set(stubbed.values()))
    shown = "; ".join(reasons[:3]) + (f"; and {len(reasons) - 3} more" if len(reasons) > 3 else "")
    print(f"bevconf: note: does not compile against this implementation: {src}: {len(stubbed)} of "
          f"{len(cases)} case(s) will SKIP: {shown}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
