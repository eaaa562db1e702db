#!/usr/bin/env python3
"""gen-seeds.py: write the committed seed corpora and dictionaries (hand-written tapes).

    python3 fuzz/gen-seeds.py           write fuzz/corpus/{evbuffer_tape,bufferevent_tape}/
                                        and fuzz/dict/{evbuffer_tape,bufferevent_tape}.dict
    python3 fuzz/gen-seeds.py --check   exit 1 unless the committed files are exactly what
                                        it would write (`make fuzz-replay` runs this)

Opcodes come from fuzz/targets/evbuf_ops.def (OP.<NAME>) and bufferevent_ops.def
(BOP.<NAME>), the lists the C targets compile; the arguments after an opcode follow the
decoders, decode_op() in fuzz/targets/evbuf_common.c and the switch in
fuzz/targets/bufferevent_tape.c. Which targets read which corpus and dictionary is
fuzz/targets.txt (evbuffer_diff reads evbuffer_tape's). Run it again after changing an
opcode list or a decoder, and commit what it writes.
"""
import os
import re
import shutil
import sys
import types

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def opcodes(deffile):
    """The X(NAME, BYTE, ...) rows of an opcode list: a namespace NAME -> BYTE, plus COUNT.
    Row k must say byte k, as the C side checks at compile time."""
    path = os.path.join(TOP, "fuzz", "targets", deffile)
    ns = types.SimpleNamespace()
    with open(path, encoding="utf-8") as f:
        rows = re.findall(r"^X\((\w+),\s*(\d+),", f.read(), re.M)
    for k, (name, byte) in enumerate(rows):
        if int(byte) != k:
            sys.exit("gen-seeds: fuzz/targets/%s: %s says byte %s in row %d (bytes are fixed: new rows go last)"
                     % (deffile, name, byte, k))
        setattr(ns, name, k)
    ns.COUNT = len(rows)
    return ns


OP = opcodes("evbuf_ops.def")
BOP = opcodes("bufferevent_ops.def")
ANY, CRLF, STRICT, LF, NUL = range(5)


def bb(b, b2=0):
    return b + 3 * b2


def add(b, n, ref_cleanup=0, code=OP.ADD):
    return bytes([code, bb(b), n, ref_cleanup, 0])


def lit(b, data, code=OP.ADD):
    assert len(data) <= 15
    return bytes([code, bb(b), 0, 0, 0xf0 | len(data)]) + data


def two(code, b, b2, *args):
    return bytes([code, bb(b, b2)] + list(args))


def readln(b, style, nulln=0):
    return bytes([OP.READLN, bb(b), style | (0x80 if nulln else 0)])


ev = {}
ev["lines-any"] = lit(0, b"a\r\nb\nc\rd\n\re") + readln(0, ANY) * 5
ev["crlf-split"] = lit(0, b"line\r") + readln(0, ANY) + lit(0, b"\nnext\n") + readln(0, ANY) * 3
for s, name in ((CRLF, "crlf"), (STRICT, "strict"), (LF, "lf"), (NUL, "nul")):
    ev["lines-" + name] = lit(1, b"a\nb\r\nc\r\0d\n") + readln(1, s) * 3 + readln(1, s, 1) + \
        bytes([OP.SEARCH_EOL, bb(1), s, 1, 2, 0])
ev["move"] = add(0, 200) + add(1, 100) + two(OP.ADD_BUFFER, 2, 0) + two(OP.PREPEND_BUFFER, 2, 1) + \
    two(OP.REMOVE_BUFFER, 2, 0, 150) + two(OP.ADD_BUFFER_REF, 1, 0) + two(OP.DRAIN, 0, 0, 30) + \
    two(OP.REMOVE_BUFFER, 1, 2, 255)
ev["reference"] = add(0, 120, 1, OP.ADD_REFERENCE) + add(0, 50) + add(0, 80, 1, OP.ADD_REFERENCE) + \
    two(OP.DRAIN, 0, 0, 60) + two(OP.REMOVE, 0, 0, 100) + two(OP.ADD_BUFFER, 1, 0) + \
    add(2, 10, 0, OP.ADD_REFERENCE) + bytes([OP.FREE_NEW, bb(1)])
