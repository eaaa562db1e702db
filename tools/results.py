"""results: the one reader of results files (build/<impl>/<backend>/results.jsonl).

The runner writes one JSON object per case as the case finishes (fields:
reports/README.md); everything that counts or compares results (the driver's tallies,
flaky, mutants, the reports, make test's closing line) reads them through here."""
import json

# The closed set of statuses a case can end with; FAILING ones fail a run.
STATUSES = ("PASS", "FAIL", "CRASH", "TIMEOUT", "SKIP", "DIFFERS")
FAILING = frozenset({"FAIL", "CRASH", "TIMEOUT"})


class BadResults(Exception):
    pass


def read(path):
    """The records of one results file, in the order they were written."""
    records = []
    # A case's output or a corrupted stream in a check's `actual` may hold any bytes.
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
            except ValueError as ex:
                raise BadResults(f"{path}:{n}: not a JSON record: {ex}") from None
            if r.get("status") not in STATUSES:
                raise BadResults(f"{path}:{n}: status {r.get('status')!r} is not one of {' '.join(STATUSES)}")
            records.append(r)
    return records


def read_or_none(path):
    try:
        return read(path)
    except (OSError, BadResults):
        return None


def statuses(records):
    """{case id: status}."""
    return {r["case"]: r["status"] for r in records}


def fails(record):
    return record["status"] in FAILING


class Tally:
    """Counts over any number of records; `missing` are cases a run selected but never
    recorded (a runner process that died), and they count as failed."""

    def __init__(self, records=(), missing=0):
        self.counts = dict.fromkeys(STATUSES, 0)
        self.missing = 0
        self.add(records, missing)

    def add(self, records, missing=0):
        for r in records:
            self.counts[r["status"]] += 1
        self.missing += missing
        return self

    def merge(self, other):
        for s in STATUSES:
            self.counts[s] += other.counts[s]
        self.missing += other.missing
        return self

    @property
    def passed(self):
        return self.counts["PASS"]

    @property
    def failed(self):
        return sum(self.counts[s] for s in FAILING) + self.missing

    @property
    def skipped(self):
        return self.counts["SKIP"]

    @property
    def differs(self):
        return self.counts["DIFFERS"]

    def line(self):
        s = f"{self.passed} passed, {self.failed} failed, {self.skipped} skipped"
        if self.differs:
            s += f", {self.differs} QUIRK case(s) differ (not counted)"
        if self.missing:
            s += f" ({self.missing} with no record)"
        return s
