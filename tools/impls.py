"""impls: the table of implementations (impls/impls.txt), the one place that says which
implementations exist, their backends, and whether `make test` and the fuzzers use them."""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TABLE = os.path.join(ROOT, "impls", "impls.txt")


class Impl:
    def __init__(self, name, backends, test, fuzz, what):
        self.name, self.backends, self.what = name, backends, what
        self.in_test = test == "yes"
        self.fuzz = fuzz            # "yes", "replay" or "no"

    def backend_env(self, backend):
        """The environment that forces `backend`: EVENT_NO<X>=1 for every other one."""
        return {f"EVENT_NO{b.upper()}": "1" for b in self.backends if b != backend}

    def __repr__(self):
        return f"Impl({self.name})"


def load(path=TABLE):
    """{name: Impl} in table order; rows whose impls/<name>/impl.mk is missing are left out
    (a tree without ref still works)."""
    impls = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            parts = line.split(None, 4)
            if len(parts) < 5:
                raise SystemExit(f"bevconf: {path}:{n}: want 5 columns: name backends test fuzz what")
            name, backends, test, fuzz, what = parts
            if os.path.exists(os.path.join(os.path.dirname(path), name, "impl.mk")):
                impls[name] = Impl(name, [] if backends == "-" else backends.split(","), test, fuzz,
                                   what.strip())
    return impls


def path_slug(path):
    """A directory as part of a name: /home/me/le -> -home-me-le (as impls/*/impl.mk write it)."""
    return os.path.abspath(path).replace("/", "-")


def source_tree_name(path):
    """The implementation a libevent tree LIBEVENT_SRC=path builds as (impls/libevent-src)."""
    return "libevent-src" + path_slug(path)