ev["multicast"] = add(1, 90) + two(OP.ADD_BUFFER_REF, 0, 1) + add(1, 20) + two(OP.ADD_BUFFER_REF, 2, 0) + \
    two(OP.COPYOUT, 0, 0, 200) + two(OP.DRAIN, 1, 0, 255)
# A finding, kept in fuzz/findings/ rather than the seeds:
# ev["empty-chain-ref"] = bytes([OP.EXPAND, bb(0), 100]) + add(1, 40) + two(OP.ADD_BUFFER_REF, 0, 1) + add(0, 5)
ev["search"] = add(0, 240) + add(0, 241) + bytes([OP.SEARCH, bb(0), 0, 5, 10, 0, 0]) + \
    bytes([OP.SEARCH, bb(0), 0, 3, 100, 1, 1, 20, 0]) + \
    bytes([OP.SEARCH_RANGE, bb(0), 0, 4, 50, 1, 1, 40, 0, 60, 0]) + \
    bytes([OP.SEARCH, bb(0), 3, 0, 1, 10, 0]) + bytes([OP.SEARCH, bb(0), 2, 3, 0x41, 0x42, 0x43, 0]) + \
    bytes([OP.PTR_SET, bb(0), 10, 0, 1, 5]) + bytes([OP.PTR_SET, bb(0), 255, 255, 1, 7])
ev["freeze"] = add(0, 50) + bytes([OP.FREEZE, bb(0), 1]) + two(OP.DRAIN, 0, 0, 5) + \
    two(OP.REMOVE, 0, 0, 5) + readln(0, ANY) + lit(0, b"x") + \
    bytes([OP.UNFREEZE, bb(0), 1, OP.FREEZE, bb(0), 0]) + lit(0, b"y") + \
    bytes([OP.ADD_PRINTF, bb(0), 1, 5, 0, 0, 0, 4]) + bytes([OP.RESERVE_COMMIT, bb(0), 10, 1, 3, 0, 0]) + \
    two(OP.ADD_BUFFER, 0, 1) + add(1, 5) + two(OP.ADD_BUFFER, 0, 1) + bytes([OP.UNFREEZE, bb(0), 0])
# Freezes checked before "nothing to do" (contract I55; ref divergences R2, R3).
ev["frozen-first"] = add(0, 50) + bytes([OP.FREEZE, bb(0), 1]) + two(OP.DRAIN, 0, 0, 0) + \
    bytes([OP.FREEZE, bb(1), 1]) + two(OP.REMOVE_BUFFER, 1, 0, 10) + two(OP.REMOVE_BUFFER, 1, 0, 0) + \
    bytes([OP.UNFREEZE, bb(1), 1, OP.FREEZE, bb(2), 0]) + two(OP.REMOVE_BUFFER, 1, 2, 10)
ev["callbacks"] = bytes([OP.ADD_CB, bb(0), OP.ADD_CB, bb(0), OP.ADD_CB, bb(1)]) + add(0, 10) + \
    two(OP.ADD_BUFFER, 1, 0) + bytes([OP.CB_FLAGS, bb(0), 0, 0]) + add(1, 4) + \
    bytes([OP.CB_FLAGS, bb(0), 0, 1]) + readln(1, ANY) + \
    bytes([OP.REMOVE_CB, bb(0), 1, 1, OP.REMOVE_CB, bb(1), 2, 1,
           OP.REMOVE_CB, bb(0), 0, 2, OP.REMOVE_CB, bb(0), 2, 0]) + \
    add(1, 3)
ev["reserve"] = b"".join(bytes([OP.RESERVE_COMMIT, bb(i % 3), n, v, c, 0, 0])
                         for i, (n, v, c) in enumerate([(10, 1, 3), (200, 2, 4), (0, 1, 2), (100, 3, 1),
                                                        (50, 1, 0), (5, 0, 2), (250, 2, 5)]))
