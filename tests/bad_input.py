"""bad_input: every bad configuration stops with one bevconf line and exit status 2,
before any compiler runs (the driver's own exit status; through make, make adds its
trailer line and exits 2 too)."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DRIVER = [sys.executable, os.path.join(ROOT, "tools", "bevconf.py")]
REPRO = [sys.executable, os.path.join(ROOT, "fuzz", "repro.py")]  # make fuzz-repro


def main():
    fails = 0
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(f"{tmp}/noinclude/lib")
        os.makedirs(f"{tmp}/nolib/include/event2")
        open(f"{tmp}/nolib/include/event2/event.h", "w").close()
        runner = os.path.join(ROOT, "build", "libevent", "bevconf")
        cases = [
            ("unknown implementation", "unknown IMPL=nope; available: libevent", DRIVER + ["check", "IMPL=nope"], {}),
            ("unknown backend", "unknown BACKEND=kqueue for libevent; available: epoll poll select",
             DRIVER + ["check", "BACKEND=kqueue"], {}),
            ("prefix without headers", "has no include/event2/event.h",
             DRIVER + ["check", f"LIBEVENT_PREFIX={tmp}/noinclude"], {}),
            ("prefix without a library", "has no lib/libevent.so, lib/libevent.a",
             DRIVER + ["check", f"LIBEVENT_PREFIX={tmp}/nolib"], {}),
            ("missing pkg-config module", "pkg-config module 'libevent' not found",
             DRIVER + ["check"], {"PKG_CONFIG_LIBDIR": tmp}),
            ("not a number", "CASE_JOBS=many wants a number", DRIVER + ["check", "CASE_JOBS=many"], {}),
            ("no case matches", "no case id starts with", DRIVER + ["check", "CASES=no.such.case"], {}),
            ("backend other than the one asked for", "asked for backend poll but epoll ran",
             [runner, "--backend", "poll"], {}),
            ("runner: bad shard", "--shard wants K/N", [runner, "--shard", "3/2"], {}),
            ("fuzz-repro without FINDING", "make fuzz-repro wants FINDING=", REPRO, {"FINDING": ""}),
            ("fuzz-repro: no such finding", "FINDING=/no/such.tape: no such file", REPRO,
             {"FINDING": "/no/such.tape"}),
            ("fuzz-repro: a directory without a finding", "a directory with neither finding.tape nor input",
             REPRO, {"FINDING": tmp}),
            ("fuzz-repro: unknown target", "unknown TARGET=nope", REPRO,
             {"FINDING": "fuzz/findings/empty-chain-ref.tape", "TARGET": "nope"}),
            ("fuzz-repro: a target without a C writer", "TARGET=evbuffer_diff has no C writer", REPRO,
             {"FINDING": "fuzz/findings/nonblock-loop-spins.tape", "TARGET": "evbuffer_diff"}),
        ]
        for desc, want, argv, env in cases:
            p = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT,
                               env={k: v for k, v in dict(os.environ, **env).items()
                                    if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")})
            out = (p.stdout + p.stderr).strip()
            # A build's notes (what the implementation lacks) may come first; the error is one line.
            lines = [line for line in out.splitlines() if line.strip() and not line.startswith("bevconf: note:")]
            if p.returncode == 2 and len(lines) == 1 and want in out:
                print(f"ok   {desc}: {out}")
            else:
                fails += 1
                print(f"FAIL {desc} (exit {p.returncode}, {len(lines)} lines, wanted one line with {want!r}):")
                print("\n".join("     " + line for line in lines))
    print(f"bad input: {len(cases) - fails} passed, {fails} failed")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
