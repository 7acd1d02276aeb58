"""Run every benchmark in tests/benchmarks/ and print one table (what ``make bench`` runs).

Each ``bench_*.py`` runs as its own process, so its memory figures are its own and a
crash is reported as a row, not fatal. Flags other than run_all's own (``--quick``,
``--steps N``, ``--cap S``, ...) are passed through to every script; a script ignores
the ones it does not know. The scripts append their rows to the file named by the
environment variable ``BENCH_JSON`` (see ``_common.py`` for the row format).

The table goes to the terminal and, as Markdown with a description of the machine and
how to read it, to ``docs/performance.md`` (the page the README links; no figure there is
copied by hand); each script's full output goes to ``out/bench-logs/<name>.log``. A run
with ``--only`` writes ``out/bench.md`` instead, so a partial run never replaces the page.
Exits non-zero when a benchmark crashed or a result disagreed (MISMATCH, FAILED,
ERROR, TIMEOUT); a missed target (NOT MET) is shown but is not a failure.

    python tests/benchmarks/run_all.py [--quick] [--steps N] [--only training,depth]
"""

import argparse
import datetime
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

import _common as C

ORDER = ("training", "depth", "symbolic", "check", "compile", "panels")  # then any other, by name


def run(script, flags, log_path, timeout):
    """Run one benchmark, echoing its output live into the log; return (rows, seconds)."""
    name = os.path.basename(script)
    with tempfile.NamedTemporaryFile("w+", suffix=".json", delete=False) as f:
        json_path = f.name
    env = dict(os.environ, BENCH_JSON=json_path, PYTHONUNBUFFERED="1")
    cmd = [sys.executable, script, *flags]
    t = time.perf_counter()
    with open(log_path, "w") as log:
        log.write(f"$ {' '.join(cmd)}\n")
        proc = subprocess.Popen(cmd, cwd=C.REPO, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
        try:
            for line in proc.stdout:
                print(f"  {line}", end="", flush=True)
                log.write(line)
            rc = proc.wait(timeout=max(1, timeout - (time.perf_counter() - t)))
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = "timeout"
    seconds = time.perf_counter() - t
    rows = []
    if os.path.getsize(json_path):
        with open(json_path) as f:
            rows = json.load(f)
    os.unlink(json_path)
    bench = name.removeprefix("bench_").removesuffix(".py")
    if rc == "timeout":
        rows.append(C.row(bench, "-", "run", f"killed after {timeout:g} s", flag="TIMEOUT"))
    elif rc != 0 and not any(r["flag"] in C.LOUD for r in rows):
        rows.append(C.row(bench, "-", "run", f"exit status {rc}, see {log_path}", flag="FAILED"))
    elif not rows:
        rows.append(C.row(bench, "-", "run", f"no result rows, see {log_path}", flag="NO ROWS"))
    return rows, seconds


READING = """\
## How to read it

*ratio to anchor* is value / the anchor's value for the same benchmark and measure:
micrograd and PyTorch (float64, one thread) for training, `sympy.diff` for closed forms,
the engine elsewhere (for a time, 0.1x micrograd means a tenth of micrograd's time).
Memory is the child process's peak resident set from `getrusage` (`ru_maxrss`, imports
included) and its growth while training (peak minus the resident set before the first
step). Each system runs in its own process, one after another, on a shared machine:
compare ratios rather than absolute times. A flag (NOT MET, MISMATCH, ...) marks a
missed target or a disagreement; `run_all.py` exits non-zero on a disagreement.

## Where the time goes

- **micrograd** spends most of a training step in Python's cyclic garbage collector:
  every node's `_backward` closure points back at its node, so every graph is a
  reference cycle that the collector must find. This engine stores no closure (the
  rule table computes each step), so its graphs are freed by reference counting and a
  node is one tracked object (its inputs in two slots, not a tuple).
  `python tests/benchmarks/bench_training.py --profile` splits one demo step into
  building, `zero_grad`, `backward()` and the update, with the collector's share.
- **The lecture's chapter 14 network** is a few hundred nodes a step: the collector
  hardly runs, and what remains is plain Python per node. `python_floor.py`, a
  minimal engine with the math inline and no rule table, checks or symbols (the same
  graph shapes, the same losses), trains beside it and shows what per-node Python
  allows; the difference is the price of one readable table and the domain checks.
- **Closed forms**: every sum and product of the symbolic sweep is made by
  `engine.canonical`'s `add` and `mul` (exactly SymPy's `Add` and `Mul`, without its
  search where the terms are distinct paths); `sympy.diff` of the expanded loss is the
  anchor.
"""


def report(rows, info, argv, times):
    """The Markdown page: what was run, on what machine, the table, and how to read it."""
    when = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    lines = [
        "# Performance",
        "",
        "Written by `make bench` (`tests/benchmarks/run_all.py`): every benchmark script, "
        "each system in its own process, side by side in one run. Do not edit by hand.",
        "",
        "`" + " ".join(["python tests/benchmarks/run_all.py", *argv]) + "`",
        f"on {when}; wall time per script: "
        + ", ".join(f"{name} {s:.0f} s" for name, s in times.items())
        + ".",
        "",
        "Machine: " + "; ".join(f"{k}: {v}" for k, v in info.items()) + ".",
        "",
        C.markdown(rows),
        "",
        READING,
    ]
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--only", help="comma-separated names, e.g. training,depth")
    p.add_argument(
        "--out",
        help="the page to write (default: docs/performance.md, "
        "or out/bench.md for a run with --only)",
    )
    p.add_argument("--timeout", type=float, default=3600, help="seconds per script")
    args, flags = p.parse_known_args()
    first = {f"bench_{n}.py": i for i, n in enumerate(ORDER)}  # the headline first
    scripts = sorted(glob.glob(os.path.join(C.HERE, "bench_*.py")),
                     key=lambda s: (first.get(os.path.basename(s), len(ORDER)), s))  # fmt: skip
    if args.only:
        wanted = {f"bench_{n.strip()}.py" for n in args.only.split(",")}
        scripts = [s for s in scripts if os.path.basename(s) in wanted]
    if args.out is None:
        partial = os.path.join(C.REPO, "out", "bench.md")
        args.out = partial if args.only else os.path.join(C.REPO, "docs", "performance.md")
    logs = os.path.join(C.REPO, "out", "bench-logs")
    os.makedirs(logs, exist_ok=True)
    info = C.machine()
    print("\n".join(f"{k}: {v}" for k, v in info.items()))
    rows, times = [], {}
    for script in scripts:
        name = os.path.basename(script)
        print(f"\n=== {name} {' '.join(flags)}", flush=True)
        log = os.path.join(logs, name.replace(".py", ".log"))
        got, times[name] = run(script, flags, log, args.timeout)
        rows += got
        print(f"=== {name}: {times[name]:.0f} s", flush=True)
    # the one table: when, on what, then every figure with its ratio to its anchor
    print(f"\n{datetime.datetime.now():%Y-%m-%d %H:%M}, " + "; ".join(info.values()))
    print(C.table(rows))
    with open(args.out, "w") as f:
        f.write(report(rows, info, sys.argv[1:], times))
    loud = [r for r in rows if r["flag"] in C.LOUD]
    other = [r for r in rows if r["flag"] and r["flag"] not in C.LOUD]
    print(
        f"\nwritten: {os.path.relpath(args.out, C.REPO)} (logs in {os.path.relpath(logs, C.REPO)}/)"
    )
    for r in loud + other:
        print(f"!! {r['flag']}: {r['benchmark']} / {r['system']} / {r['measure']}: {r['value']}")
    return 1 if loud else 0


if __name__ == "__main__":
    sys.exit(main())