ev["peek-pullup"] = add(0, 100) + add(0, 100, 0, OP.PREPEND) + add(0, 250) + \
    bytes([OP.PEEK, bb(0), 255, 4, 0, OP.PEEK, bb(0), 150, 1, 0, OP.PEEK, bb(0), 10, 2, 1, 20, 0,
           OP.PEEK, bb(0), 255, 0, 0]) + \
    bytes([OP.PULLUP, bb(0), 150, OP.PULLUP, bb(0), 255, OP.PULLUP, bb(0), 0]) + \
    bytes([OP.COPYOUT_FROM, bb(0), 30, 0, 60]) + two(OP.COPYOUT, 0, 0, 255)
ev["printf-iovec"] = bytes([OP.ADD_PRINTF, bb(0), 0, 0, 0, 0, 0, 10, OP.ADD_PRINTF, bb(0), 1, 7, 0, 0, 0, 20,
                            OP.ADD_PRINTF, bb(0), 2, 0, 0, 0, 0, 0, OP.ADD_PRINTF, bb(0), 3, 5, 0, 0x88, 0x13, 0]) + \
    bytes([OP.ADD_IOVEC, bb(1), 100, 0, 40, OP.ADD_IOVEC, bb(1), 0, 0, 0]) + \
    bytes([OP.ADD_HUGE, bb(1), OP.ADD_HUGE, bb(2)]) + \
    bytes([OP.EXPAND, bb(2), 255, OP.EXPAND, bb(2), 250])
# Regression seeds for the model's avoidance of known libevent failures (they pass only while
# model_skip() avoids them; the failing tapes are in fuzz/findings/):
# F3 through a freed buffer (soak finding ea207d7fc722): b2 references b0, b0 references b1, b0 is
# freed but stays alive (b2 holds it); add_buffer(b1, b2) would close b1 -> old b0 -> b1 (skipped).
ev["freed-source"] = add(1, 60, 1, OP.ADD_REFERENCE) + add(0, 90) + two(OP.ADD_BUFFER_REF, 2, 0) + \
    two(OP.ADD_BUFFER_REF, 0, 1) + bytes([OP.FREE_NEW, bb(0)]) + two(OP.ADD_BUFFER, 1, 2) + \
    two(OP.ADD_BUFFER, 0, 2) + two(OP.DRAIN, 0, 0, 100)
# F6 (soak finding 98b80d29452d): after a reservation in 3 vectors, a one-vector commit is skipped;
# once the buffer is drained to empty (libevent frees every chain) it runs again.
ev["reserve-commit-next"] = add(0, 246) + bytes([OP.RESERVE_COMMIT, bb(0), 230, 1, 1, 0, 0]) + \
    bytes([OP.RESERVE_COMMIT, bb(0), 255, 3, 1, 0, 0, OP.RESERVE_COMMIT, bb(0), 230, 1, 2, 0, 0]) + \
    two(OP.DRAIN, 0, 0, 255) + add(0, 246) + \
    bytes([OP.RESERVE_COMMIT, bb(0), 230, 1, 1, 0, 0, OP.RESERVE_COMMIT, bb(0), 230, 1, 2, 0, 0])
for code in range(OP.COUNT):
    ev["op%02d" % code] = add(0, 150) + lit(1, b"ab\r\ncd\n\0e") + \
        bytes([code, bb(0, 1), 7, 1, 2, 3, 1, 0, 0, 9, 5])


def o(code, i=0, a=0, b=0):
    return bytes([code, i, a, b])


bev = {}
bev["echo"] = bytes([0]) + o(BOP.ENABLE, 0, 3) + o(BOP.WRITE, 0, 100) + o(BOP.LOOP) + \
    o(BOP.PEER_READ, 0, 200) + o(BOP.PEER_WRITE, 0, 50) + o(BOP.LOOP) + o(BOP.READ, 0, 200)
