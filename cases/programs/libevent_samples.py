#!/usr/bin/env python3
"""libevent_samples.py: libevent 2.1.12's own sample programs, built unchanged against an
implementation, run the way their users run them; one verdict line each.

  libevent_samples.py BINDIR [NAME...]

BINDIR holds the programs built from libevent's sample/NAME.c (hello-world, signal-test,
event-read-fifo, time-test; time-test also runs as `time-test -p`). A program missing from
BINDIR is a SKIP: it did not build against the implementation. Exit status 0 when none
failed, 1 when one did, 2 for bad arguments.

What each run checks (cases/CONTRACT.md area L has the same behaviours as cases):
  hello-world      a client on 127.0.0.1:9995 gets "Hello, World!\\n" and EOF, the program
                   says "flushed answer"; a SIGINT makes it exit 0, no sooner than its 2 s
                   delay (SKIP when port 9995 is taken)
  signal-test      three SIGINTs, each once the previous one was reported: three
                   "signal_cb: got signal 2" lines, then exit 0
  event-read-fifo  "hello" written into its event.fifo (in a fresh directory) and the
                   writer closed: "Read: hello", "Connection closed", exit 0, fifo removed
  time-test[ -p]   two "timeout_cb called" lines, each reporting 2 s (1.99 to 3.0) elapsed;
                   then the program, which runs forever, is stopped
The programs run side by side (about 5 s in all, most of it their own 2 s timers). Their
output goes through a pseudo-terminal, so that stdio flushes each line as at a terminal.
Nothing waits a fixed time: each step waits, with a deadline, for a line of output, a
signal disposition in /proc or a listening port (polled every 20 ms).

Building them (the e2e step does this first): the sources are in the orig tarball that
impls/libevent/build-source.sh fetches into build/src; no Debian patch touches sample/.
  tar -xzf build/src/libevent_2.1.12-stable.orig.tar.gz -C DIR libevent-2.1.12-stable/sample
  $CC $IMPL_CFLAGS DIR/libevent-2.1.12-stable/sample/NAME.c $IMPL_LIBS -o BINDIR/NAME
"""
import errno
import os
import pty
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

NAMES = ("hello-world", "signal-test", "event-read-fifo", "time-test")
DEADLINE = 5.0  # seconds for anything that should happen (beyond the programs' own delays)
POLL = 0.02


class Failed(Exception):
    pass


class Program:
    """One sample running with its stdout and stderr on a pseudo-terminal."""

    def __init__(self, argv, cwd=None):
        master, slave = pty.openpty()
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave,
                                     cwd=cwd, close_fds=True, start_new_session=True)
        os.close(slave)
        self.master = master
        self.pending = b""
        self.lines = []  # lines not yet matched by expect
        self.all = []    # every line, for failure messages

    def expect(self, pattern, seconds=DEADLINE):
        """The next line matching pattern (a regex), waiting up to `seconds`; the match."""
        want = re.compile(pattern)
        end = time.monotonic() + seconds
        seen = 0
        while True:
            for line in self.lines[seen:]:
                seen += 1
                m = want.search(line)
                if m:
                    self.lines = self.lines[seen:]
                    return m
            left = end - time.monotonic()
            if left <= 0 or not self._read(left):
                raise Failed(f"no line matching {pattern!r} within {seconds:g} s; output: {self.output()!r}")

    def _read(self, seconds):
        ready, _, _ = select.select([self.master], [], [], seconds)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 4096)
        except OSError as ex:  # EIO: the program is gone and the terminal closed
            if ex.errno != errno.EIO:
                raise
            chunk = b""
        if not chunk:
            return False
        self.pending += chunk.replace(b"\r\n", b"\n")
        *done, self.pending = self.pending.split(b"\n")
        new = [d.decode(errors="replace") for d in done]
        self.lines += new
        self.all += new
        return True

    def output(self):
        return "\n".join(self.all[-8:])

    def caught(self, sig):
        """Whether the program has a handler installed for sig (/proc/PID/status SigCgt)."""
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("SigCgt:"):
                        return bool(int(line.split()[1], 16) >> (sig - 1) & 1)
        except OSError:
            pass
        return False

    def wait_caught(self, sig):
        end = time.monotonic() + DEADLINE
        while not self.caught(sig):
            if self.proc.poll() is not None or time.monotonic() > end:
                raise Failed(f"no handler for signal {sig} within {DEADLINE:g} s")
            time.sleep(POLL)

    def exit_status(self, seconds=DEADLINE):
        try:
            status = self.proc.wait(seconds)
        except subprocess.TimeoutExpired:
            raise Failed(f"still running {seconds:g} s later; output: {self.output()!r}") from None
        while self._read(0):
            pass
        return status

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)


