"""bench: `make bench`. The suite's wall time per implementation and backend (best and
median of REPEAT runs), then loopback echo throughput (MB/s) and connection churn
(conn/s) on ref and on libevent under each backend both have, best of BENCH_REPEAT runs of
BENCH_SECONDS each, and the ratio ref / libevent. Figures, never a gate."""
import os
import subprocess
import tempfile
import time

import bevconf
from bevconf import Stop, say


def suite_times(cfg):
    repeat = cfg.number("REPEAT")
    say(f"{'implementation':<28} {'backend':<8} {'best':>10} {'median':>10}")
    for impl in bevconf.known_impls().values():
        if not impl.in_test:
            continue
        target = bevconf.Target(impl)
        with open(os.devnull, "w") as null:
            target.build(log=null)
        for b in impl.backends:
            times = []
            with tempfile.TemporaryDirectory() as tmp, open(os.devnull, "w") as null:
                for _ in range(repeat):
                    t0 = time.time()
                    bevconf.run_suite(target, b, jobs=cfg.number("CASE_JOBS"), timeout=5,
                                      results_path=os.path.join(tmp, "r.jsonl"), log=null, quiet_summary=True)
                    times.append(time.time() - t0)
            times.sort()
            say(f"{impl.name:<28} {b:<8} {times[0]:8.3f} s {times[(len(times) - 1) // 2]:8.3f} s  ({repeat} runs)")


def best(prog, backend, env, repeat, seconds):
    top = 0.0
    for _ in range(repeat):
        p = subprocess.run([prog, str(seconds)], capture_output=True, text=True, env=env)
        if p.returncode != 0:
            raise Stop(f"bench: {prog} failed under {backend}: {p.stderr.strip()}", 1)
        method, figure = p.stdout.split()[:2]
        if method != backend:
            raise Stop(f"bench: {prog} ran {method}, not {backend}", 1)
        top = max(top, float(figure))
    return top


def io_figures(cfg):
    repeat, seconds = cfg.number("BENCH_REPEAT"), cfg.number("BENCH_SECONDS")
    targets = {n: bevconf.Target(bevconf.get_impl(n)) for n in ("ref", "libevent")}
    for t in targets.values():
        with open(os.devnull, "w") as null:
            t.build(t.path("bench-echo"), t.path("bench-churn"), log=null)
    say(f"{'impl':<10} {'backend':<8} {'echo MB/s':>14} {'churn conn/s':>14}")
    for b in ("epoll", "poll"):
        fig = {n: (best(t.path("bench-echo"), b, t.env(b), repeat, seconds),
                   best(t.path("bench-churn"), b, t.env(b), repeat, seconds)) for n, t in targets.items()}
        for n in ("ref", "libevent"):
            say(f"{n:<10} {b:<8} {fig[n][0]:14.1f} {fig[n][1]:14.0f}")
        ratio = [fig["ref"][k] / fig["libevent"][k] if fig["libevent"][k] else 0 for k in (0, 1)]
        say(f"{'ref/libev':<10} {b:<8} {ratio[0]:13.2f}x {ratio[1]:13.2f}x")


def run(cfg):
    suite_times(cfg)
    say("")
    io_figures(cfg)
    return 0