bev["pair"] = bytes([0]) + o(BOP.ENABLE, 1, 3) + o(BOP.ENABLE, 2, 3) + o(BOP.WRITE, 1, 200) + o(BOP.LOOP) + \
    o(BOP.READ, 2, 100) + o(BOP.WRITE, 2, 30) + o(BOP.LOOP, 0, 2) + o(BOP.READ, 1, 255) + o(BOP.FREE, 1) + \
    o(BOP.WRITE, 2, 5) + o(BOP.LOOP)
bev["short-writes"] = bytes([1]) + o(BOP.ENABLE, 0, 2) + o(BOP.FAULT_WRITE, 0, 4, 3) + \
    o(BOP.WRITE, 0, 250) + o(BOP.LOOP, 0, 3) + o(BOP.PEER_READ, 0, 255) + o(BOP.LOOP, 0, 3) + \
    o(BOP.PEER_READ, 0, 255)
for k, name in enumerate(["eagain", "eintr", "econnreset", "epipe"]):
    bev["write-" + name] = bytes([k & 1]) + o(BOP.ENABLE, 0, 3) + o(BOP.FAULT_WRITE, 0, k, 1) + \
        o(BOP.WRITE, 0, 60) + o(BOP.LOOP, 0, 3) + o(BOP.PEER_READ, 0, 100) + o(BOP.ENABLE, 0, 2) + \
        o(BOP.LOOP, 0, 2)
for k, name in enumerate(["eagain", "eintr", "econnreset", "eof"]):
    bev["read-" + name] = bytes([2 * (k & 1)]) + o(BOP.ENABLE, 0, 1) + o(BOP.FAULT_READ, 0, k, 0) + \
        o(BOP.PEER_WRITE, 0, 80) + o(BOP.LOOP, 0, 3) + o(BOP.READ, 0, 100) + o(BOP.ENABLE, 0, 1) + \
        o(BOP.PEER_WRITE, 0, 10) + o(BOP.LOOP, 0, 2) + o(BOP.READ, 0, 100)
bev["write-eof"] = bytes([0]) + o(BOP.ENABLE, 0, 2) + o(BOP.FAULT_WRITE, 0, 5) + o(BOP.WRITE, 0, 20) + \
    o(BOP.LOOP, 0, 2)
bev["peer-shutdown"] = bytes([8]) + o(BOP.ENABLE, 0, 1) + o(BOP.PEER_WRITE, 0, 30) + o(BOP.PEER_SHUTDOWN) + \
    o(BOP.LOOP, 0, 3) + o(BOP.ENABLE, 0, 1) + o(BOP.LOOP)
bev["watermarks"] = bytes([0x38]) + o(BOP.SETWATERMARK, 0, 41, 61) + o(BOP.SETWATERMARK, 0, 20) + \
    o(BOP.ENABLE, 0, 3) + o(BOP.PEER_WRITE, 0, 200) + o(BOP.LOOP, 0, 3) + o(BOP.READ, 0, 30) + \
    o(BOP.LOOP, 0, 3) + o(BOP.WRITE, 0, 100) + o(BOP.LOOP, 0, 2) + o(BOP.SETWATERMARK, 2, 11, 21) + \
    o(BOP.ENABLE, 2, 1) + o(BOP.ENABLE, 1, 2) + o(BOP.WRITE, 1, 150) + o(BOP.LOOP) + o(BOP.READ, 2, 20) + \
    o(BOP.LOOP)
bev["timeouts"] = bytes([0]) + o(BOP.ENABLE, 0, 3) + o(BOP.SET_TIMEOUTS, 0, 4, 4) + o(BOP.LOOP_WAIT) + \
    o(BOP.ENABLE, 0, 1) + o(BOP.SET_TIMEOUTS, 1, 5, 0) + o(BOP.ENABLE, 1, 1) + o(BOP.LOOP_WAIT)
bev["deferred"] = bytes([6]) + o(BOP.ENABLE, 0, 3) + o(BOP.ENABLE, 1, 3) + o(BOP.ENABLE, 2, 3) + \
    o(BOP.WRITE, 0, 90) + o(BOP.PEER_WRITE, 0, 90) + o(BOP.WRITE, 1, 50) + o(BOP.LOOP, 0, 3) + \
    o(BOP.READ, 0, 255) + o(BOP.READ, 2, 255) + o(BOP.FREE, 0) + o(BOP.LOOP)