def hello_world(prog):
    with socket.socket() as probe:  # the program binds 0.0.0.0:9995, SO_REUSEADDR
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", 9995))
        except OSError as ex:
            return "SKIP", f"port 9995 is not free ({ex.strerror})"
    p = Program([prog])
    try:
        end = time.monotonic() + DEADLINE
        while True:
            try:
                client = socket.create_connection(("127.0.0.1", 9995), timeout=DEADLINE)
                break
            except ConnectionRefusedError:
                if p.proc.poll() is not None or time.monotonic() > end:
                    raise Failed(f"nothing listens on 9995 within {DEADLINE:g} s; output: {p.output()!r}")
                time.sleep(POLL)
        with client:
            got = b""
            while True:
                chunk = client.recv(4096)
                if not chunk:
                    break
                got += chunk
        if got != b"Hello, World!\n":
            raise Failed(f"the client got {got!r}")
        p.expect(r"^flushed answer$")
        p.proc.send_signal(signal.SIGINT)
        t0 = time.monotonic()
        p.expect(r"^Caught an interrupt signal")
        status = p.exit_status(2 + DEADLINE)
        took = time.monotonic() - t0
        if status != 0:
            raise Failed(f"exit status {status} after SIGINT; output: {p.output()!r}")
        if took < 1.9:
            raise Failed(f"exited {took:.2f} s after SIGINT, before its 2 s delay")
        p.expect(r"^done$", 0)
        return "PASS", f"greeting and EOF, exit 0 {took:.1f} s after SIGINT"
    finally:
        p.stop()


def signal_test(prog):
    p = Program([prog])
    try:
        p.wait_caught(signal.SIGINT)
        for i in range(3):
            p.proc.send_signal(signal.SIGINT)
            p.expect(r"^signal_cb: got signal 2$")
        status = p.exit_status()
        if status != 0:
            raise Failed(f"exit status {status} after the third SIGINT")
        return "PASS", "one callback per SIGINT, exit 0 after the third"
    finally:
        p.stop()


def event_read_fifo(prog):
    with tempfile.TemporaryDirectory(prefix="bevconf-fifo-") as cwd:
        p = Program([prog], cwd=cwd)
        try:
            p.expect(r"^Write data to event.fifo$")
            with open(os.path.join(cwd, "event.fifo"), "wb") as w:  # the reader is open
                w.write(b"hello\n")
            p.expect(r"^Read: hello$")
            p.expect(r"^Connection closed$")
            status = p.exit_status()
            if status != 0:
                raise Failed(f"exit status {status} after EOF")
            if os.path.exists(os.path.join(cwd, "event.fifo")):
                raise Failed("event.fifo left behind")
            return "PASS", "data, then EOF at the writer's close, exit 0"
        finally:
            p.stop()


def time_test(prog, *args):
    p = Program([prog, *args])
    try:
        seen = []
        for _ in range(2):
            m = p.expect(r"^timeout_cb called at \d+: ([0-9.]+) seconds elapsed\.$", 2 + DEADLINE)
            seen.append(float(m.group(1)))
        if not all(1.99 <= s <= 3.0 for s in seen):
            raise Failed(f"elapsed {seen}, each should be 2 s (1.99 to 3.0)")
        return "PASS", "every 2 s: " + ", ".join(f"{s:.3f}" for s in seen)
    finally:
        p.stop()


RUNS = (
    ("hello-world", "hello-world", hello_world, ()),
    ("signal-test", "signal-test", signal_test, ()),
    ("event-read-fifo", "event-read-fifo", event_read_fifo, ()),
    ("time-test", "time-test", time_test, ()),
    ("time-test -p", "time-test", time_test, ("-p",)),
)


def run(bindir, names=NAMES):
    """[(label, status, detail)] for the samples named, run side by side."""
    verdicts = {}

    def one(label, fn, prog, args):
        try:
            verdicts[label] = fn(prog, *args)
        except Failed as ex:
            verdicts[label] = ("FAIL", str(ex))
        except OSError as ex:
            verdicts[label] = ("FAIL", f"{ex}")

    threads = []
    for label, name, fn, args in RUNS:
        if name not in names:
            continue
        prog = os.path.join(bindir, name)
        if not os.access(prog, os.X_OK):
            verdicts[label] = ("SKIP", f"{prog} was not built (does not compile or link against this implementation)")
            continue
        th = threading.Thread(target=one, args=(label, fn, prog, args))
        th.start()
        threads.append(th)
    for th in threads:
        th.join()
    return [(label, *verdicts[label]) for label, name, _, _ in RUNS if label in verdicts]


def main(argv):
    if len(argv) < 2 or any(n not in NAMES for n in argv[2:]):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    failed = False
    for label, status, detail in run(argv[1], argv[2:] or NAMES):
        print(f"{status:<5} {label:<16} {detail}")
        failed |= status == "FAIL"
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
