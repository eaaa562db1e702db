#!/usr/bin/env python3
"""headers.py REF_INCLUDE INTERNAL PUBLIC: awkward's headers, made from ref's.

INTERNAL (what awkward's library is compiled with): ref's headers with other constant
values. PUBLIC (what the cases see): INTERNAL without what awkward lacks: the
declarations of the functions it does not export, the filter types, the end-of-line
styles, the loop flags. Every rewrite must match exactly once: when ref's headers change
shape, the build stops here instead of producing something else."""
import os
import re
import sys

# Values unlike libevent's, so that no case and no harness line can lean on libevent's.
VALUES = {
    "event.h": {
        "EV_TIMEOUT": "0x0100", "EV_READ": "0x0020", "EV_WRITE": "0x0040", "EV_SIGNAL": "0x0200",
        "EV_PERSIST": "0x0400", "EV_ET": "0x0800", "EV_FINALIZE": "0x1000", "EV_CLOSED": "0x2000",
    },
    "bufferevent.h": {
        "BEV_EVENT_READING": "0x0100", "BEV_EVENT_WRITING": "0x0200", "BEV_EVENT_EOF": "0x0001",
        "BEV_EVENT_ERROR": "0x0002", "BEV_EVENT_TIMEOUT": "0x0004", "BEV_EVENT_CONNECTED": "0x0008",
        "BEV_OPT_CLOSE_ON_FREE": "(1 << 3)", "BEV_OPT_THREADSAFE": "(1 << 5)",
        "BEV_OPT_DEFER_CALLBACKS": "(1 << 6)", "BEV_OPT_UNLOCK_CALLBACKS": "(1 << 7)",
        "BEV_NORMAL": "4", "BEV_FLUSH": "5", "BEV_FINISHED": "6",
    },
}

# What the public headers leave out. Functions: their declarations (the library hides
# their symbols too, see build.sh). Blocks: a regular expression each.
FUNCTIONS = {
    "event.h": ["event_base_get_method"],
    "buffer.h": ["evbuffer_readln", "evbuffer_search", "evbuffer_search_range", "evbuffer_search_eol",
                 "evbuffer_freeze", "evbuffer_unfreeze"],
    "buffer_compat.h": ["evbuffer_readline"],
    "bufferevent.h": ["bufferevent_setwatermark", "bufferevent_getwatermark", "bufferevent_filter_new",
                      "bufferevent_pair_new", "bufferevent_pair_get_partner"],
}
BLOCKS = {
    "buffer.h": [r"^enum evbuffer_eol_style \{.*?\};\n"],
    "bufferevent.h": [r"^enum bufferevent_filter_result \{.*?\};\n",
                      r"^typedef enum bufferevent_filter_result \(\*bufferevent_filter_cb\)\(.*?\);\n"],
}


def once(pattern, repl, text, what, flags=re.M | re.S):
    new, n = re.subn(pattern, repl, text, flags=flags)
    if n != 1:
        sys.exit(f"impls/awkward/headers.py: {what}: {n} matches in ref's header, want 1")
    return new


def internal(name, text):
    for const, value in VALUES.get(name, {}).items():
        if re.search(rf"^#define {const}\b", text, re.M):
            text = once(rf"^(#define {const})[ \t]+[^ \t\n]+", rf"\g<1> {value}", text, const)
        else:
            text = once(rf"\b({const} = )[^,}}\n/]*?(?=\s*(?:[,}}\n]|/\*))", rf"\g<1>{value}", text, const)
    return text.replace("(ref)", "(awkward: ref with other constant values)", 1)


def public(name, text):
    for fn in FUNCTIONS.get(name, []):
        text = once(rf"^[^\n;]*\b{fn}\s*\([^;]*;[^\n]*\n", "", text, fn)
    for block in BLOCKS.get(name, []):
        text = once(block, "", text, block)
    return text.replace("(awkward: ref with other constant values)", "(awkward: a subset of ref, other constant values)", 1)


def write(path, text):
    """Only when it changes: every object of the harness depends on these headers."""
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return
    except OSError:
        pass
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main(ref, internal_dir, public_dir):
    for d in (internal_dir, public_dir):
        os.makedirs(os.path.join(d, "event2"), exist_ok=True)
    for name in sorted(os.listdir(os.path.join(ref, "event2"))):
        with open(os.path.join(ref, "event2", name), encoding="utf-8") as f:
            text = internal(name, f.read())
        write(os.path.join(internal_dir, "event2", name), text)
        write(os.path.join(public_dir, "event2", name), public(name, text))


if __name__ == "__main__":
    main(*sys.argv[1:])