bev["free-pending"] = bytes([2]) + o(BOP.ENABLE, 0, 3) + o(BOP.FAULT_WRITE, 0, 0, 2) + \
    o(BOP.WRITE, 0, 100) + o(BOP.LOOP) + o(BOP.FREE, 0) + o(BOP.LOOP, 0, 2)
bev["consume"] = bytes([0x38]) + o(BOP.ENABLE, 0, 1) + o(BOP.ENABLE, 2, 1) + o(BOP.ENABLE, 1, 2) + \
    o(BOP.PEER_WRITE, 0, 250) + o(BOP.WRITE, 1, 250) + o(BOP.LOOP, 0, 3)
# Soak finding 443cefe5b57f (a harness false positive): the readcb re-run libevent queues at the
# read high watermark (contract E6) runs after bufferevent_read emptied the input, below L.
bev["wm-rerun-drained"] = bytes([0x30]) + o(BOP.SETWATERMARK, 0, 41, 61) + o(BOP.ENABLE, 0, 3) + \
    o(BOP.PEER_WRITE, 0, 134) + o(BOP.LOOP_WAIT) + o(BOP.READ, 0, 255) + o(BOP.LOOP, 0, 2)
# Forwarding, as a proxy does: the socket's input into the pair's output and back, moved
# (evbuffer_add_buffer) or referenced (evbuffer_add_buffer_reference; a % 3 is the slot
# whose output gets it, a // 3 odd: by reference).
PROXY = o(BOP.ENABLE, 0, 3) + o(BOP.ENABLE, 1, 3) + o(BOP.ENABLE, 2, 3) + o(BOP.PEER_WRITE, 0, 100) + \
    o(BOP.LOOP, 0, 2)
bev["move-input"] = bytes([0]) + PROXY + o(BOP.MOVE_INPUT, 0, 1) + o(BOP.LOOP, 0, 2) + o(BOP.READ, 2, 60) + \
    o(BOP.MOVE_INPUT, 2, 0) + o(BOP.LOOP, 0, 2) + o(BOP.PEER_READ, 0, 255)
bev["move-reference"] = bytes([0]) + PROXY + o(BOP.MOVE_INPUT, 0, 4) + o(BOP.READ, 0, 255) + \
    o(BOP.LOOP, 0, 2) + o(BOP.MOVE_INPUT, 2, 3) + o(BOP.READ, 2, 255) + o(BOP.LOOP, 0, 2) + o(BOP.PEER_READ, 0, 255)
# The pair side's input now holds multicast chains: referencing it is refused (I54), moving it is not.
bev["move-reference-refused"] = bytes([0]) + PROXY + o(BOP.MOVE_INPUT, 0, 4) + o(BOP.LOOP, 0, 2) + \
    o(BOP.MOVE_INPUT, 2, 3) + o(BOP.MOVE_INPUT, 2, 0) + o(BOP.LOOP, 0, 2) + o(BOP.PEER_READ, 0, 255)
# Filters: FILTER a = output key (input key a ^ 0xa5), b = options (1 defer, 2 threadsafe,
# 4 unlock callbacks) | log2(chunk / 16) << 4; FILTER_RESULT a % 3 = OK, NEED_MORE, ERROR.
bev["filter-socket"] = bytes([0]) + o(BOP.FILTER, 0, 0x33, 0x30) + o(BOP.ENABLE, 0, 3) + o(BOP.WRITE, 0, 100) + \
    o(BOP.LOOP, 0, 2) + o(BOP.PEER_READ, 0, 255) + o(BOP.PEER_WRITE, 0, 50) + o(BOP.LOOP, 0, 2) + \
    o(BOP.READ, 0, 255) + o(BOP.FREE, 0) + o(BOP.PEER_READ, 0, 255)
bev["filter-pair"] = bytes([0]) + o(BOP.FILTER, 2, 0x5a, 0x23) + o(BOP.ENABLE, 1, 3) + o(BOP.ENABLE, 2, 3) + \
    o(BOP.WRITE, 1, 120) + o(BOP.WRITE, 2, 80) + o(BOP.LOOP, 0, 3) + o(BOP.READ, 2, 255) + o(BOP.READ, 1, 255) + \
    o(BOP.FILTER, 1, 0x11, 0x40) + o(BOP.WRITE, 1, 30) + o(BOP.LOOP, 0, 3) + o(BOP.READ, 2, 255)
bev["filter-results"] = bytes([0]) + o(BOP.FILTER, 0, 0x77, 0x10) + o(BOP.ENABLE, 0, 3) + \
    o(BOP.FILTER_RESULT, 0, 1) + o(BOP.WRITE, 0, 40) + o(BOP.PEER_WRITE, 0, 40) + o(BOP.LOOP, 0, 2) + \
    o(BOP.FILTER_RESULT, 0, 2) + o(BOP.WRITE, 0, 40) + o(BOP.LOOP, 0, 2) + o(BOP.FLUSH, 0, 2, 1) + \
    o(BOP.FILTER_RESULT, 0, 0, 1) + o(BOP.FLUSH, 0, 2, 2) + o(BOP.FILTER_RESULT, 0, 0) + o(BOP.FLUSH, 0, 1, 1) + \
    o(BOP.LOOP, 0, 2) + o(BOP.PEER_READ, 0, 255) + o(BOP.READ, 0, 255)
# Flushes: a % 3 = READ, WRITE, both; b % 3 = NORMAL, FLUSH, FINISHED (on the pair, H8-H11).
bev["flush-modes"] = bytes([0]) + o(BOP.SETWATERMARK, 2, 21, 21) + o(BOP.ENABLE, 2, 1) + o(BOP.WRITE, 1, 100) + \
    o(BOP.FLUSH, 1, 1, 0) + o(BOP.FLUSH, 1, 1, 1) + o(BOP.FLUSH, 1, 1, 2) + o(BOP.WRITE, 2, 50) + \
    o(BOP.FLUSH, 1, 0, 1) + o(BOP.FLUSH, 1, 2, 2) + o(BOP.LOOP, 0, 2) + o(BOP.READ, 2, 255) + \
    o(BOP.FILTER, 0, 0x42, 0x20) + o(BOP.WRITE, 0, 30) + o(BOP.FLUSH, 0, 2, 1) + o(BOP.FLUSH, 0, 1, 2) + \
    o(BOP.FREE, 2) + o(BOP.FLUSH, 1, 1, 1) + o(BOP.LOOP) + o(BOP.PEER_READ, 0, 255)
# Rate limits on the socket bufferevent: read rate iosize(a), write rate iosize(b) + 1;
# a second limit only clips the bucket; a == 0 removes it.
bev["rate-limit"] = bytes([0]) + o(BOP.RATE_LIMIT, 0, 10, 5) + o(BOP.ENABLE, 0, 3) + o(BOP.PEER_WRITE, 0, 200) + \
    o(BOP.LOOP, 0, 3) + o(BOP.READ, 0, 255) + o(BOP.WRITE, 0, 100) + o(BOP.LOOP, 0, 3) + o(BOP.PEER_READ, 0, 255) + \
    o(BOP.RATE_LIMIT, 0, 4, 2) + o(BOP.LOOP, 0, 2) + o(BOP.READ, 0, 255) + o(BOP.RATE_LIMIT, 0) + \
    o(BOP.LOOP, 0, 3) + o(BOP.READ, 0, 255) + o(BOP.PEER_READ, 0, 255) + o(BOP.RATE_LIMIT, 1, 10, 10)
# Frees with deferred callbacks queued (TRIGGER_FREE a: 1 readcb, 2 writecb, 4 eventcb EOF,
# 8 while writing; b 1: ignore watermarks), and a free right after a write queued some.
bev["trigger-free"] = bytes([2]) + o(BOP.ENABLE, 0, 3) + o(BOP.ENABLE, 2, 1) + o(BOP.WRITE, 1, 50) + \
    o(BOP.TRIGGER_FREE, 2, 15, 1) + o(BOP.TRIGGER_FREE, 0, 7) + o(BOP.WRITE, 1, 20) + o(BOP.FLUSH, 1, 1, 2) + \
    o(BOP.LOOP, 0, 3)
bev["free-filter-pending"] = bytes([0]) + o(BOP.FILTER, 1, 0x99, 0x01) + o(BOP.ENABLE, 1, 3) + \
    o(BOP.ENABLE, 2, 3) + o(BOP.WRITE, 2, 60) + o(BOP.WRITE, 1, 60) + o(BOP.FREE, 1) + o(BOP.LOOP, 0, 2) + \
    o(BOP.READ, 2, 255)
# Soak finding b9c8efa66a29 (a harness false positive): a write timeout that expired in a loop
# pass the breaker cut short waits in the active queue; clearing the timeouts when the filter is
# made does not remove it, and the filter relays it with its EV_WRITE on (fails about half the
# runs without the fix, timing-dependent).
bev["filter-stale-timeout"] = bytes([0]) + o(BOP.ENABLE, 0, 3) + o(BOP.SET_TIMEOUTS, 0, 4, 4) + \
    o(BOP.WRITE, 0, 3) + o(BOP.PEER_WRITE, 0, 200) + o(BOP.LOOP) + o(BOP.FILTER, 0, 3, 0) + o(BOP.LOOP_WAIT)
# THREADSAFE socket bufferevent and pair (opts bits 6, 7), and a THREADSAFE filter with
# UNLOCK_CALLBACKS over a deferred pair side.
bev["threadsafe"] = bytes([0xc6]) + o(BOP.FILTER, 2, 0x3c, 0x17) + o(BOP.ENABLE, 0, 3) + o(BOP.ENABLE, 1, 3) + \
    o(BOP.ENABLE, 2, 3) + o(BOP.WRITE, 0, 90) + o(BOP.PEER_WRITE, 0, 90) + o(BOP.WRITE, 1, 50) + \
    o(BOP.LOOP, 0, 3) + o(BOP.MOVE_INPUT, 0, 2) + o(BOP.READ, 2, 255) + o(BOP.LOOP, 0, 3) + o(BOP.READ, 1, 255) + \
    o(BOP.PEER_READ, 0, 255)
for k in range(8):
    bev["opts%d" % k] = bytes([k]) + o(BOP.ENABLE, 0, 3) + o(BOP.ENABLE, 1, 3) + o(BOP.ENABLE, 2, 3) + \
        o(BOP.WRITE, 0, 20) + o(BOP.PEER_WRITE, 0, 20) + o(BOP.WRITE, 2, 20) + o(BOP.LOOP, 0, 1) + \
        o(BOP.PEER_READ, 0, 50) + o(BOP.READ, 0, 50) + o(BOP.READ, 1, 50)


# The ref divergences evbuffer_diff found (fuzz/findings/ref-*.tape, fixed in ref) are
# seeds too, so that `make test` replays them on every implementation.
fdir = os.path.join(TOP, "fuzz", "findings")
for name in sorted(os.listdir(fdir)):
    if name.startswith("ref-") and name.endswith(".tape"):
        with open(os.path.join(fdir, name), "rb") as fh:
            ev["finding-" + name[:-len(".tape")]] = fh.read()


def dict_text(title, entries, text=True):
    """A libFuzzer/AFL++ dictionary: name="bytes", bytes as \\xNN (text: all but printable ones)."""
    def esc(data):
        return "".join(chr(c) if text and 0x20 < c < 0x7f and chr(c) not in '"\\' else "\\x%02x" % c
                       for c in data)
    return "# %s\n" % title + "".join('%s="%s"\n' % (k, esc(v)) for k, v in entries)


dicts = {
    "bufferevent_tape": dict_text("bufferevent_tape: whole operations (code, bufferevent, a, b)", [
        ("enable_rw", o(BOP.ENABLE, 0, 3)), ("write", o(BOP.WRITE, 0, 100)), ("loop", o(BOP.LOOP, 0, 3)),
        ("peer_write", o(BOP.PEER_WRITE, 0, 100)), ("peer_read", o(BOP.PEER_READ, 0, 255)),
        ("fault_eagain", o(BOP.FAULT_WRITE, 0, 0, 2)), ("fault_reset", o(BOP.FAULT_WRITE, 0, 2, 1)),
        ("read_eof", o(BOP.FAULT_READ, 0, 3)), ("move", o(BOP.MOVE_INPUT, 0, 1)),
        ("move_ref", o(BOP.MOVE_INPUT, 0, 4)), ("filter", o(BOP.FILTER, 0, 0x33, 0x30)),
        ("filter_need_more", o(BOP.FILTER_RESULT, 0, 1)), ("flush_finished", o(BOP.FLUSH, 1, 2, 2)),
        ("rate_limit", o(BOP.RATE_LIMIT, 0, 10, 5)), ("trigger_free", o(BOP.TRIGGER_FREE, 1, 15))], text=False),
    "evbuffer_tape": dict_text("evbuffer_tape: line terminators and literal-payload headers (0xf0|len) for add", [
        ("crlf", b"\r\n"), ("lf", b"\n"), ("cr", b"\r"), ("nul", b"\0"), ("crlfcrlf", b"\r\n\r\n"),
        ("lit4", b"\xf4ab\r\n"), ("lit3", b"\xf3\r\n\0"), ("lit8", b"\xf8line\r\n\r\n"), ("huge", b"\xff")]),
}

# Everything gen-seeds writes: path relative to the top -> bytes.
files = {}
for corpus, seeds in (("evbuffer_tape", ev), ("bufferevent_tape", bev)):
    for name, data in seeds.items():
        files["fuzz/corpus/%s/%s.tape" % (corpus, name)] = data
for name, text in dicts.items():
    files["fuzz/dict/%s.dict" % name] = text.encode()
corpora = ("fuzz/corpus/evbuffer_tape", "fuzz/corpus/bufferevent_tape")


def check():
    """The committed corpora and dictionaries, compared with what would be written."""
    bad = []
    committed = {os.path.join(d, n) for d in corpora if os.path.isdir(os.path.join(TOP, d))
                 for n in os.listdir(os.path.join(TOP, d))}
    for rel in sorted(committed - set(files)):
        bad.append("%s: committed, but gen-seeds.py does not write it" % rel)
    for rel, data in sorted(files.items()):
        try:
            with open(os.path.join(TOP, rel), "rb") as fh:
                if fh.read() != data:
                    bad.append("%s: differs from what gen-seeds.py writes" % rel)
        except FileNotFoundError:
            bad.append("%s: missing" % rel)
    for b in bad[:10]:
        print("gen-seeds: " + b, file=sys.stderr)
    if bad:
        print("gen-seeds: %d file(s) are not what gen-seeds.py writes from the opcode lists: if the "
              "tape format changed on purpose, run python3 fuzz/gen-seeds.py and commit" % len(bad),
              file=sys.stderr)
        return 1
    print("gen-seeds: %d tapes in %d corpora and %d dictionaries are what gen-seeds.py writes" % (
        len(files) - len(dicts), len(corpora), len(dicts)))
    return 0


def write():
    for d in corpora:
        shutil.rmtree(os.path.join(TOP, d), ignore_errors=True)
        os.makedirs(os.path.join(TOP, d))
    for rel, data in files.items():
        with open(os.path.join(TOP, rel), "wb") as fh:
            fh.write(data)
    for d in corpora:
        print("gen-seeds: %d tapes in %s" % (len(os.listdir(os.path.join(TOP, d))), d))
    print("gen-seeds: %d dictionaries in fuzz/dict" % len(dicts))
    return 0


if __name__ == "__main__":
    sys.exit(check() if sys.argv[1:] == ["--check"] else write())
